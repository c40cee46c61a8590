"""S2Decoder and S2Regressor: S2-Net synchrony features plus a final scikit-learn estimator."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from . import features as _features
from ._validation import check_input, check_target
from .featurizer import S2Featurizer, _inner_seed, s2_tags
from .params import (
    FEATURIZER_PARAMS,
    INPUT_ATTRIBUTES,
    Entry,
    Param,
    doc_section,
    featurizer_params,
    make_init,
)

#: The decoders' own parameters, after the featurizer's (documented for :class:`S2Decoder`).
DECODER_PARAMS: tuple[Param, ...] = (
    Param(
        "estimator",
        "classifier | None",
        default=None,
        description="""
        Final estimator fitted on the S2 features (cloned); ``None``:
        :func:`default_classifier`.
        """,
    ),
    Param(
        "select_features",
        "bool",
        default=True,
        description="""
        Choose which of the feature sets the final estimator gets (all; rates; rates and
        latencies; the synchrony sets) by an inner stratified 5-fold cross-validation of the
        final estimator on the training trials' features (:func:`choose_feature_sets`);
        ``False`` gives it every set of ``features``.
        """,
    ),
)
#: The same parameters (names, defaults), as :class:`S2Regressor` documents them.
REGRESSOR_PARAMS: tuple[Param, ...] = (
    replace(
        DECODER_PARAMS[0],
        type="regressor | None",
        description="Final estimator fitted on the S2 features (cloned); ``None``:\n"
        ":func:`default_regressor`.",
    ),
    replace(
        DECODER_PARAMS[1],
        description="Choose the feature sets by an inner 5-fold cross-validation of the final "
        "estimator\n(R^2, averaged over the targets of a 2-D ``y``) on the training trials, as\n"
        ":class:`S2Decoder` does.",
    ),
)
#: Fitted attributes of the feature-set selection (both decoders).
SELECTION_ATTRIBUTES: tuple[Entry, ...] = (
    Entry("feature_sets_", "tuple of str", "The feature sets the final estimator gets."),
    Entry(
        "selection_scores_",
        "dict | None",
        """
        Inner cross-validated score of each candidate, keyed by its sets joined with
        ``"+"`` (``select_features=True``).
        """,
    ),
    Entry("columns_", "ndarray of int", "Their columns in the featurizer's output."),
)


def default_classifier():
    """The final estimator of :class:`S2Decoder` when ``estimator=None``.

    Standardised features and linear discriminant analysis with Ledoit-Wolf shrinkage of the
    covariance (``solver="lsqr", shrinkage="auto"``): the standard classifier for many
    correlated features and few trials in BCI (Blankertz et al., 2011, NeuroImage 56), with
    its regularisation set analytically from the training trials (no penalty to tune), a
    ``predict_proba`` and a ``decision_function``.
    """
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        StandardScaler(), LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")
    )


def default_regressor():
    """The final estimator of :class:`S2Regressor` when ``estimator=None``.

    Standardised features and ridge regression with its penalty chosen by efficient
    leave-one-out cross-validation over ``1e-3 .. 1e3``.
    """
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13)))


def feature_set_columns(featurizer: S2Featurizer) -> dict[str, np.ndarray]:
    """Column indices of each feature set in a fitted featurizer's output."""
    out, start = {}, 0
    n_windows = len(featurizer.windows_)
    for name in _features.check_features(featurizer.features):
        blocks = _features.feature_layout(
            (name,), featurizer.node_names_, featurizer.node_networks_, featurizer.pairs
        )
        width = sum(len(b.elements) for b in blocks) * n_windows
        out[name] = np.arange(start, start + width)
        start += width
    return out


def feature_set_candidates(names) -> list[tuple[str, ...]]:
    """The feature-set combinations ``select_features=True`` chooses from.

    All the sets; the rates alone; rates and first-spike latencies; the synchrony sets
    (everything but rates and latencies): each where it differs from the others.
    """
    names = tuple(names)
    candidates = [names, ("rates",), ("rates", "latency")]
    candidates.append(tuple(n for n in names if n not in ("rates", "latency")))
    out = []
    for cand in candidates:
        cand = tuple(n for n in names if n in cand)
        if cand and cand not in out:
            out.append(cand)
    return out


def choose_feature_sets(
    estimator,
    features: np.ndarray,
    y: np.ndarray,
    columns: dict[str, np.ndarray],
    *,
    classification: bool,
    random_state=None,
    cv: int = 5,
) -> tuple[tuple[str, ...], dict[str, float]]:
    """Choose feature sets by an inner cross-validation of the final estimator.

    The candidates (:func:`feature_set_candidates`) are scored by the estimator's own
    ``score`` (accuracy, R^2) over ``cv`` folds of the training trials (stratified for
    classes); the best mean wins, ties going to the earlier candidate (all sets first).
    Continuous targets may be 2-D ``(n_trials, n_targets)``: plain folds of the trials, scored
    by the R^2 averaged over the targets (a regressor's ``score``). The fits run on one BLAS
    thread: they are small, and a threaded BLAS spins on cores other processes use.

    Returns
    -------
    sets : tuple of str
        The chosen feature sets.
    scores : dict
        Mean inner score of every candidate, keyed ``"rates+latency"`` etc.
    """
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
    from threadpoolctl import threadpool_limits

    from .front_end import MIN_TRIALS_TO_CHOOSE

    candidates = feature_set_candidates(columns)
    if classification:
        smallest = int(np.unique(y, return_counts=True)[1].min())
        if smallest < MIN_TRIALS_TO_CHOOSE:
            return candidates[0], {}
        splitter = StratifiedKFold(
            min(cv, smallest), shuffle=True, random_state=_inner_seed(random_state)
        )
    else:
        if len(y) < 2 * MIN_TRIALS_TO_CHOOSE:
            return candidates[0], {}
        splitter = KFold(min(cv, len(y)), shuffle=True, random_state=_inner_seed(random_state))
    scores = {}
    with threadpool_limits(limits=1, user_api="blas"):  # small fits (see _S2Supervised._fit)
        for cand in candidates:
            cols = np.concatenate([columns[name] for name in cand])
            scores[cand] = float(
                np.mean(cross_val_score(clone(estimator), features[:, cols], y, cv=splitter))
            )
    best = max(candidates, key=lambda c: (round(scores[c], 9), -candidates.index(c)))
    return best, {"+".join(cand): score for cand, score in scores.items()}


# The docstring of both decoders' fit.
_FIT_DOC = """Fit the featurizer and the final {final} on training trials.

        Parameters
        ----------
        X : DataArray | ndarray | DataFrame | mne.Epochs | SpikeTrains
            Training trials.
        y : array-like, shape {y_shape} | None
            {y}; ``None`` takes them from a trials DataArray's ``y`` coordinate.

        Returns
        -------
        self : {cls}
        """


def _targets_for(estimator, y: np.ndarray) -> np.ndarray:
    """A 2-D ``y`` as the final estimator takes it: as given where its tags say it takes
    several targets; else a column vector raveled (with scikit-learn's warning) and several
    columns refused.

    Checked before any simulation; an estimator without scikit-learn tags gets ``y`` as given
    (it says itself, when fitted, whether it takes it).
    """
    from sklearn.utils import column_or_1d, get_tags

    try:
        multi_output = get_tags(estimator).target_tags.multi_output
    except AttributeError:  # no __sklearn_tags__: nothing to go by
        return y
    if multi_output:
        return y
    if y.shape[1] == 1:
        return column_or_1d(y, warn=True)
    raise ValueError(
        f"y has shape {y.shape} ({y.shape[1]} targets), but the final estimator "
        f"{type(estimator).__name__} takes one target (its scikit-learn tags say "
        "target_tags.multi_output=False). Wrap it in "
        "sklearn.multioutput.MultiOutputRegressor (one fit per target), leave "
        "estimator=None (ridge regression takes several targets), pass a 1-D y, or, if it "
        "does take a 2-D y, set tags.target_tags.multi_output = True in its "
        "__sklearn_tags__."
    )


def _final_has(method: str):
    """available_if check: the (fitted, or else the given / default) final estimator has it."""

    def check(self) -> bool:
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, method)
        est = self.estimator if self.estimator is not None else self._default_estimator()
        return hasattr(est, method)

    return check


class _S2Supervised(BaseEstimator):
    """Shared machinery: featurize with S2-Net, then fit the final estimator."""

    _classification = False
    #: Whether ``y`` may be 2-D (several targets): the regressor's, not the classifier's.
    _multi_output = False

    __init__ = make_init(FEATURIZER_PARAMS + DECODER_PARAMS, "_S2Supervised", __name__)

    @staticmethod
    def _default_estimator():
        raise NotImplementedError

    def _featurizer(self) -> S2Featurizer:
        return S2Featurizer(**{name: getattr(self, name) for name in featurizer_params()})

    def _fit(self, X, y):
        inputs = check_input(self, X, reset=True, sfreq=self.sfreq, info=self.info)
        if y is None and inputs.y is not None:
            y = inputs.y  # a trials DataArray carries its labels
        y = check_target(
            y,
            inputs.n_trials,
            classification=self._classification,
            multi_output=self._multi_output,
        )
        estimator = self.estimator if self.estimator is not None else self._default_estimator()
        if y.ndim == 2:  # checked here, before any simulation
            y = _targets_for(estimator, y)
        # class labels drive a supervised front end (spatial="auto": CSP, ANOVA screen); a
        # continuous target, 1-D or 2-D, never reaches it
        labels = y if self._classification else None
        featurizer = self._featurizer()
        features = _features.stack_blocks(featurizer._fit_transform_inputs(inputs, labels))
        # the fitted featurizer can be used on its own on the same kind of X
        featurizer.n_features_in_ = self.n_features_in_
        if hasattr(self, "feature_names_in_"):
            featurizer.feature_names_in_ = self.feature_names_in_
        self.featurizer_ = featurizer
        columns = feature_set_columns(featurizer)
        if not isinstance(self.select_features, bool | np.bool_):
            raise TypeError(
                f"`select_features` must be True or False, got {self.select_features!r}."
            )
        # One BLAS thread for the final estimator's fits: trials x features are small, and a
        # threaded BLAS on cores other processes use spins at its barriers (the 21 shrinkage-
        # LDA fits of a 32-trial fit: 15-23 s with OpenBLAS's threads, 4 s with one, at a
        # load of 6.5 on 2 cores)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            if self.select_features and len(columns) > 1:
                self.feature_sets_, self.selection_scores_ = choose_feature_sets(
                    estimator,
                    features,
                    y,
                    columns,
                    classification=self._classification,
                    random_state=self.random_state,
                )
            else:
                self.feature_sets_ = tuple(columns)
                self.selection_scores_ = None
            self.columns_ = np.concatenate([columns[name] for name in self.feature_sets_])
            self.estimator_ = clone(estimator).fit(features[:, self.columns_], y)
        return self

    def _features(self, X) -> np.ndarray:
        check_is_fitted(self)
        inputs = check_input(self, X, reset=False, sfreq=self.sfreq, info=self.info)
        features = _features.stack_blocks(self.featurizer_._transform_inputs(inputs))
        return features[:, self.columns_]

    def predict(self, X) -> np.ndarray:
        """Predict the target of each trial.

        Parameters
        ----------
        X : DataArray | ndarray | DataFrame | mne.Epochs | SpikeTrains
            Trials of the kind the estimator was fitted on.

        Returns
        -------
        y_pred : ndarray, shape (n_trials,) | (n_trials, n_targets)
            One prediction per trial; a regressor fitted on a 2-D ``y`` predicts every
            target (one column each, as ``y``).
        """
        features = self._features(X)  # checks that the estimator is fitted
        return self.estimator_.predict(features)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the S2 features the final estimator sees (the chosen feature sets)."""
        check_is_fitted(self)
        return self.featurizer_.get_feature_names_out(input_features)[self.columns_]

    def __sklearn_tags__(self):
        tags = s2_tags(super().__sklearn_tags__())
        tags.target_tags.required = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = self._multi_output
        return tags


class S2Decoder(ClassifierMixin, _S2Supervised):
    __doc__ = f"""Classify trials from the synchrony of S2-Net driven by them.

    :class:`S2Featurizer` (its parameters are this estimator's) followed by a final
    classifier, by default standardised features and shrinkage LDA
    (:func:`default_classifier`). Inputs as :class:`S2Featurizer`; a trials DataArray
    also brings its labels (its ``y`` coordinate) when ``y`` is not given. To
    cross-validate mne.Epochs with scikit-learn's helpers, pass ``epochs.get_data()`` with
    ``info=epochs.info`` (the helpers cannot split an Epochs object).

    Parameters
    ----------{doc_section(FEATURIZER_PARAMS + DECODER_PARAMS)}
    Attributes
    ----------
    classes_ : ndarray
        Class labels.
    featurizer_ : S2Featurizer
        The fitted featurizer.
    estimator_ : classifier
        The fitted final estimator.{doc_section(SELECTION_ATTRIBUTES + INPUT_ATTRIBUTES)}
    Examples
    --------
    Five folds of 40 generated trials (about a minute on 2 cores, so the docstring tests
    skip it; the estimator tests cover the same calls):

    >>> from sklearn.model_selection import cross_val_score
    >>> from s2decode import S2Decoder
    >>> from s2decode.datasets import load
    >>> trials = load("synthetic", n_trials=40)                        # doctest: +SKIP
    >>> cross_val_score(S2Decoder(random_state=0), trials, trials.y)   # doctest: +SKIP

    ``mne.Epochs`` of your own (not defined here, hence skipped), as arrays with their info
    (MNE's decoding convention):

    >>> clf = S2Decoder(info=epochs.info, random_state=0)              # doctest: +SKIP
    >>> cross_val_score(clf, epochs.get_data(), epochs.events[:, 2])    # doctest: +SKIP
    """

    _classification = True

    _default_estimator = staticmethod(default_classifier)

    def fit(self, X, y=None):
        self._fit(X, y)
        self.classes_ = self.estimator_.classes_
        return self

    fit.__doc__ = _FIT_DOC.format(
        final="classifier", y_shape="(n_trials,)", y="Class labels", cls="S2Decoder"
    )

    @available_if(_final_has("predict_proba"))
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n_trials, n_classes), columns in ``classes_`` order."""
        features = self._features(X)  # checks that the estimator is fitted
        return self.estimator_.predict_proba(features)

    @available_if(_final_has("predict_log_proba"))
    def predict_log_proba(self, X) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`."""
        features = self._features(X)  # checks that the estimator is fitted
        return self.estimator_.predict_log_proba(features)

    @available_if(_final_has("decision_function"))
    def decision_function(self, X) -> np.ndarray:
        """Decision values of the final classifier, shape (n_trials,) or (n_trials, n_classes)."""
        features = self._features(X)  # checks that the estimator is fitted
        return self.estimator_.decision_function(features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.multi_label = False
        return tags


class S2Regressor(RegressorMixin, _S2Supervised):
    __doc__ = f"""Predict a continuous target from the synchrony of S2-Net driven by each trial.

    :class:`S2Featurizer` (its parameters are this estimator's) followed by a final
    regressor, by default standardised features and ridge regression with a
    cross-validated penalty (:func:`default_regressor`). Inputs as :class:`S2Featurizer`
    (mne.Epochs in scikit-learn's cross-validation helpers: ``epochs.get_data()`` with
    ``info=epochs.info``).

    ``y`` is one target per trial, shape ``(n_trials,)``, or several, shape ``(n_trials,
    n_targets)`` (e.g. hand velocity x and y), as scikit-learn's Ridge takes them:
    :meth:`predict` then returns ``(n_trials, n_targets)`` (for a column vector, what the
    final estimator returns: ``(n_trials,)`` from RidgeCV) and :meth:`score` is the R^2
    averaged over the targets. One simulation serves every target; the default final
    regressor fits them together with one ridge penalty (chosen on all targets), and
    ``select_features`` makes one choice of feature sets for all of them (by that averaged
    R^2). A final ``estimator`` of one target only (by its tags) refuses several columns
    before any simulation: wrap it in :class:`sklearn.multioutput.MultiOutputRegressor`. A
    supervised front end (``spatial`` CSP, ANOVA screen) learns from class labels, so a
    regression target never reaches it.

    Parameters
    ----------{doc_section(FEATURIZER_PARAMS + REGRESSOR_PARAMS)}
    Attributes
    ----------
    featurizer_ : S2Featurizer
        The fitted featurizer.
    estimator_ : regressor
        The fitted final estimator.{doc_section(SELECTION_ATTRIBUTES + INPUT_ATTRIBUTES)}    """

    _multi_output = True

    _default_estimator = staticmethod(default_regressor)

    def fit(self, X, y=None):
        return self._fit(X, y)

    fit.__doc__ = _FIT_DOC.format(
        final="regressor",
        y_shape="(n_trials,) | (n_trials, n_targets)",
        y="Targets: one per trial, or several (one column each, e.g. hand velocity\n"
        "            x and y)",
        cls="S2Regressor",
    )

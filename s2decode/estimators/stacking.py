"""S2StackingClassifier: late fusion of S2Decoder with a peer decoder, weighted by inner CV.

Both decoders see the same trials. ``fit`` predicts the training trials out of fold (an inner
cross-validation on the training trials only), chooses the weight of S2Decoder's
probabilities in a convex blend with the peer's by the out-of-fold log loss (ties go to the
peer), then refits on all training trials. With weight 0 the blend *is* the peer, so the
fused decoder can only fall below the peer by the noise of that inner choice; ``min_gain_se``
asks a blend to beat the peer alone by that many standard errors first. Given several peers,
the same inner cross-validation also chooses the peer.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.validation import check_is_fitted

#: Weights of S2Decoder's probabilities tried by ``weights=None``.
DEFAULT_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


#: Probability a peer that only predicts labels gives its predicted class (the rest is
#: shared by the other classes), so that its blend with S2 has a finite log loss.
HARD_CONFIDENCE = 0.9


class HardProba(ClassifierMixin, BaseEstimator):
    """Probabilities of a classifier that only predicts labels: ``confidence`` for the
    predicted class, the rest shared by the others.

    Parameters
    ----------
    estimator : classifier
        Fitted as a clone; only its ``predict`` is used.
    confidence : float
        Probability of the predicted class, in (1 / n_classes, 1).
    """

    def __init__(self, estimator=None, confidence=HARD_CONFIDENCE):
        self.estimator = estimator
        self.confidence = confidence

    def fit(self, X, y):
        """Fit the classifier."""
        self.estimator_ = clone(self.estimator).fit(X, y)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X) -> np.ndarray:
        """The classifier's labels."""
        check_is_fitted(self)
        return self.estimator_.predict(X)

    def predict_proba(self, X) -> np.ndarray:
        """``confidence`` for the predicted class, ``(1 - confidence) / (k - 1)`` elsewhere."""
        pred = self.predict(X)
        k = len(self.classes_)
        proba = np.full((len(pred), k), (1.0 - self.confidence) / max(k - 1, 1))
        proba[np.arange(len(pred)), np.searchsorted(self.classes_, pred)] = self.confidence
        return proba


def _with_proba(estimator: BaseEstimator) -> BaseEstimator:
    """The estimator; without ``predict_proba``, its sigmoid-calibrated version (from its
    ``decision_function``), or :class:`HardProba` for one that only predicts labels."""
    if hasattr(estimator, "predict_proba"):
        return estimator
    if not hasattr(estimator, "decision_function"):
        return HardProba(estimator)
    from sklearn.calibration import CalibratedClassifierCV

    return CalibratedClassifierCV(estimator, method="sigmoid", cv=3)


def trial_log_loss(proba: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Log loss of each trial, ``-log p[i, y_i]``, as :func:`sklearn.metrics.log_loss`
    computes it (probabilities clipped to ``[eps, 1 - eps]``, ``eps`` of float64): its mean
    is scikit-learn's log loss.

    Parameters
    ----------
    proba : ndarray, shape (n_trials, n_classes)
    y : ndarray, shape (n_trials,)
        Class indices.

    Returns
    -------
    ndarray, shape (n_trials,)
    """
    eps = np.finfo(np.float64).eps
    p = np.asarray(proba, dtype=np.float64)[np.arange(len(y)), np.asarray(y)]
    return -np.log(np.clip(p, eps, 1 - eps))


def blend_weight(
    p_s2: np.ndarray,
    p_peer: np.ndarray,
    y: np.ndarray,
    weights: Sequence[float],
    min_gain_se: float = 0.0,
) -> tuple[float, np.ndarray]:
    """The weight of ``p_s2`` whose blend ``w p_s2 + (1 - w) p_peer`` has the lowest log
    loss, among those that beat the smallest weight by more than ``min_gain_se`` standard
    errors.

    A candidate is admissible when its mean per-trial log loss is below that of the
    smallest weight (the peer alone, for weight 0) by more than ``min_gain_se`` standard
    errors of the paired per-trial difference; the smallest weight always is. With
    ``min_gain_se=0`` this is the lowest log loss; 1 is the one-standard-error rule, turned
    towards the peer.

    Parameters
    ----------
    p_s2, p_peer : ndarray, shape (n_trials, n_classes)
        Out-of-fold class probabilities.
    y : ndarray, shape (n_trials,)
        Class indices (0 .. n_classes - 1).
    weights : sequence of float
        Candidates in [0, 1]; among equal losses (within 1e-9) the smallest weight wins.
    min_gain_se : float
        Standard errors of improvement a weight above the smallest one needs.

    Returns
    -------
    weight : float
    losses : ndarray, shape (n_weights,)
        The log loss of each candidate.
    """
    w = np.asarray(weights, dtype=float)
    y = np.asarray(y)
    per_trial = np.array([trial_log_loss(x * p_s2 + (1 - x) * p_peer, y) for x in w])
    losses = per_trial.mean(axis=1)
    base = int(np.argmin(w))
    gain = per_trial[base] - per_trial  # positive where the candidate is better
    se = gain.std(axis=1, ddof=1) / np.sqrt(len(y)) if len(y) > 1 else np.zeros(len(w))
    admissible = gain.mean(axis=1) > min_gain_se * se + 1e-9
    admissible[base] = True
    candidates = [i for i in range(len(w)) if admissible[i]]
    best = min(candidates, key=lambda i: (round(losses[i] / 1e-9), w[i]))
    return float(w[best]), losses


def choose_blend(
    p_s2: np.ndarray,
    p_peers: Sequence[np.ndarray],
    y: np.ndarray,
    weights: Sequence[float],
    min_gain_se: float = 0.0,
) -> tuple[int, float, np.ndarray]:
    """The peer and weight of S2's probabilities that :class:`S2StackingClassifier` takes.

    For each peer, :func:`blend_weight`; then the peer whose chosen blend has the lowest log
    loss (ties: the earlier peer).

    Parameters
    ----------
    p_s2 : ndarray, shape (n_trials, n_classes)
        Out-of-fold probabilities of S2.
    p_peers : sequence of ndarray, shape (n_trials, n_classes)
        Out-of-fold probabilities of each peer.
    y : ndarray, shape (n_trials,)
        Class indices.
    weights : sequence of float
        Candidate weights of S2's probabilities.
    min_gain_se : float
        As in :func:`blend_weight`.

    Returns
    -------
    peer : int
        Index of the chosen peer.
    weight : float
    losses : ndarray, shape (n_peers, n_weights)
    """
    chosen, losses = [], []
    for p_peer in p_peers:
        weight, loss = blend_weight(p_s2, p_peer, y, weights, min_gain_se)
        at = int(np.argmin(np.abs(np.asarray(weights, dtype=float) - weight)))
        chosen.append((round(float(loss[at]) / 1e-9), weight))
        losses.append(loss)
    best = min(range(len(p_peers)), key=lambda i: (chosen[i][0], i))
    return best, float(chosen[best][1]), np.array(losses)


class S2StackingClassifier(ClassifierMixin, BaseEstimator):
    """S2Decoder and a peer decoder fused late: a convex blend of their probabilities.

    Parameters
    ----------
    s2 : classifier | None
        The S2 decoder (cloned); ``None``: ``S2Decoder()`` with its defaults.
    peer : classifier | list of (str, classifier)
        The decoder a user would pick otherwise (e.g. CSP + LDA, tangent space + LR), on the
        same ``X`` (cloned); several named ones: the inner cross-validation chooses the peer
        along with the weight (:func:`choose_blend`; ties go to the earlier peer). A peer
        without ``predict_proba`` is calibrated (sigmoid on its ``decision_function``, 3
        folds inside each fit); one that only predicts labels gives probability 0.9 to its
        label (:class:`HardProba`).
    cv : int
        Folds of the inner, stratified cross-validation on the training trials that gives
        the out-of-fold probabilities.
    weights : sequence of float | None
        Weights of S2's probabilities to choose from (in [0, 1]); ``None``:
        ``(0, 0.25, 0.5, 0.75, 1)``.
    min_gain_se : float
        How much better than the peer alone a blend with S2 must be to be taken: its
        out-of-fold log loss must be lower by more than this many standard errors of the
        paired per-trial difference (:func:`blend_weight`). 0 (the default) takes the lowest
        loss; 1 (the one-standard-error rule) keeps the peer unless S2 clearly helps. The
        default was chosen on development tasks outside the benchmark
        (``benchmarks/fusion_rules.py``).
    random_state : int | None
        Seed of the inner folds' shuffle.

    Attributes
    ----------
    classes_ : ndarray
        Class labels.
    weight_ : float
        The chosen weight of S2's probabilities (0: the peer alone).
    losses_ : ndarray, shape (n_peers, n_weights)
        Out-of-fold log loss of each peer and candidate weight.
    peer_name_ : str
        Name of the chosen peer (``"peer"`` for a single unnamed one).
    s2_, peer_ : classifier
        Both decoders refitted on all training trials.

    Examples
    --------
    With ``mne.Epochs`` of your own at 160 Hz (not defined here, hence skipped by the
    docstring tests):

    >>> from s2decode.peers import csp_lda
    >>> clf = S2StackingClassifier(S2Decoder(info=epochs.info), csp_lda(160.0))  # doctest: +SKIP
    >>> cross_val_score(clf, epochs.get_data(), epochs.events[:, 2])            # doctest: +SKIP
    """

    def __init__(self, s2=None, peer=None, cv=5, weights=None, min_gain_se=1.0, random_state=None):
        self.s2 = s2
        self.peer = peer
        self.cv = cv
        self.weights = weights
        self.min_gain_se = min_gain_se
        self.random_state = random_state

    def _check(self):
        if self.peer is None:
            raise ValueError(
                "S2StackingClassifier needs `peer`, the decoder to fuse S2 with (e.g. "
                "s2decode.peers.csp_lda(sfreq))."
            )
        peers = self.peer if isinstance(self.peer, list | tuple) else [("peer", self.peer)]
        if not peers or not all(isinstance(p, tuple) and len(p) == 2 for p in peers):
            raise ValueError(
                "`peer` must be a classifier or a non-empty list of (name, classifier) pairs."
            )
        weights = DEFAULT_WEIGHTS if self.weights is None else tuple(self.weights)
        w = np.asarray(weights, dtype=float)
        if w.ndim != 1 or w.size == 0 or not np.all(np.isfinite(w)) or np.any((w < 0) | (w > 1)):
            raise ValueError(f"`weights` must be numbers in [0, 1], got {self.weights!r}.")
        if isinstance(self.cv, bool) or not isinstance(self.cv, int | np.integer) or self.cv < 2:
            raise ValueError(f"`cv` must be an integer >= 2, got {self.cv!r}.")
        gain = self.min_gain_se
        if isinstance(gain, bool) or not isinstance(gain, Real) or not 0 <= gain < np.inf:
            raise ValueError(
                f"`min_gain_se` must be a number >= 0 (1: the one-standard-error rule), got "
                f"{self.min_gain_se!r}."
            )
        s2 = self.s2
        if s2 is None:
            from .decoder import S2Decoder

            s2 = S2Decoder()
        peers = [(str(name), clone(_with_proba(est))) for name, est in peers]
        return clone(s2), peers, tuple(float(x) for x in w)

    def fit(self, X, y, groups=None):
        """Choose the peer and blend weight on out-of-fold probabilities, then refit.

        Parameters
        ----------
        X : array-like | DataArray
            Training trials, the input of both decoders.
        y : array-like, shape (n_trials,)
            Class labels.
        groups : array-like, shape (n_trials,) | None
            Group of each trial (e.g. its subject). Given, the inner folds keep each group
            whole (:class:`~sklearn.model_selection.StratifiedGroupKFold`), so the blend is
            chosen for new groups, as a leave-one-subject-out evaluation tests it; pass it
            through ``cross_validate(..., params={"groups": groups})``. ``None``: stratified
            folds of trials.

        Returns
        -------
        self : S2StackingClassifier
        """
        s2, peers, weights = self._check()
        encoder = LabelEncoder().fit(y)
        codes = encoder.transform(y)
        self.classes_ = encoder.classes_
        min_count = np.bincount(codes).min()
        folds = min(int(self.cv), int(min_count))
        if groups is not None:
            groups = np.asarray(groups)
            if groups.shape != codes.shape:
                raise ValueError(
                    f"`groups` must have one value per trial ({len(codes)}), got shape "
                    f"{groups.shape}."
                )
            folds = min(folds, len(np.unique(groups)))
        if folds < 2:
            raise ValueError(
                f"Every class needs at least 2 training trials (and, with `groups`, 2 groups) "
                f"for the inner cross-validation; the smallest class has {min_count}."
            )
        if groups is None:
            inner = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        else:
            inner = StratifiedGroupKFold(folds, shuffle=True, random_state=self.random_state)
        p_s2 = cross_val_predict(s2, X, codes, groups=groups, cv=inner, method="predict_proba")
        p_peers = [
            cross_val_predict(peer, X, codes, groups=groups, cv=inner, method="predict_proba")
            for _, peer in peers
        ]
        best, self.weight_, self.losses_ = choose_blend(
            p_s2, p_peers, codes, weights, self.min_gain_se
        )
        self.peer_name_ = peers[best][0]
        self.peer_ = clone(peers[best][1]).fit(X, codes)
        self.s2_ = clone(s2).fit(X, codes) if self.weight_ > 0 else None
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Blended class probabilities, shape (n_trials, n_classes), in ``classes_`` order."""
        check_is_fitted(self)
        proba = self.peer_.predict_proba(X)
        if self.s2_ is not None:
            proba = self.weight_ * self.s2_.predict_proba(X) + (1 - self.weight_) * proba
        return proba

    def predict(self, X) -> np.ndarray:
        """The class of highest blended probability."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

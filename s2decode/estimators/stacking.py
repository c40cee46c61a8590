"""S2StackingClassifier: late fusion of S2Decoder with a peer decoder, weighted by inner CV.

Both decoders see the same trials. ``fit`` predicts the training trials out of fold (an inner
cross-validation on the training trials only), chooses the weight of S2Decoder's
probabilities in a convex blend with the peer's by the out-of-fold log loss (ties go to the
peer), then refits on all training trials. With weight 0 the blend *is* the peer, so the
fused decoder can only fall below the peer by the noise of that inner choice. Given several
peers, the same inner cross-validation also chooses the peer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold, cross_val_predict
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


def blend_weight(
    p_s2: np.ndarray, p_peer: np.ndarray, y: np.ndarray, weights: Sequence[float]
) -> tuple[float, np.ndarray]:
    """The weight of ``p_s2`` whose blend ``w p_s2 + (1 - w) p_peer`` has the lowest log loss.

    Parameters
    ----------
    p_s2, p_peer : ndarray, shape (n_trials, n_classes)
        Out-of-fold class probabilities.
    y : ndarray, shape (n_trials,)
        Class indices (0 .. n_classes - 1).
    weights : sequence of float
        Candidates in [0, 1]; among equal losses (within 1e-9) the smallest weight wins.

    Returns
    -------
    weight : float
    losses : ndarray, shape (n_weights,)
        The log loss of each candidate.
    """
    labels = np.arange(p_s2.shape[1])
    losses = np.array([log_loss(y, w * p_s2 + (1 - w) * p_peer, labels=labels) for w in weights])
    order = np.argsort(np.asarray(weights, float), kind="stable")
    best = min(order, key=lambda i: (round(losses[i] / 1e-9), weights[i]))
    return float(weights[best]), losses


class S2StackingClassifier(ClassifierMixin, BaseEstimator):
    """S2Decoder and a peer decoder fused late: a convex blend of their probabilities.

    Parameters
    ----------
    s2 : classifier | None
        The S2 decoder (cloned); ``None``: ``S2Decoder()`` with its defaults.
    peer : classifier | list of (str, classifier)
        The decoder a user would pick otherwise (e.g. CSP + LDA, tangent space + LR), on the
        same ``X`` (cloned); several named ones: the inner cross-validation chooses the peer
        along with the weight. A peer without ``predict_proba`` is calibrated (sigmoid on
        its ``decision_function``, 3 folds inside each fit); one that only predicts labels
        gives probability 0.9 to its label (:class:`HardProba`).
    cv : int
        Folds of the inner, stratified cross-validation on the training trials that gives
        the out-of-fold probabilities.
    weights : sequence of float | None
        Weights of S2's probabilities to choose from (in [0, 1]); ``None``:
        ``(0, 0.25, 0.5, 0.75, 1)``.
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
    >>> from s2decode.peers import csp_lda
    >>> clf = S2StackingClassifier(S2Decoder(info=epochs.info), csp_lda(160.0))  # doctest: +SKIP
    >>> cross_val_score(clf, epochs.get_data(), epochs.events[:, 2])            # doctest: +SKIP
    """

    def __init__(self, s2=None, peer=None, cv=5, weights=None, random_state=None):
        self.s2 = s2
        self.peer = peer
        self.cv = cv
        self.weights = weights
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
        s2 = self.s2
        if s2 is None:
            from .decoder import S2Decoder

            s2 = S2Decoder()
        peers = [(str(name), clone(_with_proba(est))) for name, est in peers]
        return clone(s2), peers, tuple(float(x) for x in w)

    def fit(self, X, y):
        """Choose the peer and blend weight on out-of-fold probabilities, then refit.

        Parameters
        ----------
        X : array-like | DataArray
            Training trials, the input of both decoders.
        y : array-like, shape (n_trials,)
            Class labels.

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
        if folds < 2:
            raise ValueError(
                f"Every class needs at least 2 training trials for the inner "
                f"cross-validation; the smallest has {min_count}."
            )
        inner = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        p_s2 = cross_val_predict(s2, X, codes, cv=inner, method="predict_proba")
        losses, chosen = [], []
        for _, peer in peers:
            p_peer = cross_val_predict(peer, X, codes, cv=inner, method="predict_proba")
            weight, loss = blend_weight(p_s2, p_peer, codes, weights)
            losses.append(loss)
            chosen.append((float(loss.min()), weight))
        self.losses_ = np.array(losses)
        best = min(range(len(peers)), key=lambda i: (round(chosen[i][0] / 1e-9), i))
        self.peer_name_ = peers[best][0]
        self.weight_ = chosen[best][1]
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

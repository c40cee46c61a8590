"""How decoders are scored: the scores the project reports and their chance levels."""

from __future__ import annotations

import numpy as np

from ._checks import check_option

__all__ = ["SCORINGS", "chance_level"]

#: The scores of the pipelines and the benchmark (scikit-learn scorer names).
SCORINGS = ("accuracy", "balanced_accuracy")


def chance_level(y, scoring: str = "accuracy") -> float:
    """The score of a decoder that ignores the data.

    Parameters
    ----------
    y : array-like, shape (n_trials,)
        The labels of the trials scored.
    scoring : {"accuracy", "balanced_accuracy"}
        ``"accuracy"``: the rate of the most frequent class (always predicting it);
        ``"balanced_accuracy"``: ``1 / n_classes``.

    Returns
    -------
    float

    Examples
    --------
    >>> chance_level(["a", "a", "a", "b"])
    0.75
    >>> chance_level(["a", "a", "a", "b"], "balanced_accuracy")
    0.5
    """
    check_option(scoring, SCORINGS, "scoring")
    _, counts = np.unique(np.asarray(y), return_counts=True)
    if counts.size == 0:
        raise ValueError("`y` is empty: there is no chance level without trials.")
    if scoring == "balanced_accuracy":
        return 1.0 / len(counts)
    return float(counts.max() / counts.sum())

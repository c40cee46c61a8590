"""The scikit-learn face of s2decode: S2-Net synchrony features and decoders on top of them.

:class:`S2Featurizer` (a transformer) drives S2-Net with each trial and returns synchrony
features; :class:`S2Decoder` (a classifier) and :class:`S2Regressor` add a final
scikit-learn estimator. All three take trials DataArrays, 3-D arrays with ``sfreq``,
mne.Epochs (or, in scikit-learn's cross-validation helpers, ``epochs.get_data()`` with
``info=epochs.info``), spike trains, or 2-D arrays of static patterns, and behave as
scikit-learn estimators (``clone``, pipelines, grid search, pickling). See
``docs/estimators.md``. :func:`example_dataset` runs one trial through a fitted
featurizer for the figures of :mod:`s2decode.viz`.
"""

from ._validation import input_kind
from .decoder import S2Decoder, S2Regressor, default_classifier, default_regressor
from .example import example_dataset
from .features import DEFAULT_FEATURES, FEATURE_SETS, compute_features, feature_layout
from .featurizer import S2Featurizer, default_config
from .stacking import S2StackingClassifier

__all__ = [
    "DEFAULT_FEATURES",
    "FEATURE_SETS",
    "S2Decoder",
    "S2Featurizer",
    "S2Regressor",
    "S2StackingClassifier",
    "compute_features",
    "default_classifier",
    "default_config",
    "default_regressor",
    "example_dataset",
    "feature_layout",
    "input_kind",
]

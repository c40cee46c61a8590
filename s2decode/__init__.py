"""s2decode: neural decoding with S2-Net, an oscillatory spiking network on brain parcels.

The data take one way through::

    recordings -> trials on parcels (xarray) -> scaffold -> S2-Net (Brian2)
               -> spike trains -> synchrony features (Numba) -> scikit-learn estimators

Sub-packages (``atlas``, ``datasets``, ``io``, ``net``, ``sync``) are imported on first
attribute access, so ``import s2decode`` stays fast and Brian2/MNE/nilearn load only when used.
"""

import importlib

from ._version import __version__
from .errors import (  # noqa: F401 (re-exported; __all__ takes their names from errors)
    DataFileError,
    DatasetNotFoundError,
    InvalidInputError,
    MemoryBudgetError,
    OutputError,
    PipelineError,
    S2DecodeError,
)
from .errors import __all__ as _ERRORS
from .paths import get_cache_dir, get_data_dir, get_memory_budget
from .spiketrains import SpikeTrains
from .trials import check_trials, make_trials

_SUBMODULES = frozenset(
    {"atlas", "cli", "datasets", "errors", "estimators", "io", "net", "summary", "sync"}
)
# scikit-learn estimators, imported on first use (scikit-learn takes ~0.5 s to import)
_ESTIMATORS = frozenset({"S2Decoder", "S2Featurizer", "S2Regressor", "S2StackingClassifier"})
# a fitted pipeline's model file (s2decode fit / predict), imported on first use
_MODELS = frozenset({"load_model", "save_model"})

__all__ = [
    *_ERRORS,  # the error classes, named once in s2decode.errors
    "S2Decoder",
    "S2Featurizer",
    "S2Regressor",
    "S2StackingClassifier",
    "SpikeTrains",
    "__version__",
    "check_trials",
    "get_cache_dir",
    "get_data_dir",
    "get_memory_budget",
    "load_model",
    "make_trials",
    "save_model",
]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _ESTIMATORS:
        return getattr(importlib.import_module(".estimators", __name__), name)
    if name in _MODELS:
        return getattr(importlib.import_module(".pipeline.model", __name__), name)
    raise AttributeError(f"module 's2decode' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(__all__) | _SUBMODULES)

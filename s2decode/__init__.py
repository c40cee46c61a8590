"""s2decode: neural decoding with S2-Net, an oscillatory spiking network on brain parcels.

The data take one way through::

    recordings -> trials on parcels (xarray) -> scaffold -> S2-Net (Brian2)
               -> spike trains -> synchrony features (Numba) -> scikit-learn estimators

Heavy sub-packages (Brian2, MNE, nilearn) are imported on first use.
"""

from ._version import __version__
from .config import get_cache_dir, get_data_dir
from .spiketrains import SpikeTrains
from .trials import check_trials, make_trials

__all__ = [
    "SpikeTrains",
    "__version__",
    "check_trials",
    "get_cache_dir",
    "get_data_dir",
    "make_trials",
]

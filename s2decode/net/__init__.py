"""S2-Net: an oscillatory spiking network on the parcel scaffold, simulated with Brian2.

Each parcel is a leaky integrate-and-fire neuron; spikes travel the scaffold with conduction
delays; each neuron keeps a complex spike-history trace over a finite memory window (the
bottom-up route) and receives a top-down modulation current from the time-delayed
synchronisation with its neighbours. See ``docs/s2net.md`` for the equations.

Use :func:`simulate` with a trials DataArray and a :class:`~s2decode.atlas.Scaffold`;
:class:`S2NetConfig` holds every parameter.
"""

from .config import ABLATIONS, ENCODERS, S2NetConfig, f_omega_from_rates
from .encoders import Drive, encode
from .plasticity import SSDP, first_spike_times, ssdp_update
from .simulate import BACKENDS, simulate, spiketrains_from_indices

__all__ = [
    "ABLATIONS",
    "BACKENDS",
    "ENCODERS",
    "SSDP",
    "Drive",
    "S2NetConfig",
    "encode",
    "f_omega_from_rates",
    "first_spike_times",
    "simulate",
    "spiketrains_from_indices",
    "ssdp_update",
]

"""A dataset the project generates itself: parcel oscillations with class-dependent coupling.

It needs nothing on disk and no network, so it is the offline default of the quickstart and a
ground truth for tests: the classes differ only in WHICH network's parcels oscillate in
phase, not in any parcel's power, so a decoder has to read synchrony to separate them.

Generative model, per trial of class ``c`` (one of ``len(networks)`` classes) and parcel ``i``::

    x_i(t) = sqrt(coupling) * s_c(t) + sqrt(1 - coupling) * u_i(t)   if i is in network c
           = u_i(t)                                                 otherwise
    plus    noise * e_i(t)

where ``s_c`` and every ``u_i`` are unit-power sinusoids at ``freq`` (+- ``freq_jitter``)
with independent random phases, and ``e_i`` is white noise. Every parcel has the same expected
power in every class; only the within-network phase coherence carries the label.
"""

from __future__ import annotations

import os

import numpy as np
import xarray as xr

from ..trials import make_trials

NAME = "synthetic"
FOLDER = None  # generated, never on disk
MODALITY = "synthetic"
DESCRIPTION = "Generated parcel oscillations whose classes differ in network phase coupling"


def load(
    data_dir: str | os.PathLike | None = None,
    *,
    atlas="seitzman300",
    networks: tuple[str, ...] | None = None,
    n_trials: int = 80,
    duration: float = 1.0,
    sfreq: float = 250.0,
    freq: float = 10.0,
    freq_jitter: float = 1.0,
    coupling: float = 0.8,
    noise: float = 0.5,
    seed: int = 0,
) -> xr.DataArray:
    """Generate trials of coupled parcel oscillations on an atlas.

    Parameters
    ----------
    data_dir : path-like | None
        Ignored (nothing is read); accepted so every dataset loads the same way.
    atlas : str | Atlas
        Atlas whose parcels (names, MNI coords, networks) the trials live on.
    networks : tuple of str | None
        Networks whose coupling defines the classes (one class each). ``None`` takes the two
        largest networks of the atlas.
    n_trials : int
        Number of trials, split evenly between the classes.
    duration : float
        Trial length in seconds.
    sfreq : float
        Sampling frequency in Hz.
    freq, freq_jitter : float
        Oscillation frequency in Hz and the half-width of its uniform per-parcel jitter.
    coupling : float
        Fraction of each coupled parcel's oscillation power that is shared, in [0, 1].
    noise : float
        Standard deviation of the additive white noise.
    seed : int
        Random seed; the same seed gives the same trials.

    Returns
    -------
    trials : xarray.DataArray
        ``("trial", "parcel", "time")``; ``y`` is the name of the coupled network, ``group``
        alternates over 4 pseudo-sessions.
    """
    from ..atlas import Atlas, load_atlas

    atlas = atlas if isinstance(atlas, Atlas) else load_atlas(atlas)
    if atlas.networks is None:
        raise ValueError(
            f"The synthetic dataset needs an atlas with networks; {atlas.name!r} has none "
            "(use 'seitzman300')."
        )
    if not 0.0 <= coupling <= 1.0:
        raise ValueError(f"`coupling` must lie in [0, 1], got {coupling}.")
    nets = np.asarray(atlas.networks)
    if networks is None:
        names, counts = np.unique(nets, return_counts=True)
        networks = tuple(names[np.argsort(-counts, kind="stable")[:2]])
    unknown = set(networks) - set(nets.tolist())
    if unknown:
        raise ValueError(
            f"`networks` {sorted(unknown)} not in atlas {atlas.name!r}; it has "
            f"{sorted(set(nets.tolist()))}."
        )
    if n_trials < 2 * len(networks):
        raise ValueError(f"`n_trials` must be at least {2 * len(networks)}, got {n_trials}.")

    rng = np.random.default_rng(seed)
    n_parcels = atlas.n_parcels
    n_times = round(duration * sfreq)
    t = np.arange(n_times) / sfreq
    y = np.array([networks[k % len(networks)] for k in range(n_trials)])
    rng.shuffle(y)
    data = np.empty((n_trials, n_parcels, n_times))
    for k in range(n_trials):
        f = freq + rng.uniform(-freq_jitter, freq_jitter, size=n_parcels)
        phase = rng.uniform(0, 2 * np.pi, size=n_parcels)
        private = np.sqrt(2) * np.sin(2 * np.pi * f[:, None] * t + phase[:, None])
        shared_phase = rng.uniform(0, 2 * np.pi)
        shared = np.sqrt(2) * np.sin(2 * np.pi * freq * t + shared_phase)
        coupled = nets == y[k]
        private[coupled] = np.sqrt(coupling) * shared + np.sqrt(1 - coupling) * private[coupled]
        data[k] = private + noise * rng.standard_normal((n_parcels, n_times))
    return make_trials(
        data,
        sfreq=sfreq,
        y=y,
        group=np.arange(n_trials) % 4,
        names=atlas.labels,
        coords=atlas.coords,
        networks=atlas.networks,
        modality="synthetic",
        units="a.u.",
        source=f"s2decode.datasets.synthetic(atlas={atlas.name}, seed={seed})",
    )


def fetch(data_dir: str | os.PathLike | None = None, **options) -> None:
    """Nothing to download: the synthetic dataset is generated on demand."""
    return None

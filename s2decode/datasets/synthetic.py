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
from ._describe import options_check

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
    design: str = "coupling",
    evoked_amplitude: float = 1.0,
) -> xr.DataArray:
    """Generate trials of coupled parcel oscillations on an atlas (or evoked responses).

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
    design : {"coupling", "evoked"}
        ``"coupling"``: the model above. ``"evoked"``: an oddball-like evoked response on 4
        electrodes (Fz, Cz, Pz, Oz at approximate MNI positions), classes ``"target"`` and
        ``"nontarget"``: every trial has a time-locked waveform (for targets a negative
        deflection at 200 ms and a positive one at 350 ms, scaled per electrode: 0.5, 0.8,
        1, 0.6; for nontargets the same waveform with the opposite sign) in a background of
        an alpha rhythm at ``freq`` (random phase, mixed over the electrodes) and white noise
        of sd ``noise``. Both classes have the same power spectrum and the same spatial
        covariance of the response: only its time course (its sign relative to the
        stimulus) carries the label. ``atlas``, ``networks``, ``freq_jitter`` and
        ``coupling`` are not used.
    evoked_amplitude : float
        Peak amplitude of the response's late deflection at the electrode of largest gain
        (``design="evoked"``), in units of the alpha rhythm's amplitude.

    Returns
    -------
    trials : xarray.DataArray
        ``("trial", "parcel", "time")`` (``"channel"`` for ``design="evoked"``); ``y`` is the
        name of the coupled network (``"target"``/``"nontarget"``), ``group`` alternates
        over 4 pseudo-sessions.
    """
    if design == "evoked":
        return _evoked(n_trials, duration, sfreq, freq, noise, seed, evoked_amplitude)
    if design != "coupling":
        raise ValueError(f"`design` must be 'coupling' or 'evoked', got {design!r}.")
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


#: Electrodes of ``design="evoked"``: name -> (approximate MNI position in mm, gain).
EVOKED_CHANNELS = {
    "Fz": ((0.0, 39.0, 52.0), 0.5),
    "Cz": ((0.0, -9.0, 75.0), 0.8),
    "Pz": ((0.0, -62.0, 57.0), 1.0),
    "Oz": ((0.0, -100.0, 12.0), 0.6),
}
EVOKED_CLASSES = ("target", "nontarget")


def _bump(t: np.ndarray, latency: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((t - latency) / width) ** 2)


def _evoked(n_trials, duration, sfreq, freq, noise, seed, amplitude) -> xr.DataArray:
    """Trials of ``design="evoked"`` (see :func:`load`)."""
    if n_trials < 4:
        raise ValueError(f"`n_trials` must be at least 4, got {n_trials}.")
    rng = np.random.default_rng(seed)
    names = list(EVOKED_CHANNELS)
    gains = np.array([g for _, g in EVOKED_CHANNELS.values()])
    n_times = round(duration * sfreq)
    t = np.arange(n_times) / sfreq
    y = np.array([EVOKED_CLASSES[k % 2] for k in range(n_trials)])
    rng.shuffle(y)
    early = -0.5 * _bump(t, 0.2, 0.03)
    late = _bump(t, 0.35, 0.08)
    data = np.empty((n_trials, len(names), n_times))
    for k in range(n_trials):
        wave = amplitude * (early + late) * (1.0 if y[k] == "target" else -1.0)
        phase = rng.uniform(0, 2 * np.pi)
        alpha = np.sin(2 * np.pi * freq * t + phase)
        mixing = rng.uniform(0.5, 1.0, size=len(names))
        data[k] = (
            gains[:, None] * wave
            + mixing[:, None] * alpha
            + noise * rng.standard_normal((len(names), n_times))
        )
    return make_trials(
        data,
        sfreq=sfreq,
        y=y,
        group=np.arange(n_trials) % 4,
        names=names,
        coords=np.array([c for c, _ in EVOKED_CHANNELS.values()]),
        node_dim="channel",
        modality="synthetic",
        units="a.u.",
        source=f"s2decode.datasets.synthetic(design='evoked', seed={seed})",
    )


def present(data_dir: str | os.PathLike | None = None) -> bool:
    """Always: the trials are generated, nothing is read."""
    return True


def fetch(data_dir: str | os.PathLike | None = None, **options) -> None:
    """Nothing to download: the synthetic dataset is generated on demand."""
    return None


@options_check
def check_options(**options) -> list[tuple[str, str]]:
    from ._describe import collect, number_problem

    problems: list[tuple[str, str]] = []
    networks = options.get("networks")
    n_classes = 2
    if networks is not None:
        if (
            isinstance(networks, str)
            or not isinstance(networks, list | tuple)
            or not networks
            or not all(isinstance(n, str) for n in networks)
        ):
            problems.append(
                ("networks", f"{networks!r} is not allowed; give a list of network names or null")
            )
        elif len(set(networks)) != len(networks):
            problems.append(("networks", f"{list(networks)} lists a network twice"))
        else:
            n_classes = len(networks)
    if "n_trials" in options:
        message = number_problem(options["n_trials"], integer=True, low=2 * n_classes)
        if message:
            message += f" (at least 2 trials for each of the {n_classes} classes)"
        collect(problems, "n_trials", message)
    for key in ("duration", "sfreq", "freq"):
        if key in options:
            collect(problems, key, number_problem(options[key], low=0, low_open=True))
    for key in ("freq_jitter", "noise"):
        if key in options:
            collect(problems, key, number_problem(options[key], low=0))
    if "coupling" in options:
        collect(problems, "coupling", number_problem(options["coupling"], low=0, high=1))
    if "seed" in options:
        collect(problems, "seed", number_problem(options["seed"], integer=True, low=0))
    if options.get("design", "coupling") not in ("coupling", "evoked"):
        problems.append(
            ("design", f"{options['design']!r} is not allowed; give 'coupling' or 'evoked'")
        )
    if "evoked_amplitude" in options:
        collect(problems, "evoked_amplitude", number_problem(options["evoked_amplitude"], low=0))
    if "atlas" in options and not isinstance(options["atlas"], str):
        problems.append(("atlas", f"{options['atlas']!r} is not allowed; give an atlas name"))
    if not {k for k, _ in problems} & {"duration", "sfreq", "freq"}:
        duration = options.get("duration", 1.0)
        sfreq = options.get("sfreq", 250.0)
        freq = options.get("freq", 10.0)
        if round(duration * sfreq) < 2:
            problems.append(
                (
                    "duration",
                    f"{duration} s at {sfreq:g} Hz is {round(duration * sfreq)} sample(s); "
                    "give a duration of at least 2 samples",
                )
            )
        if freq >= sfreq / 2:
            problems.append(
                (
                    "freq",
                    f"{freq} Hz is at or above the Nyquist frequency ({sfreq / 2:g} Hz) of "
                    f"sfreq {sfreq:g} Hz; give a frequency below {sfreq / 2:g} Hz or raise sfreq",
                )
            )
    return problems


def describe(data_dir: str | os.PathLike | None = None, **options) -> dict:
    """What :func:`load` would return with these options, generating nothing.

    Parameters
    ----------
    data_dir : path-like | None
        Ignored, as in :func:`load`.
    **options
        Options of :func:`load`, with its defaults (those that do not change the trials'
        shape, and names it does not take, are ignored).

    Returns
    -------
    description : dict
        See :func:`s2decode.datasets.describe`. Without ``networks`` the two classes are
        named ``"network 1"`` and ``"network 2"`` (the atlas is not read); ``n_nodes`` is
        ``None`` for the same reason.
    """
    from ._describe import description, load_arguments

    o = load_arguments(load, data_dir, options)
    if o.design == "evoked":
        names = list(EVOKED_CLASSES)
    else:
        names = list(o.networks) if o.networks is not None else ["network 1", "network 2"]
    classes = {name: len(range(k, o.n_trials, len(names))) for k, name in enumerate(names)}
    return description(
        NAME,
        measure="continuous",
        sfreq=o.sfreq,
        n_times=round(o.duration * o.sfreq),
        classes=classes,
        tmin=0.0,
        n_groups=min(4, o.n_trials),
        source="generated",
    )

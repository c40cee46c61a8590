"""One source of the estimators' parameters: names, defaults and numpydoc entries, as data.

:class:`~s2decode.estimators.S2Featurizer`, :class:`~s2decode.estimators.S2Decoder` and
:class:`~s2decode.estimators.S2Regressor` share the featurizer's parameters
(:data:`FEATURIZER_PARAMS`). Each is listed once, here: the estimators' ``__init__`` are
made from these tables (:func:`make_init`: explicit keyword arguments, each stored
unchanged, as scikit-learn wants) and their docstrings' Parameters sections are assembled
from them (:func:`doc_section`), so a signature, its defaults and its documentation cannot
drift apart; :func:`check_signature` says so of a class.
"""

from __future__ import annotations

import inspect
import keyword
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .._docs import doc_filler
from .features import DEFAULT_FEATURES

#: The types of ``X`` the estimators take.
X_TYPES = "DataArray | ndarray | DataFrame | mne.Epochs | SpikeTrains"


@dataclass(frozen=True)
class Entry:
    """One numpydoc entry of a docstring section: ``name : type`` and its description.

    Parameters
    ----------
    name : str
        What is documented (a parameter, an attribute).
    type : str
        Its type, as numpydoc writes it after ``name :``.
    description : str
        Its description; indented as it comes, it is dedented and set under the name.
    """

    name: str
    type: str
    description: str

    def doc(self, indent: int = 4) -> str:
        """The entry as numpydoc text, its name line at ``indent`` spaces, ending in a newline."""
        pad = " " * indent
        body = textwrap.indent(textwrap.dedent(self.description).strip("\n"), pad + "    ")
        return f"{pad}{self.name} : {self.type}\n{body}\n"


@dataclass(frozen=True)
class Param(Entry):
    """A parameter of an estimator's ``__init__``: a documented :class:`Entry` with a default.

    Parameters
    ----------
    name, type, description : str
        As :class:`Entry`.
    default : object
        The default value of the keyword argument.
    """

    default: Any = None


def doc_section(entries: Sequence[Entry], indent: int = 4) -> str:
    """The body of a docstring section (Parameters, Attributes) from its entries.

    Parameters
    ----------
    entries : sequence of Entry
        The entries, in order.
    indent : int
        Spaces before each entry's name (4 in a class docstring).

    Returns
    -------
    text : str
        A newline, then the entries, one after the other; an f-string docstring puts it
        right after the section's underline.
    """
    return "\n" + "".join(entry.doc(indent) for entry in entries)


def make_init(params: Sequence[Param], owner: str, module: str) -> Callable[..., None]:
    """An ``__init__`` taking ``params`` as explicit keyword arguments and storing each.

    scikit-learn reads an estimator's parameters from its ``__init__`` signature (no
    ``*args`` or ``**kwargs``) and wants them stored unchanged; this writes that ``__init__``
    from the table, as :mod:`dataclasses` writes theirs.

    Parameters
    ----------
    params : sequence of Param
        The parameters, in signature order, with their defaults.
    owner : str
        The class the ``__init__`` is for (its ``__qualname__``).
    module : str
        The module of that class.

    Returns
    -------
    __init__ : function
        ``__init__(self, name=default, ...)`` setting ``self.name = name`` for each.
    """
    names = [param.name for param in params]
    for name in names:
        if not name.isidentifier() or keyword.iskeyword(name) or name == "self":
            raise ValueError(f"{name!r} cannot be a keyword argument.")
    if len(set(names)) != len(names):
        raise ValueError(f"The parameters repeat a name: {names}.")
    arguments = ", ".join(f"{name}=_defaults[{name!r}]" for name in names)
    body = "".join(f"    self.{name} = {name}\n" for name in names) or "    pass\n"
    namespace: dict[str, Any] = {"_defaults": {param.name: param.default for param in params}}
    exec(f"def __init__(self, {arguments}):\n{body}", namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{owner}.__init__"
    init.__module__ = module
    return init


def check_signature(cls: type, params: Sequence[Param]) -> None:
    """Check that ``cls.__init__`` takes exactly ``params``, in order, with their defaults.

    Raises
    ------
    TypeError
        Naming the first difference.
    """
    got = list(inspect.signature(cls.__init__).parameters.values())[1:]
    want = [(param.name, param.default) for param in params]
    have = [(p.name, p.default) for p in got]
    kinds = {p.kind for p in got}
    if have != want or kinds - {inspect.Parameter.POSITIONAL_OR_KEYWORD}:
        raise TypeError(
            f"{cls.__name__}.__init__ takes {have} but its parameter table says {want}."
        )


#: The attributes every fitted estimator has from its input.
INPUT_ATTRIBUTES: tuple[Entry, ...] = (
    Entry("n_features_in_", "int", "Number of nodes (channels for EEG epochs)."),
    Entry("feature_names_in_", "ndarray of str", "Column names of a DataFrame input."),
)

#: The numpydoc entries shared by methods, by the name of their placeholder (:func:`fill_doc`).
METHOD_ENTRIES = {
    "X_fitted": Entry("X", X_TYPES, "Trials of the kind (and shape) the featurizer was fitted on."),
}

#: Decorator: a docstring's lines ``%(name)s`` become the entries ``METHOD_ENTRIES[name]``,
#: indented as their placeholder (the package's one docstring filler, :mod:`s2decode._docs`).
fill_doc = doc_filler({name: entry.doc(0) for name, entry in METHOD_ENTRIES.items()})


#: The parameters of :class:`~s2decode.estimators.S2Featurizer`, in signature order; the
#: decoders take them too (then their own, :data:`s2decode.estimators.decoder.DECODER_PARAMS`).
FEATURIZER_PARAMS: tuple[Param, ...] = (
    Param(
        "atlas",
        "str | Atlas | None",
        default="seitzman300",
        description="""
        Atlas of the parcels (anything :func:`s2decode.atlas.load_atlas` takes). Used for
        inputs that do not carry their parcels' positions: a 3-D array must have one parcel
        per atlas parcel (in the atlas order), EEG epochs (mne.Epochs, or a 3-D array with
        ``info``) are projected onto it, and a 2-D array or spike trains with as many nodes
        as the atlas has parcels are put on it. ``None``: nodes without positions (no
        anatomy). A trials DataArray with MNI coordinates uses its own.
        """,
    ),
    Param(
        "scaffold",
        '{"auto", "distance", "data", "complete"} | Scaffold | ndarray',
        default="auto",
        description="""
        Connectivity of the network. ``"distance"``: exponential distance rule between the
        nodes' MNI positions (:meth:`Scaffold.from_atlas`); ``"data"``: absolute correlation
        of the nodes' training signals (:func:`~s2decode.atlas.scaffold.correlation_weights`);
        ``"complete"``: every node to every other, equal weights; ``"auto"``: distance where
        the nodes have positions, data otherwise. A :class:`~s2decode.atlas.Scaffold` or an
        ``(n_nodes, n_nodes)`` weight matrix (``[i, j]`` = j -> i) is used as given. Delays
        are ``tau_0 + d_ij / v`` from the positions, or 2 ms for nodes without positions.
        """,
    ),
    Param(
        "k",
        "int | None",
        default=30,
        description="""
        Inputs kept per node (the ``k`` strongest) for ``"distance"``, ``"data"``;
        ``None`` keeps all. Clipped to ``n_nodes - 1``.
        """,
    ),
    Param(
        "plasticity",
        'None | "ssdp" | SSDP',
        default=None,
        description="""
        Adapt the scaffold's weights to the training trials in ``fit`` with
        synchrony-dependent plasticity (:mod:`s2decode.net.plasticity`): ``"ssdp"`` with
        the design note's rates, or an :class:`~s2decode.net.plasticity.SSDP` with others.
        The training trials are simulated once more per epoch; connections keep their
        topology and delays. ``None``: the scaffold as built.
        """,
    ),
    Param(
        "config",
        "S2NetConfig | None",
        default=None,
        description="""
        Network parameters; ``None`` uses :func:`default_config` for the input kind.
        The featurizer derives the configuration it runs (``config_``) from it: the
        learned ``f_omega``; ``standardize=False`` when the featurizer scales the inputs
        (and always for static patterns, where a per-trial z-score would erase them);
        ``v_init=0`` with ``initial_state="rest"``; ``encoder`` where given.
        """,
    ),
    Param(
        "features",
        "sequence of str",
        default=DEFAULT_FEATURES,
        description="""
        Feature sets, from ``"rates"``, ``"latency"``, ``"kuramoto"``, ``"plv"``,
        ``"spike_sync"``, ``"sttc"``, ``"energy"`` (see :mod:`s2decode.estimators.features`).
        """,
    ),
    Param(
        "windows",
        "None | float | array-like, shape (n_windows, 2)",
        default=None,
        description="""
        Time windows of the features: ``None`` the whole trial; a float, adjacent windows of
        that length; rows ``[start, stop]``. In seconds on the data's time axis (the
        DataArray's ``time`` coordinate; from 0 for arrays), or of network time from 0 to
        ``static_duration`` for static patterns.
        """,
    ),
    Param(
        "pairs",
        '{"auto", "networks", "nodes", "global"}',
        default="auto",
        description="""
        Aggregation of the pair metrics (PLV, SPIKE-synchronization, STTC): per network pair,
        per node pair, or over all pairs; ``"auto"``: networks where the nodes have them,
        node pairs for at most 16 nodes, else global.
        """,
    ),
    Param(
        "encoder",
        '{"current", "delta", "poisson", "spikes"} | None',
        default=None,
        description="""
        Input coding (overrides ``config.encoder``); spike inputs always use ``"spikes"``.
        """,
    ),
    Param(
        "sfreq",
        "float | None",
        default=None,
        description="""
        Sampling frequency (Hz) of a 3-D array input. Not needed with ``info`` (whose
        ``info['sfreq']`` it is), nor for inputs that carry it (a trials DataArray,
        mne.Epochs); where given it must agree with theirs (an error otherwise).
        """,
    ),
    Param(
        "info",
        "mne.Info | None",
        default=None,
        description="""
        Measurement info of EEG epochs given as a 3-D array ``(n_epochs, n_channels,
        n_times)``, MNE's decoding convention: ``X=epochs.get_data()`` with
        ``info=epochs.info``. Such an array is then the same input as the Epochs object (its
        channels take their names, types, sensor positions and sampling rate from ``info``
        and are projected onto ``atlas`` with ``projection``), but scikit-learn's
        cross-validation helpers can split it (they cannot split mne.Epochs). ``info`` must
        list exactly the channels of ``X``'s axis 1, in order; times start at 0 (the
        epochs' ``tmin`` is not in ``info``, so ``windows`` rows are from the first sample).
        With mne.Epochs input, ``info`` must be ``None`` or agree with ``epochs.info`` (same
        channels and sampling rate: the epochs' own info is used); other inputs (DataArray,
        2-D arrays, spike trains) refuse it. Stored as given.
        """,
    ),
    Param(
        "spatial",
        '{"auto", "none", "csp", "xdawn", "anova"}',
        default="auto",
        description="""
        Spatial front end of time series (:mod:`s2decode.estimators.front_end`), learned in
        ``fit`` from the training trials and their labels: ``"csp"`` common spatial
        patterns (per band of ``bands``; band power, two or more classes), ``"xdawn"``
        spatial filters of the evoked responses (time-locked waveforms), ``"anova"`` the
        nodes whose time-mean best separates the classes (an F-test screen, e.g. fMRI
        voxels). Each component becomes a neuron at the MNI centroid of its pattern (for EEG
        epochs, of the pattern projected onto the atlas), so the scaffold and the delays
        keep their anatomy. ``"none"``: the nodes as given. ``"auto"``: with labels and more
        than 16 nodes, CSP for electrophysiology (where ``bands`` gives a filter bank),
        xDAWN where ``bands="auto"`` found an evoked response, and the ANOVA screen for slow
        signals (fMRI); the nodes as given otherwise (and when ``fit`` gets no labels).
        """,
    ),
    Param(
        "bands",
        'None | "auto" | (float, float) | sequence of (float, float)',
        default="auto",
        description="""
        Filter bank of time series (Hz of the data): every (node or component, band) pair
        becomes one neuron. ``"auto"``: delta to low gamma (1-4, 4-8, 8-13, 13-20, 20-30,
        30-40 Hz; the bands of the log-band-power baseline) below 90 % of the Nyquist
        frequency, so none for fMRI; unless, with labels, an inner cross-validation on the
        training trials finds the labels in a time-locked waveform rather than in band power
        (:func:`~s2decode.estimators.front_end.choose_coding`): then the signals themselves
        drive the neurons, features come in 8 equal windows (where ``windows=None``) and
        many channels get xDAWN components. ``None``: the signals as given.
        """,
    ),
    Param(
        "band_coding",
        '{"amplitude", "signal"}',
        default="amplitude",
        description="""
        What a band gives its neuron as input current: its analytic amplitude (envelope;
        the neuron's rate and synchrony follow the band's power) or the band-limited signal
        itself (the neuron follows the rhythm's phase).
        """,
    ),
    Param(
        "n_components",
        "int | None",
        default=None,
        description="""
        Components per band (CSP; default 4) or per class (xDAWN; default 4), or nodes kept
        by the ANOVA screen (default 20 % of them, at least 16).
        """,
    ),
    Param(
        "omega",
        '{"rates", "spectral", "config"}',
        default="rates",
        description="""
        Intrinsic frequencies of the neurons' spike-history traces, learned in ``fit``:
        ``"rates"`` the mean firing rate of each neuron in a pilot simulation of (up to 16)
        training trials, so that omega follows the rhythm the neurons fire at
        (``docs/s2net.md``); ``"spectral"`` the spectral peak of each parcel's training
        signals above their 1/f background, in 2-45 Hz of network time (time series only);
        ``"config"`` ``config.f_omega`` as given. Rates are clipped to 2-100 Hz; silent
        neurons keep the configured value.
        """,
    ),
    Param(
        "standardize",
        "bool",
        default=True,
        description="""
        Scale each node by its mean and standard deviation over the training trials and
        time (learned in ``fit``); this replaces the network's per-trial z-score, so
        differences of amplitude between trials reach the network.
        """,
    ),
    Param(
        "static_duration",
        "float",
        default=0.25,
        description="""
        Network seconds a static pattern is held for.
        """,
    ),
    Param(
        "initial_state",
        '{"rest", "random"}',
        default="rest",
        description="""
        ``"rest"``: every neuron starts each trial at rest (``v = 0``), so a trial's features
        depend on that trial only, wherever it sits in ``X``. ``"random"``: initial potentials
        drawn uniformly in ``[0, config.v_init)`` from ``random_state``; they are drawn per
        position in ``X``, so the features of a trial then depend on its position (as do
        Poisson input events).
        """,
    ),
    Param(
        "projection",
        '{"eloreta", "dspm", "sloreta", "mne", "sensor"}',
        default="eloreta",
        description="""
        How EEG epochs (mne.Epochs, or an array with ``info``) are projected onto the atlas
        (:func:`s2decode.atlas.make_projector`); the projector (and, for inverse methods,
        each parcel's orientation) is learned from the training epochs.
        """,
    ),
    Param(
        "backend",
        '{"auto", "cython", "numpy", "cpp_standalone"}',
        default="auto",
        description="""
        Brian2 backend of :func:`s2decode.net.simulate`; ``"auto"`` runs each simulation
        on the fastest backend that works here (C++ standalone, Cython or numpy), with the
        same spikes.
        """,
    ),
    Param(
        "batch_size",
        "int | None",
        default=None,
        description="""
        Trials per simulated network (``None``: as memory allows).
        """,
    ),
    Param(
        "n_jobs",
        "int | None",
        default=None,
        description="""
        Batches simulated concurrently (processes).
        """,
    ),
    Param(
        "memory",
        "str | path-like | joblib.Memory | None",
        default=None,
        description="""
        Cache of the simulations (nilearn/scikit-learn style): the spike trains of the same
        inputs, scaffold, configuration and seed are read back instead of simulated again,
        e.g. across the folds and final-estimator parameters of a grid search.
        ``None``: no caching.
        """,
    ),
    Param(
        "random_state",
        "int | RandomState | None",
        default=None,
        description="""
        Seed of the network's random draws (scaffold shuffle, Poisson events, random initial
        potentials); fixed in ``fit``, so ``transform`` is deterministic.
        """,
    ),
)


def featurizer_params() -> tuple[str, ...]:
    """Names of the featurizer's parameters (shared by the decoders)."""
    return tuple(param.name for param in FEATURIZER_PARAMS)

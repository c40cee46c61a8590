"""The S2-Net model in Brian2: state, update code, and the construction of one batch network.

One batch of ``n_batch`` trials on ``n`` parcels is one Brian2 network of ``n_batch * n``
neurons: trial ``k``'s parcel ``i`` is neuron ``k * n + i`` and the scaffold is copied
block-diagonally, so trials never interact.

Every parameter is a group variable (shared or per neuron), never a literal or a namespace
constant, and every object has a fixed name: one compiled kernel per object serves every
configuration, ablation and batch size (runtime targets), which keeps compilation out of the
inner loop of parameter sweeps and CI.

Discrete-time contract (what :mod:`tests.net_reference` re-implements in plain numpy), per step
``n`` at time ``t_n = n dt``:

1. ``groups``: events of the previous step enter (``y += a``, ``v += J a``), the modulation
   ``m`` is evaluated, ``v`` is integrated exactly over one step with the input, the
   modulation and the inhibition held at their values at ``t_n`` (or held at 0 while
   refractory), and the traces ``z``, ``y`` are rotated and decayed exactly by
   ``exp((-1/T_w + i omega) dt)``;
2. ``thresholds``: ``v >= 1`` emits a spike labelled ``t_n``;
3. ``synapses``: spikes emitted ``d_ij`` steps ago arrive (``a_i += w_ij``); input events
   add their kick to ``v``;
4. ``resets``: ``v = 0``, ``z += 1``, ``lastspike = t_n``.

With global inhibition (``g_inh > 0``) each trial also has one inhibitory unit of level
``s``: in ``groups``, first every neuron's ``inh`` takes its trial's ``s`` (a summed
variable), then the neurons update with the current ``-g_inh * inh``, then ``s`` decays by
``exp(-dt / tau_inh)``; in ``synapses`` every spike of step ``n`` adds ``1 / n_parcels`` to
its trial's ``s``. A volley at step ``n`` thus inhibits from step ``n + 1`` on. Without
inhibition these objects are not built and ``inh`` stays 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import S2NetConfig

#: Names of the Brian2 objects (fixed so that generated code, and its hash, is stable).
NEURONS = "s2net_neurons"
UPDATE = "s2net_update"
SYNAPSES = "s2net_synapses"
EVENTS = "s2net_events"
INPUT_SYNAPSES = "s2net_input_synapses"
SPIKE_MONITOR = "s2net_spikes"
STATE_MONITOR = "s2net_states"
CLOCK = "s2net_clock"
DRIVE = "s2net_drive"  # the TimedArray of the standalone device
INPUT_FUNCTION = "s2net_input"
INHIBITOR = "s2net_inhibitor"  # one inhibitory unit per trial (g_inh > 0 only)
INHIBITOR_DECAY = "s2net_inhibitor_decay"
INHIBITOR_INPUT = "s2net_inhibitor_input"  # neurons -> their trial's unit
INHIBITOR_OUTPUT = "s2net_inhibitor_output"  # unit -> its trial's neurons (summed variable)

#: State and parameters of a neuron (all dimensionless: potentials in threshold units).
NEURON_EQUATIONS = """
v : 1
zr : 1
zi : 1
yr : 1
yi : 1
a : 1
inh : 1
lastspike : second
cw : 1 (constant)
sw : 1 (constant)
decay_m : 1 (shared, constant)
I_bias : 1 (shared, constant)
g_in : 1 (shared, constant)
J : 1 (shared, constant)
kappa : 1 (shared, constant)
g_inh : 1 (shared, constant)
eps : 1 (shared, constant)
norm_y : 1 (shared, constant)
t_ref : second (shared, constant)
drive_rate : Hz (shared, constant)
drive_tol : 1 (shared, constant)
drive_rows : 1 (shared, constant)
rho = sqrt(zr**2 + zi**2) : 1
rho_y = sqrt(yr**2 + yi**2) : 1
m = (yi*zr - yr*zi) / ((rho + eps) * (norm_y*(rho_y + eps) + 1 - norm_y)) : 1
"""

#: One integration step (run every ``dt`` in the ``groups`` slot). ``m`` is evaluated after
#: the arrivals of the previous step entered ``y``; the potential is integrated exactly with
#: the input (and the inhibition ``inh``, 0 unless ``g_inh > 0``) held over the step; the
#: traces rotate and decay exactly.
UPDATE_CODE = """
yr += a
v += J*a
a = 0
row_offset = N*clip(floor(t*drive_rate + drive_tol), 0, drive_rows - 1)
vinf = I_bias + g_in*s2net_input(row_offset) + kappa*m - g_inh*inh
v = int(t - lastspike > t_ref - 0.5*dt) * (vinf + (v - vinf)*decay_m)
zr_old = zr
zr = cw*zr - sw*zi
zi = sw*zr_old + cw*zi
yr_old = yr
yr = cw*yr - sw*yi
yi = sw*yr_old + cw*yi
"""

THRESHOLD = "v >= 1"
RESET = "v = 0\nzr += 1\nlastspike = t"
SYNAPSE_MODEL = "w : 1 (constant)"
SYNAPSE_ON_PRE = "a_post += w"
INPUT_MODEL = "w_in : 1 (constant)"
INPUT_ON_PRE = "v_post += w_in"

#: The global inhibitory unit of a trial: its level ``s``, decaying by ``decay_inh`` per step,
#: raised by ``w_inh = 1 / n_parcels`` at each spike of the trial's neurons.
INHIBITOR_EQUATIONS = """
s : 1
decay_inh : 1 (shared, constant)
w_inh : 1 (shared, constant)
"""
INHIBITOR_DECAY_CODE = "s = s*decay_inh"
INHIBITOR_ON_PRE = "s_post += w_inh_post"
INHIBITOR_OUTPUT_MODEL = "inh_post = s_pre : 1 (summed)"


@dataclass
class Edges:
    """The scaffold as the network uses it: one entry per connection ``pre -> post``.

    ``weight`` has one row per trial when the trials have their own scaffolds (same
    connections and delays, other weights); a connection some trials lack has weight 0 there.
    """

    pre: np.ndarray  # int64, sorted
    post: np.ndarray  # int64
    weight: np.ndarray  # float64, after weight_norm: (n_edges,) or (n_trials, n_edges)
    delay: np.ndarray  # float64, seconds

    @property
    def n_edges(self) -> int:
        return int(self.pre.size)

    @property
    def per_trial(self) -> bool:
        """Whether every trial has its own weights (``weight`` of shape (n_trials, n_edges))."""
        return self.weight.ndim == 2

    def batch_weights(self, trials: np.ndarray, n_batch: int) -> np.ndarray:
        """Weights of the synapses of a batch network, trial after trial (padding: zeros)."""
        if not self.per_trial:
            return np.tile(self.weight, n_batch)
        out = np.zeros((n_batch, self.n_edges))
        out[: len(trials)] = self.weight[trials]
        return out.ravel()


def prepare_edges(scaffold, config: S2NetConfig, rng: np.random.Generator) -> Edges:
    """Apply ``shuffle_scaffold``, ``weight_norm`` and ``delays`` to a scaffold.

    Parameters
    ----------
    scaffold : s2decode.atlas.Scaffold | sequence of Scaffold
        ``weights[i, j]`` and ``delays[i, j]`` (s) of the connection j -> i; a sequence gives
        every trial its own scaffold (:func:`s2decode.net.simulate`): the same nodes and
        delays, weights of their own.
    config : S2NetConfig
        The parameters.
    rng : numpy.random.Generator
        Source of the shuffle (one permutation of the pairs, the same for every scaffold).

    Returns
    -------
    edges : Edges
        Connections sorted by presynaptic neuron (memory locality of spike propagation); for
        a sequence, the union of the scaffolds' connections and one row of weights each.
    """
    several = isinstance(scaffold, (list, tuple))
    scaffolds = list(scaffold) if several else [scaffold]
    n = scaffolds[0].weights.shape[0]
    perm = None
    if config.shuffle_scaffold:
        off = ~np.eye(n, dtype=bool)
        perm = rng.permutation(int(off.sum()))

    def arranged(matrix: np.ndarray) -> np.ndarray:
        out = np.array(matrix, dtype=float)
        if perm is not None:
            off = ~np.eye(n, dtype=bool)
            out[off] = out[off][perm]
        return out

    weights = []
    for sc in scaffolds:
        w = arranged(sc.weights)
        if config.weight_norm == "mean_in_strength":
            mean_in = w.sum(axis=1).mean()
            if mean_in > 0:
                w = w / mean_in
        weights.append(w)
    delays = arranged(scaffolds[0].delays)
    connected = weights[0] != 0
    for w in weights[1:]:
        connected |= w != 0
    post, pre = np.nonzero(connected)
    order = np.lexsort((post, pre))
    pre, post = pre[order], post[order]
    for k, sc in enumerate(scaffolds[1:], start=1):
        if not np.array_equal(arranged(sc.delays)[post, pre], delays[post, pre]):
            raise ValueError(
                f"scaffold[{k}] has other conduction delays than scaffold[0] on their "
                "connections; per-trial scaffolds may differ in their weights only (build them "
                "with scaffold.with_weights)."
            )
    delay = delays[post, pre] if config.delays else np.full(pre.size, config.tau_0)
    weight = np.stack([w[post, pre] for w in weights]) if several else weights[0][post, pre]
    return Edges(pre.astype(np.int64), post.astype(np.int64), weight, delay)


def neuron_parameters(config: S2NetConfig, n_parcels: int) -> tuple[dict, dict]:
    """Values of the group variables: ``(shared, per_parcel)``.

    ``per_parcel`` arrays have one value per parcel and are tiled over the trials of a batch.
    """
    dt = config.dt
    decay_w = np.exp(-dt / config.T_w)
    omega = config.omega(n_parcels)
    per_parcel = {
        "cw": decay_w * np.cos(omega * dt),
        "sw": decay_w * np.sin(omega * dt),
    }
    shared = {
        "decay_m": float(np.exp(-dt / config.tau_m)),
        "I_bias": float(config.I_bias),
        "g_in": float(config.g_in),
        "J": float(config.J),
        "kappa": float(config.kappa),
        "g_inh": float(config.g_inh),
        "eps": float(config.eps),
        "norm_y": 1.0 if config.normalize else 0.0,
        "t_ref": float(config.t_ref),
    }
    return shared, per_parcel


def inhibitor_parameters(config: S2NetConfig, n_parcels: int) -> dict:
    """Values of the inhibitory unit's shared variables (used when ``config.g_inh > 0``)."""
    return {
        "decay_inh": float(np.exp(-config.dt / config.tau_inh)),
        "w_inh": 1.0 / n_parcels,
    }


def drive_lookup(drive_rate: float, dt: float) -> dict:
    """Shared variables of the input lookup: which held sample is active at time ``t``.

    The sample of row ``r`` is active in ``[r, r + 1) / drive_rate``; the small tolerance
    (1 % of a step, in samples) makes sample edges that fall on a step boundary robust to
    rounding of ``t * drive_rate``.
    """
    return {"drive_rate": float(drive_rate), "drive_tol": 0.01 * dt * float(drive_rate)}


# ---------------------------------------------------------------------------- input function
_CYTHON_INPUT = """
cdef double s2net_input(double offset, size_t _vectorisation_idx):
    global _namespaces2net_input_values
    return _namespaces2net_input_values[<size_t>offset + _vectorisation_idx]
"""

# Reads the TimedArray's value buffer directly, indexed by the (affine) neuron index, so the
# update loop stays vectorisable; the TimedArray is what ``run_args`` can swap between runs.
_CPP_INPUT = """
static inline double s2net_input(const double offset, const size_t _vectorisation_idx)
{
    return _namespaces2net_drive_values[(size_t)offset + _vectorisation_idx];
}
"""


def _input_function(pyfunc):
    """The Brian2 ``Function`` of the input lookup, ``offset -> float``, without an implementation.

    Both targets' lookups share this signature; each adds its own implementation. Not
    stateless: the values it reads change between batches.
    """
    from brian2 import Function

    return Function(
        pyfunc,
        arg_units=[1],
        arg_names=["offset"],
        return_unit=1,
        arg_types=["float"],
        return_type="float",
        auto_vectorise=True,
        stateless=False,
    )


def runtime_input_function(values: np.ndarray):
    """The input lookup for the runtime targets (Cython and numpy).

    ``values`` is the flat (row-major ``(n_rows, n_neurons)``) buffer; it is read, not copied,
    at every run, so it can be overwritten in place between batches without recompiling.
    """

    def _numpy_input(offset, _vectorisation_idx):
        return values[np.asarray(offset, dtype=np.int64) + _vectorisation_idx]

    func = _input_function(_numpy_input)
    func.implementations.add_implementation(
        "cython", _CYTHON_INPUT, namespace={"s2net_input_values": values}, name=INPUT_FUNCTION
    )
    func.implementations.add_numpy_implementation(_numpy_input)
    return func


def standalone_input_function(timed_array):
    """The input lookup for C++ standalone, reading the TimedArray ``s2net_drive``."""
    func = _input_function(lambda offset: 0.0)
    func.implementations.add_implementation(
        "cpp", _CPP_INPUT, dependencies={DRIVE: timed_array}, name=INPUT_FUNCTION
    )
    return func


# ---------------------------------------------------------------------------- construction
@dataclass
class BatchNetwork:
    """A built batch network and the handles the backends (:mod:`s2decode.net.runtime`,
    :mod:`s2decode.net.standalone`) need."""

    net: object
    neurons: object
    synapses: object | None
    spikes: object
    states: object | None
    events: object | None
    input_synapses: object | None
    inhibitor: object | None
    input_function: object
    drive: object | None  # the TimedArray (standalone) or the flat value buffer (runtime)
    duration: float
    namespace: dict


def build_network(
    *,
    n_batch: int,
    n_parcels: int,
    edges: Edges,
    config: S2NetConfig,
    n_rows: int,
    drive_rate: float,
    duration: float,
    with_events: bool,
    record: bool,
    codeobj_class=None,
    standalone: bool = False,
    event_capacity: int = 0,
) -> BatchNetwork:
    """Create the Brian2 objects of one batch (not run).

    Parameters
    ----------
    n_batch, n_parcels : int
        Trials in the batch and parcels (neurons) per trial.
    edges : Edges
        The prepared scaffold (one trial's worth).
    config : S2NetConfig
        The parameters (written into group variables).
    n_rows : int
        Rows of the held input current (1 for event-only coding).
    drive_rate : float
        Rows per network second.
    duration : float
        Network seconds to simulate.
    with_events : bool
        Add the input-event generator and its synapses.
    record : bool
        Add the state monitor of ``zr``, ``zi`` and ``m`` every ``config.record_dt``.
    codeobj_class : type | None
        Brian2 code object class of the runtime target (``None`` on the standalone device).
    standalone : bool
        Build for the C++ standalone device (TimedArray input, unlocked event arrays).
    event_capacity : int
        Standalone only: fixed number of generator spikes (padded) so that every batch's
        events fit one build.
    """
    import brian2 as b2

    n_neurons = n_batch * n_parcels
    clock = b2.Clock(dt=config.dt * b2.second, name=CLOCK)
    kw = {} if codeobj_class is None else {"codeobj_class": codeobj_class}

    if standalone:
        # Only the value buffer of this TimedArray is used (by s2net_input, with its own
        # sample clock drive_rate); its dt is set to the network's to keep Brian2 from
        # warning about unaligned grids.
        timed = b2.TimedArray(np.zeros((n_rows, n_neurons)), dt=config.dt * b2.second, name=DRIVE)
        input_function = standalone_input_function(timed)
        drive = timed
    else:
        drive = np.zeros(n_rows * n_neurons)
        input_function = runtime_input_function(drive)

    neurons = b2.NeuronGroup(
        n_neurons,
        NEURON_EQUATIONS,
        threshold=THRESHOLD,
        reset=RESET,
        method=None,
        clock=clock,
        name=NEURONS,
        **kw,
    )
    neurons.run_regularly(UPDATE_CODE, when="groups", name=UPDATE, **kw)
    shared, per_parcel = neuron_parameters(config, n_parcels)
    for key, value in shared.items():
        if key == "t_ref":
            neurons.t_ref = value * b2.second
        else:
            setattr(neurons, key, value)
    for key, value in per_parcel.items():
        setattr(neurons, key, np.tile(value, n_batch))
    for key, value in drive_lookup(drive_rate, config.dt).items():
        if key == "drive_rate":
            neurons.drive_rate = value * b2.Hz
        else:
            setattr(neurons, key, value)
    neurons.drive_rows = float(n_rows)
    neurons.lastspike = -1e9 * b2.second

    synapses = None
    if edges.n_edges:  # (a scaffold without connections leaves the neurons uncoupled)
        synapses = b2.Synapses(
            neurons,
            neurons,
            SYNAPSE_MODEL,
            on_pre=SYNAPSE_ON_PRE,
            clock=clock,
            name=SYNAPSES,
            **kw,
        )
        offsets = (np.arange(n_batch, dtype=np.int64) * n_parcels)[:, None]
        synapses.connect(
            i=(edges.pre[None, :] + offsets).ravel(), j=(edges.post[None, :] + offsets).ravel()
        )
        # per-trial weights are written for each batch (runtime) or passed as run_args
        # (standalone); here they are zeros
        synapses.w = edges.batch_weights(np.arange(0), n_batch)
        synapses.delay = np.tile(edges.delay, n_batch) * b2.second

    spikes = b2.SpikeMonitor(neurons, record=True, name=SPIKE_MONITOR, **kw)
    objects = [neurons, spikes] + ([synapses] if synapses is not None else [])

    inhibitor = None
    if config.g_inh > 0:
        inhibitor = b2.NeuronGroup(
            n_batch, INHIBITOR_EQUATIONS, method=None, clock=clock, name=INHIBITOR, **kw
        )
        # order 1: after the neurons' update (order 0) has read s through the summed
        # variable (its updater runs at order -1)
        inhibitor.run_regularly(
            INHIBITOR_DECAY_CODE, when="groups", order=1, name=INHIBITOR_DECAY, **kw
        )
        for key, value in inhibitor_parameters(config, n_parcels).items():
            setattr(inhibitor, key, value)
        trial_of = np.repeat(np.arange(n_batch), n_parcels)
        into = b2.Synapses(
            neurons, inhibitor, on_pre=INHIBITOR_ON_PRE, clock=clock, name=INHIBITOR_INPUT, **kw
        )
        into.connect(i=np.arange(n_neurons), j=trial_of)
        out = b2.Synapses(
            inhibitor, neurons, INHIBITOR_OUTPUT_MODEL, clock=clock, name=INHIBITOR_OUTPUT, **kw
        )
        out.connect(i=trial_of, j=np.arange(n_neurons))
        objects += [inhibitor, into, out]

    events = input_synapses = None
    if with_events:
        # Generator 2k drives neuron k with +g_event, 2k + 1 with -g_event (delta coding).
        n_gen = 2 * n_neurons + (1 if standalone else 0)  # + a padding sink (standalone)
        if standalone:
            cap = max(int(event_capacity), 1)
            # Padding spikes: the sink neuron, at steps after the end (never emitted).
            steps = np.arange(cap) + round(duration / config.dt) + 10
            idx = np.full(cap, n_gen - 1)
            events = b2.SpikeGeneratorGroup(
                n_gen, idx, steps * config.dt * b2.second, clock=clock, name=EVENTS, **kw
            )
            for var in ("neuron_index", "spike_time", "_timebins"):
                # run_args may only set writable variables; the arrays keep their size.
                events.variables[var].read_only = False
        else:
            events = b2.SpikeGeneratorGroup(
                n_gen,
                np.array([], dtype=int),
                np.array([]) * b2.second,
                clock=clock,
                name=EVENTS,
                **kw,
            )
        input_synapses = b2.Synapses(
            events,
            neurons,
            INPUT_MODEL,
            on_pre=INPUT_ON_PRE,
            clock=clock,
            name=INPUT_SYNAPSES,
            **kw,
        )
        src = np.arange(2 * n_neurons)
        input_synapses.connect(i=src, j=src // 2)
        input_synapses.w_in = np.where(src % 2 == 0, 1.0, -1.0) * config.g_event
        objects += [events, input_synapses]

    states = None
    if record:
        states = b2.StateMonitor(
            neurons,
            ["zr", "zi", "m"],
            record=True,
            dt=config.record_dt * b2.second,
            name=STATE_MONITOR,
            **kw,
        )
        objects.append(states)

    net = b2.Network(*objects, name="s2net_network")
    return BatchNetwork(
        net=net,
        neurons=neurons,
        synapses=synapses,
        spikes=spikes,
        states=states,
        events=events,
        input_synapses=input_synapses,
        inhibitor=inhibitor,
        input_function=input_function,
        drive=drive,
        duration=duration,
        namespace={INPUT_FUNCTION: input_function},
    )

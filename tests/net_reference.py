"""Plain-numpy reference of S2-Net, independent of Brian2 and of s2decode.net's kernels.

It integrates the equations of ``docs/s2net.md`` in their original complex form with explicit
Euler sub-steps (no exponentials, no precomputed rotation), following the discrete-time event
schedule of the model (see :mod:`s2decode.net.model`), where the input and the modulation
current are held over each step: per step ``n``,
events of the previous step enter, the continuous dynamics advance over ``[t_n, t_n + dt]``,
the threshold is checked (spike labelled ``t_n``), spikes emitted ``d`` steps ago arrive and
input events kick, then spiking neurons reset.
"""

from __future__ import annotations

import numpy as np


def reference_simulation(
    x: np.ndarray,
    sfreq: float,
    weights: np.ndarray,
    delays: np.ndarray,
    v0: np.ndarray,
    *,
    dt: float,
    tau_m: float,
    t_ref: float,
    I_bias: float,
    g_in: float,
    J: float,
    kappa: float,
    T_w: float,
    f_omega: float | np.ndarray,
    eps: float,
    normalize: bool = True,
    duration: float | None = None,
    events: list[tuple[int, int, int]] | None = None,
    g_event: float = 0.0,
    g_inh: float = 0.0,
    tau_inh: float = 5e-3,
    substeps: int = 1000,
) -> list[np.ndarray]:
    """Spike times of one trial.

    Parameters
    ----------
    x : ndarray, shape (n, n_times)
        Input signals, already standardised, held sample by sample at ``sfreq``.
    weights, delays : ndarray, shape (n, n)
        ``[i, j]`` is the connection j -> i (weights already normalised); delays in s.
    v0 : ndarray, shape (n,)
        Initial potentials.
    events : list of (neuron, step, sign) | None
        Input events: a kick ``sign * g_event`` at that step.
    g_inh, tau_inh : float
        Global inhibition: a level ``s`` (``ds/dt = -s / tau_inh``, ``s += 1 / n`` at each
        spike of the trial) and the current ``-g_inh * s`` into every neuron.
    substeps : int
        Euler sub-steps per ``dt``.

    Returns
    -------
    spikes : list of ndarray
        Spike times (s) of each neuron.
    """
    x = np.asarray(x, dtype=float)
    n, n_rows = x.shape
    duration = n_rows / sfreq if duration is None else duration
    n_steps = round(duration / dt)
    omega = 2 * np.pi * np.broadcast_to(np.asarray(f_omega, dtype=float), (n,))
    d_steps = np.floor(np.asarray(delays) / dt + 0.5).astype(int)
    max_d = int(d_steps.max()) if d_steps.size else 0
    arrivals = np.zeros((n_steps + max_d + 1, n))
    kicks = np.zeros((n_steps + 1, n))
    for neuron, step, sign in events or []:
        if step < n_steps:
            kicks[step, neuron] += sign * g_event

    v = np.array(v0, dtype=float)
    z = np.zeros(n, dtype=complex)
    y = np.zeros(n, dtype=complex)
    a = np.zeros(n)
    lastspike = np.full(n, -np.inf)
    s_inh = 0.0  # the trial's inhibition level
    rate = 1j * omega - 1.0 / T_w
    h = dt / substeps
    euler_v = (1.0 - h / tau_m) ** substeps
    euler_z = (1.0 + h * rate) ** substeps
    euler_s = (1.0 - h / tau_inh) ** substeps
    tol = 0.01 * dt * sfreq
    spikes: list[list[float]] = [[] for _ in range(n)]
    for step in range(n_steps):
        t = step * dt
        # events delivered in the previous step enter the traces and the membrane
        y += a
        v += J * a
        a[:] = 0
        row = min(max(int(np.floor(t * sfreq + tol)), 0), n_rows - 1)
        current = I_bias + g_in * x[:, row]
        refractory = (t - lastspike) <= t_ref - 0.5 * dt
        # the modulation current is held over the step, like the input current
        num = (y * np.conj(z)).imag
        if normalize:
            m = num / ((np.abs(z) + eps) * (np.abs(y) + eps))
        else:
            m = num / (np.abs(z) + eps)
        drive = current + kappa * m - g_inh * s_inh
        # ``substeps`` explicit Euler steps of the linear equations over [t_n, t_n + dt],
        # written as powers of the Euler amplification factors (coefficients are constant
        # within the step): v_k+1 = v_k + h (drive - v_k) / tau_m, z_k+1 = z_k + h r z_k.
        v = np.where(refractory, 0.0, drive + (v - drive) * euler_v)
        z = z * euler_z
        y = y * euler_z
        s_inh *= euler_s
        fired = np.flatnonzero(v >= 1.0)
        for j in fired:
            spikes[j].append(t)
            targets = np.flatnonzero(weights[:, j])
            arrivals[step + d_steps[targets, j], targets] += weights[targets, j]
        a += arrivals[step]
        s_inh += fired.size / n
        v += kicks[step]
        v[fired] = 0.0
        z[fired] += 1.0
        lastspike[fired] = t
    return [np.array(s) for s in spikes]


# ----------------------------------------------------------------------------- test networks
def random_network(n: int, seed: int, density: float = 0.7, max_delay: float = 8e-3):
    """Weights in [0.5, 1.5] on a random ``density`` of the pairs, delays 1 ms..max_delay."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.5, 1.5, (n, n)) * (rng.random((n, n)) < density)
    np.fill_diagonal(weights, 0.0)
    delays = rng.uniform(1e-3, max_delay, (n, n))
    return weights, delays


def community_network(
    n_per: int = 20,
    p_out: float = 0.1,
    w_out: float = 0.5,
    d_in: float = 2e-3,
    d_out: float = 12e-3,
    seed: int = 0,
):
    """Two communities: all-to-all inside (delay ``d_in``), sparse between (``d_out``)."""
    rng = np.random.default_rng(seed)
    community = np.repeat([0, 1], n_per)
    same = community[:, None] == community[None, :]
    weights = np.where(same, 1.0, (rng.random(same.shape) < p_out) * w_out)
    np.fill_diagonal(weights, 0.0)
    delays = np.where(same, d_in, d_out)
    return weights, delays, community

"""Time windows for windowed synchrony features.

Every metric of :mod:`s2decode.sync` takes ``windows=``, an array of shape (n_windows, 2)
of ``[start, stop]`` rows in seconds, and returns one value (or matrix) per window. For the
spike-train metrics each window is treated as a recording of its own: its spikes are those in
the closed window (as :meth:`neo.core.SpikeTrain.time_slice` keeps them), its edges are the
window's, so the value equals the peer library's on ``time_slice``-d trains. The phase
metrics summarise the samples whose times fall in the window.
"""

from __future__ import annotations

import numpy as np

from ._utils import check_positive


def sliding_windows(
    t_start: float, t_stop: float, length: float, step: float | None = None
) -> np.ndarray:
    """Windows of ``length`` seconds every ``step`` seconds inside ``[t_start, t_stop]``.

    Parameters
    ----------
    t_start, t_stop : float
        The span to cover, in seconds.
    length : float
        Window length in seconds, ``> 0``.
    step : float | None
        Hop between window starts in seconds; ``None``: ``length`` (adjacent windows).

    Returns
    -------
    windows : ndarray, shape (n_windows, 2)
        Rows ``[start, stop]``; the last window ends at or before ``t_stop`` (a window that
        would overshoot by more than a rounding error is left out).

    Examples
    --------
    >>> sliding_windows(0.0, 1.0, 0.5, 0.25)
    array([[0.  , 0.5 ],
           [0.25, 0.75],
           [0.5 , 1.  ]])
    """
    t_start = float(t_start)
    t_stop = float(t_stop)
    if not (np.isfinite(t_start) and np.isfinite(t_stop) and t_stop > t_start):
        raise ValueError(f"t_stop ({t_stop}) must be greater than t_start ({t_start}).")
    length = check_positive(length, "length")
    step = length if step is None else check_positive(step, "step")
    span = t_stop - t_start
    if length > span * (1 + 1e-12):
        raise ValueError(f"length ({length} s) is longer than [t_start, t_stop] ({span} s).")
    # Tolerate rounding so that, e.g., ten 0.1 s windows tile [0, 1].
    n = int(np.floor((span - length) / step * (1 + 1e-12) + 1e-9)) + 1
    starts = t_start + step * np.arange(n)
    stops = np.minimum(starts + length, t_stop)
    return np.column_stack([starts, stops])

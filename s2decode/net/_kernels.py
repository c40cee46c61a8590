"""Numba kernels of the simulator's bookkeeping (imported on first use)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def counting_order(train: np.ndarray, n_trains: int) -> tuple[np.ndarray, np.ndarray]:
    """Stable permutation grouping the entries by ``train`` id, and each group's offsets.

    A counting sort: linear in the number of entries, the order within a group kept.
    """
    offsets = np.zeros(n_trains + 1, np.int64)
    for k in train:
        offsets[k + 1] += 1
    for k in range(n_trains):
        offsets[k + 1] += offsets[k]
    pos = offsets[:-1].copy()
    order = np.empty(train.size, np.int64)
    for idx in range(train.size):
        k = train[idx]
        order[pos[k]] = idx
        pos[k] += 1
    return order, offsets

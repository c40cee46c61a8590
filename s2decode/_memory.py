"""Refuse work before allocating more memory than the budget (:func:`~s2decode.paths.
get_memory_budget`), with the bytes it needed and the fix in the message."""

from __future__ import annotations

from .errors import MemoryBudgetError
from .paths import MEMORY_ENV


def format_bytes(nbytes: float) -> str:
    """``1.5 GB``-style size (powers of 1000, as the budget's ``GB``)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= size:
            return f"{nbytes / size:.3g} {unit}"
    return f"{int(nbytes)} B"


def budget_text(budget: int, argument: str | None = None) -> str:
    """Where the budget comes from, for messages."""
    source = f"{argument} or {MEMORY_ENV}" if argument else MEMORY_ENV
    return f"the memory budget of {format_bytes(budget)} ({budget:,} bytes; {source})"


def require_memory(
    nbytes: float, budget: int, what: str, fix: str, argument: str | None = None
) -> None:
    """Raise :class:`MemoryBudgetError` where ``nbytes`` exceed ``budget``.

    Parameters
    ----------
    nbytes : float
        Estimated bytes the work would allocate.
    budget : int
        The budget (:func:`~s2decode.paths.get_memory_budget`).
    what : str
        The work, as the message's subject (``"The SPIKE-sync matrices of 40 trials x
        1000 trains"``).
    fix : str
        How to make the work smaller (a sentence without its final period).
    argument : str | None
        The function argument that also sets the budget (``"max_memory"``), if any.
    """
    if nbytes > budget:
        raise MemoryBudgetError(
            f"{what} would need about {format_bytes(nbytes)} ({int(nbytes):,} bytes), over "
            f"{budget_text(budget, argument)}; refused before allocating. {fix}, or raise "
            f"the budget (e.g. {MEMORY_ENV}=16GB)."
        )

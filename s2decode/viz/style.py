"""The look shared by s2decode's figures: method-family colours and matplotlib settings."""

from __future__ import annotations

from typing import Any

#: Colours of the method families (Okabe-Ito: distinguishable with colour-vision deficits).
FAMILY_COLORS = {"s2": "#d55e00", "ablation": "#e69f00", "stacked": "#cc79a7", "peer": "#0072b2"}
#: How figures and reports name each family (``"ablation"``: a pipeline's S2 variants).
FAMILY_NAMES = {"s2": "S2", "ablation": "S2 variant", "stacked": "S2 + peer", "peer": "peer"}
#: matplotlib settings of the figures (``with matplotlib.rc_context(STYLE): ...``).
STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}


def family_of(name: Any) -> str:
    """The family of :data:`FAMILY_COLORS` a ``family`` value names (anything else: ``"peer"``).

    Parameters
    ----------
    name : object
        A family as written in ``scores.csv`` (``"s2"``, ``"ablation"``, ``"stacked"``,
        ``"peer"``, any case).

    Returns
    -------
    family : str
        One of ``"s2"``, ``"ablation"``, ``"stacked"``, ``"peer"``.

    Examples
    --------
    >>> family_of("S2"), family_of("ablation"), family_of("baseline")
    ('s2', 'ablation', 'peer')
    """
    name = str(name).lower()
    return name if name in FAMILY_COLORS else "peer"

"""The benchmark's peer baselines: a re-export of :mod:`s2decode.peers`, where they live.

Kept so that ``benchmarks/decoding.py`` (``import peers``) and older scripts work unchanged.
"""

from s2decode.peers import *  # noqa: F403
from s2decode.peers import __all__  # noqa: F401

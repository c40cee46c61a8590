"""How s2decode imports Brian2: from any thread, and without Brian2's process-wide side effects.

On import Brian2 writes a debug log and a copy of the running script into the temporary folder,
and installs an excepthook that answers every uncaught exception -- a user's own ``ValueError``
included -- with "Brian 2 encountered an unexpected error. If you think this is a bug in Brian
2, please report this issue". s2decode imports Brian2 only through :func:`import_brian2`, which
turns these off unless the user asks for them with ``S2DECODE_BRIAN2_LOG=1`` (or has imported
Brian2 themselves first: their Brian2, their settings).

The preferences every backend compiles S2-Net's code with (the Cython cache folder, the
vectorising compiler flag) are set for the time of a build or run by :func:`_brian_prefs`.
They include ``logging.warn_for_unused_objects = False``: every S2-Net object runs, and
without that warning Brian2 (2.11 and later) skips the full garbage collection that starts
every ``Network.run``. Such a collection walks every object the process tracks: with MNE,
scikit-learn and xarray loaded some 300,000 objects, 0.1-0.6 s per ``run()``, more than a
small network's simulation. :func:`import_brian2` backports that rule to Brian2 2.10
(:class:`_RunCollector`).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import threading
from pathlib import Path
from types import ModuleType

#: Set to 1 to keep Brian2's own debug log, script copy and excepthook.
BRIAN2_LOG_ENV = "S2DECODE_BRIAN2_LOG"

# Serialises a first import of Brian2 off the main thread (a lock, not state).
_IMPORT_LOCK = threading.Lock()

# Extra compiler flag: lets GCC version the neuron update loop for aliasing (a dozen state
# arrays) and vectorise it.
_VECTORISE_FLAG = "--param=vect-max-version-for-alias-checks=128"


def import_brian2() -> ModuleType:
    """Import Brian2 from any thread, with its logging side effects off.

    Brian2 installs a SIGINT handler when it is first imported, and Python allows that only in
    the main thread: a first import in a worker thread (a Dask worker's task, a threaded
    joblib backend) raises ``ValueError: signal only works in main thread``. Off the main
    thread the handler is skipped (it only makes Ctrl+C stop a run gracefully).

    The first import made here also turns off Brian2's debug log file, its copy of the
    running script and its excepthook (see the module's docstring); an import the user made
    before is left as it is.

    ``Network.run`` gets Brian2 2.11's rule for its garbage collection (no full collection
    where ``logging.warn_for_unused_objects`` is off; :class:`_RunCollector`), whoever
    imported Brian2.

    Returns
    -------
    brian2 : module
    """
    if "brian2" in sys.modules and _has_run_collector():
        return sys.modules["brian2"]
    with _IMPORT_LOCK:
        if "brian2" in sys.modules:
            _install_run_collector()
            return sys.modules["brian2"]
        if threading.current_thread() is threading.main_thread():
            import brian2
        else:
            import signal

            # one thread at a time patches signal.signal, so the original is what is restored
            install = signal.signal
            signal.signal = lambda signum, handler: signal.getsignal(signum)
            try:
                import brian2
            finally:
                signal.signal = install
        if not os.environ.get(BRIAN2_LOG_ENV):
            quiet_brian2_logging()
        _install_run_collector()
    return brian2


class _RunCollector:
    """The ``gc`` module as Brian2 2.10's ``Network.run`` sees it, with Brian2 2.11's rule.

    ``Network.run`` calls ``gc.collect()`` only so that Brian2 objects that were made and
    never run are collected and warn about it, which they do only where the preference
    ``logging.warn_for_unused_objects`` is on; Brian2 2.11 skips the collection where it is
    off (brian-team/brian2#1861). This stand-in for the ``gc`` name of
    ``brian2.core.network`` does the same in 2.10: ``collect()`` where the preference is on
    (Brian2's default, so nothing changes for other Brian2 code), nothing where it is off
    (inside :func:`_brian_prefs`). Every other attribute is the ``gc`` module's.
    """

    def __getattr__(self, name: str):
        return getattr(gc, name)

    @staticmethod
    def collect(generation: int = 2) -> int:
        from brian2 import prefs

        if prefs["logging.warn_for_unused_objects"]:
            return gc.collect(generation)
        return 0


def _has_run_collector() -> bool:
    network = sys.modules.get("brian2.core.network")
    return network is None or isinstance(getattr(network, "gc", None), _RunCollector)


def _install_run_collector() -> None:
    """Give ``Network.run`` Brian2 2.11's collection rule (:class:`_RunCollector`).

    Installed whatever the Brian2 version: in 2.11 and later it changes nothing.
    """
    network = sys.modules.get("brian2.core.network")
    if network is not None and getattr(network, "gc", None) is gc:
        network.gc = _RunCollector()


def quiet_brian2_logging() -> None:
    """Turn off Brian2's debug log file, script copy and excepthook in this process.

    The files Brian2 made at import are removed, its preferences are set so that it makes no
    new ones, and Python's own excepthook is restored if Brian2's is installed. Brian2's
    warnings on the console are kept.
    """
    from brian2 import prefs
    from brian2.utils.logger import BrianLogger, brian_excepthook

    prefs["logging.file_log"] = False
    prefs["logging.save_script"] = False
    prefs["logging.display_brian_error_message"] = False
    handler = BrianLogger.file_handler
    if handler is not None:
        logging.getLogger("brian2").removeHandler(handler)
        handler.close()
        BrianLogger.file_handler = None
    leftovers = []
    if BrianLogger.tmp_log is not None:
        leftovers += [BrianLogger.tmp_log, f"{BrianLogger.tmp_log}.1"]  # and its rotated copy
    if BrianLogger.tmp_script is not None:
        leftovers.append(BrianLogger.tmp_script)
    for path in leftovers:
        try:
            os.remove(path)
        except OSError:
            pass  # never made (the rotated copy), or already gone
    BrianLogger.tmp_log = None
    BrianLogger.tmp_script = None
    if sys.excepthook is brian_excepthook:
        sys.excepthook = sys.__excepthook__


@contextlib.contextmanager
def _brian_prefs(cache: Path, **extra):
    """Set the Brian2 preferences S2-Net needs, and restore the previous ones afterwards."""
    from brian2 import prefs

    default_args = list(prefs["codegen.cpp.extra_compile_args_gcc"])
    args = default_args if _VECTORISE_FLAG in default_args else [*default_args, _VECTORISE_FLAG]
    wanted = {
        "codegen.runtime.cython.cache_dir": str(cache / "cython"),
        "codegen.cpp.extra_compile_args_gcc": args,
        # every S2-Net object runs; this also skips run()'s full gc.collect() (module doc)
        "logging.warn_for_unused_objects": False,
        **extra,
    }
    old = {key: prefs[key] for key in wanted}
    try:
        for key, value in wanted.items():
            prefs[key] = value
        yield
    finally:
        for key, value in old.items():
            prefs[key] = value

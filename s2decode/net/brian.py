"""How s2decode imports Brian2: from any thread, and without Brian2's process-wide side effects.

On import Brian2 writes a debug log and a copy of the running script into the temporary folder,
and installs an excepthook that answers every uncaught exception -- a user's own ``ValueError``
included -- with "Brian 2 encountered an unexpected error. If you think this is a bug in Brian
2, please report this issue". s2decode imports Brian2 only through :func:`import_brian2`, which
turns these off unless the user asks for them with ``S2DECODE_BRIAN2_LOG=1`` (or has imported
Brian2 themselves first: their Brian2, their settings).

The preferences every backend compiles S2-Net's code with (the Cython cache folder, the
vectorising compiler flag) are set for the time of a build or run by :func:`_brian_prefs`.
"""

from __future__ import annotations

import contextlib
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

    Returns
    -------
    brian2 : module
    """
    if "brian2" in sys.modules:
        return sys.modules["brian2"]
    with _IMPORT_LOCK:
        if "brian2" in sys.modules:
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
    return brian2


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

"""Run the ``s2decode`` command as a user would, and check what an error looks like to them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence


def run_cli(
    args: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 600, cwd=None
) -> subprocess.CompletedProcess:
    """``python -m s2decode.cli ARGS`` in a subprocess (so excepthooks and stderr are real)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "s2decode.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=cwd,
    )


def assert_user_error(done: subprocess.CompletedProcess, *needles: str, max_lines: int = 4) -> str:
    """The command failed with a short message (no traceback) that contains every needle.

    Returns stderr. ``max_lines`` allows "one short paragraph" (a message and its fix).
    """
    err = done.stderr
    assert done.returncode != 0, f"exit status 0; stdout:\n{done.stdout}\nstderr:\n{err}"
    assert "Traceback" not in err, err
    assert "Brian 2 encountered" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert 1 <= len(lines) <= max_lines, f"{len(lines)} lines on stderr:\n{err}"
    for needle in needles:
        assert needle in err, f"{needle!r} not in stderr:\n{err}"
    return err

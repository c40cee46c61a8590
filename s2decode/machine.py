"""What machine this is: its CPU in words, for the records of runs and benchmarks, and its
caches, for sizing work."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

__all__ = ["SIMD_FLAGS", "cpu_cache_size", "cpu_flags", "cpu_name"]

#: The instruction-set flags that change how fast (and, in the last bits, what) the
#: kernels compute, in the order :func:`cpu_flags` reports them.
SIMD_FLAGS = ("avx2", "avx512f", "fma")


def _cpuinfo_model(path: Path) -> str:
    """The first CPU model named in a Linux ``/proc/cpuinfo`` (``""`` where none is)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    fields = [line.partition(":") for line in text.splitlines()]
    fields = [(k.strip().lower(), v.strip()) for k, sep, v in fields if sep and v.strip()]
    # x86: "model name"; some ARM kernels: "Processor" or "Hardware"; POWER: "cpu"
    for key in ("model name", "processor", "hardware", "cpu"):
        for name, value in fields:
            if name == key and not value.isdigit():  # x86's "processor : 0" is a number
                return value
    return ""


def cpu_name(cpuinfo: str | Path = "/proc/cpuinfo") -> str:
    """The CPU model, e.g. ``"AMD EPYC 7763 64-Core Processor"``; never empty.

    :func:`platform.processor` is empty on most Linux systems, so the model is read from
    ``/proc/cpuinfo`` there (``model name``, else the ARM/POWER fields), from
    ``sysctl machdep.cpu.brand_string`` on macOS, and falls back to
    :func:`platform.processor`, then to the architecture (:func:`platform.machine`).

    Parameters
    ----------
    cpuinfo : str | pathlib.Path
        The Linux CPU description to read (a parameter for tests).

    Returns
    -------
    name : str
        The model, else the architecture (``"x86_64"``), else ``"unknown CPU"``.
    """
    name = ""
    if sys.platform.startswith("linux"):
        name = _cpuinfo_model(Path(cpuinfo))
    elif sys.platform == "darwin":
        try:
            done = subprocess.run(
                ["sysctl", "-n", "machdep.cpu.brand_string"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
            name = done.stdout.strip() if done.returncode == 0 else ""
        except (OSError, subprocess.SubprocessError):
            name = ""
    return " ".join((name or platform.processor() or platform.machine()).split()) or "unknown CPU"


def cpu_flags(cpuinfo: str | Path = "/proc/cpuinfo", wanted=SIMD_FLAGS) -> tuple[str, ...]:
    """The flags of ``wanted`` that the CPU has (Linux ``/proc/cpuinfo``; ``()`` elsewhere).

    Parameters
    ----------
    cpuinfo : str | pathlib.Path
        The Linux CPU description to read (a parameter for tests).
    wanted : sequence of str
        The flags to look for.

    Returns
    -------
    flags : tuple of str
        In the order of ``wanted``.
    """
    try:
        text = Path(cpuinfo).read_text(errors="replace")
    except OSError:
        return ()
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() in ("flags", "features"):  # x86, ARM
            have = set(value.split())
            return tuple(flag for flag in wanted if flag in have)
    return ()


def _size_bytes(text: str) -> int:
    """``"1024K"``, ``"32M"`` or ``"49152"`` (sysfs cache sizes) in bytes; 0 if unreadable."""
    text = text.strip().upper()
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    digits = text[:-1] if text[-1:] in "KMG" else text
    return int(digits) * scale if digits.isdigit() else 0


def cpu_cache_size(level: int = 2, root: str | Path = "/sys/devices/system/cpu/cpu0/cache") -> int:
    """Bytes of one core's share of its data cache of ``level`` (0 where the system does not say).

    Read from Linux's ``/sys/devices/system/cpu/cpu0/cache/index*/`` (the data or unified
    cache of that level, divided among the CPUs of its ``shared_cpu_list``), from ``sysctl
    hw.l<level>cachesize`` on macOS (divided by ``hw.perflevel0.cpusperl<level>`` where
    the system says how many cores share it); 0 elsewhere.

    Parameters
    ----------
    level : int
        Cache level: 1, 2 or 3.
    root : str | pathlib.Path
        The Linux cache description to read (a parameter for tests).

    Returns
    -------
    size : int
        Bytes; 0 when unknown.
    """
    if sys.platform.startswith("linux"):
        for index in sorted(Path(root).glob("index*")):
            try:
                if int((index / "level").read_text()) != level:
                    continue
                if (index / "type").read_text().strip() not in ("Data", "Unified"):
                    continue
                size = _size_bytes((index / "size").read_text())
                try:  # a cache shared by a cluster of cores: one core's share
                    sharing = _count_cpus((index / "shared_cpu_list").read_text())
                except OSError:
                    sharing = 1
                return size // max(1, sharing)
            except (OSError, ValueError):
                continue
        return 0
    if sys.platform == "darwin":
        size = _sysctl_int(f"hw.l{level}cachesize")
        return size // max(1, _sysctl_int(f"hw.perflevel0.cpusperl{level}"))
    return 0


def _count_cpus(cpu_list: str) -> int:
    """Number of CPUs in a Linux CPU list such as ``"0-3,8-11"`` (0 if unreadable)."""
    count = 0
    for part in cpu_list.strip().split(","):
        first, _, last = part.partition("-")
        if first.isdigit() and (not last or last.isdigit()):
            count += int(last or first) - int(first) + 1
    return count


def _sysctl_int(name: str) -> int:
    """An integer of macOS's ``sysctl`` (0 where it has none)."""
    try:
        done = subprocess.run(
            ["sysctl", "-n", name], capture_output=True, text=True, timeout=5, check=False
        )
        return int(done.stdout.strip()) if done.returncode == 0 else 0
    except (OSError, subprocess.SubprocessError, ValueError):
        return 0

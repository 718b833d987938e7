"""The machine a measurement ran on, in words: benchmarks, model cards and run logs quote it."""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_machine(python: bool = False, versions: Iterable[str] = (), extra: Iterable[str] = ()) -> str:
    """CPU model and core count, then (when asked) Python's version, the installed versions of the
    distributions named in ``versions`` and any other facts in ``extra``, joined by commas; e.g.
    ``AMD EPYC 7B13, 2 cores, Python 3.11.9, onnxruntime 1.20.1``. A timing means little without them."""
    parts = [f"{cpu_model()}, {os.cpu_count()} cores"]
    if python:
        parts.append(f"Python {platform.python_version()}")
    parts += [f"{name} {_version(name)}" for name in versions]
    parts += list(extra)
    return ", ".join(parts)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "(not installed)"

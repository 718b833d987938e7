"""The machine a measurement ran on, in words: benchmarks, model cards and run logs quote it."""

from __future__ import annotations

import os
import platform
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


def cpu_summary() -> str:
    """CPU model and core count, e.g. ``AMD EPYC, 2 cores``."""
    return f"{cpu_model()}, {os.cpu_count()} cores"

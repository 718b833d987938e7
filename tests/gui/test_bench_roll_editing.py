"""benchmarks/roll_editing.py runs and reports every time (the numbers themselves are in docs/benchmarks.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_roll_editing_benchmark_reports_five_times_per_size():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "roll_editing.py"), "--notes", "40", "80",
                           "--repeats", "1"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line.split() for line in done.stdout.splitlines() if line.split() and line.split()[0].isdigit()]
    assert [row[0] for row in rows] == ["40", "80"]
    assert all(len(row) == 6 and all(cell.endswith("ms") for cell in row[1:]) for row in rows)

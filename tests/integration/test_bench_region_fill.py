"""Smoke run of benchmarks/region_fill.py with the shipped folk model: one repeat, a few candidates.

The full run is a benchmark (docs/benchmarks.md, "Regions"); this checks the plumbing: the
12-bar piece is made, the three ways are timed and the table row is printed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import region_fill  # noqa: E402


def test_the_region_fill_benchmark_times_the_three_ways(capsys):
    assert region_fill.main(["--repeats", "1", "--candidates", "4", "--model", "folk"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| folk | melody |")]
    assert len(rows) == 1, out
    cells = [cell.strip() for cell in rows[0].split("|")[3:-1]]
    assert all(re.fullmatch(r"\d+ \(\d+\)", cell) for cell in cells[:3]) and cells[3] in ("yes", "no")
    assert "candidates 4" in out

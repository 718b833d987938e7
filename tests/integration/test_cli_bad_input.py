"""Every bad input to `rnnmusic info` gives exit status 1 and one line on stderr naming the file, never a traceback.

Checked twice: in a real subprocess (`python -m rnnmusic`, as a user runs it) and
in-process through rnnmusic.cli.main.main, which the GUI and tests call.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rnnmusic.cli.main import main

DATA = Path(__file__).resolve().parents[1] / "data"
BROKEN = sorted((DATA / "broken").iterdir())


def bad_inputs(tmp: Path) -> list[Path]:
    (tmp / "folder.mid").mkdir(exist_ok=True)
    return BROKEN + [tmp / "folder.mid", tmp / "missing.mid"]


def check_one_line(stderr: str, path: Path) -> None:
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{stderr}"
    assert str(path) in lines[0]
    assert lines[0].startswith("rnnmusic info: error: ")
    assert "Traceback" not in stderr


def test_bad_files_in_a_subprocess(tmp_path):
    for path in bad_inputs(tmp_path):
        result = subprocess.run(
            [sys.executable, "-m", "rnnmusic", "info", str(path)], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 1, f"{path.name}: exit {result.returncode}\n{result.stderr}"
        check_one_line(result.stderr, path)
        assert result.stdout == ""


@pytest.mark.parametrize("encoding", [None, "melody"])
def test_bad_files_in_process(tmp_path, capsys, encoding):
    for path in bad_inputs(tmp_path):
        argv = ["info", str(path)] + (["--encoding", encoding] if encoding else [])
        assert main(argv) == 1, path.name
        captured = capsys.readouterr()
        check_one_line(captured.err, path)
        assert captured.out == ""

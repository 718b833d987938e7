"""A long session with the real app survives: run in a child pytest so a native abort fails this test.

The session itself is tests/gui/app_soak.py (a large piano file, ten takes over three
models, play, close). A binding that corrupts reference counts does not raise: Python
aborts ("Fatal Python error: none_dealloc"), which in this process would end the test
run. In a child it is an exit code and a message on stderr to check.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SESSION = Path(__file__).with_name("app_soak.py")


@pytest.mark.slow
def test_a_long_session_with_a_large_piano_file_neither_aborts_nor_fails(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    # --capture=sys leaves the child's stderr file descriptor alone, so a fatal error's message reaches us
    command = [sys.executable, "-m", "pytest", str(SESSION), "-q", "-p", "no:cacheprovider", "--capture=sys",
               f"--basetemp={tmp_path / 'session'}"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    report = f"exit code {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "Fatal Python error" not in done.stderr, report
    assert done.returncode == 0, report
    assert "1 passed" in done.stdout, report

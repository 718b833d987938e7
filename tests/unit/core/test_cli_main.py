"""The command-line shell: exit codes and help, independent of any one subcommand."""

from __future__ import annotations

import subprocess
import sys

from rnnmusic.cli.main import COMMANDS, main


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_unknown_option_is_a_usage_error():
    proc = subprocess.run([sys.executable, "-m", "rnnmusic", "--no-such-option"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_every_registered_command_has_help():
    for name in COMMANDS:
        proc = subprocess.run([sys.executable, "-m", "rnnmusic", name, "--help"], capture_output=True, text=True)
        assert proc.returncode == 0, (name, proc.stderr)
        assert "usage: rnnmusic" in proc.stdout


def test_version(capsys):
    import pytest

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert "rnnmusic" in capsys.readouterr().out

"""The one machine description every benchmark, card and run log quotes."""

from __future__ import annotations

import os
import platform

from rnnmusic import sysinfo


def test_describes_cpu_and_cores_then_what_was_asked(monkeypatch):
    monkeypatch.setattr(sysinfo, "cpu_model", lambda: "Test CPU 9000")
    text = sysinfo.describe_machine(python=True, versions=("numpy", "no-such-distribution-x"), extra=["load 1.0"])
    import numpy

    assert text == (f"Test CPU 9000, {os.cpu_count()} cores, Python {platform.python_version()}, "
                    f"numpy {numpy.__version__}, no-such-distribution-x (not installed), load 1.0")


def test_plain_description_is_cpu_and_cores(monkeypatch):
    monkeypatch.setattr(sysinfo, "cpu_model", lambda: "Test CPU")
    assert sysinfo.describe_machine() == f"Test CPU, {os.cpu_count()} cores"

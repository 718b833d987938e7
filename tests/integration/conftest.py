"""Fixtures for the integration tests: a private JACK server (live engine) and a small real model.

The JACK server is started here, not by CI: session-scoped, dummy driver at 48 kHz
with 64-frame periods, under a unique name, stopped and waited for at the end.
A missing jackd skips locally and fails in CI (support.require).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support import require

sys.path.insert(0, str(Path(__file__).parent))
from jack_server import JackServer, jackd_available  # noqa: E402


@pytest.fixture(scope="session")
def jack():
    """A running JACK server; os.environ points JACK clients of this process at it while it runs."""
    require(jackd_available(), "jackd and jack_lsp (package jackd2)")
    try:
        import rtmidi
    except ImportError:
        rtmidi = None
    require(rtmidi is not None and rtmidi.API_UNIX_JACK in rtmidi.get_compiled_api(), "python-rtmidi with JACK")
    server = JackServer(rate=48000, period=64).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def live_model(tmp_path_factory) -> Path:
    """A small untrained melody LSTM exported to ONNX: real inference, quick to make."""
    try:
        import torch  # noqa: F401
    except ImportError:
        torch = None
    require(torch is not None, "torch (the train extra) to make a test model")
    from model_factory import make_model

    return make_model(tmp_path_factory.mktemp("live") / "live_small.onnx", "melody", hidden=32)

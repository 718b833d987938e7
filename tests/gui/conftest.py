"""Fixtures for the GUI tests: real widgets offscreen, real MIDI files, real (tiny, untrained) ONNX models.

Dialogs that would block (message boxes, file pickers) are replaced by recorders:
that is the only thing faked in the window tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gui_support import Dialogs, FakeLister, FakeOpener, melody  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402
from support import require  # noqa: E402

from rnnmusic.midi.write import write_midi  # noqa: E402
from rnnmusic.notes import Track  # noqa: E402


@pytest.fixture
def seed_file(tmp_path: Path) -> Path:
    return write_midi(melody(), tmp_path / "seed.mid")


@pytest.fixture
def two_track_file(tmp_path: Path) -> Path:
    lead = melody(track=0, low=72)
    bass = melody(track=1, low=36)
    both = lead.with_notes(list(lead.iter_notes()) + [n for n in bass.iter_notes()][:5]).evolve(
        tracks=(Track("Lead", 0, False), Track("Bass", 32, False))
    )
    return write_midi(both, tmp_path / "two_tracks.mid")


@pytest.fixture
def broken_file(tmp_path: Path) -> Path:
    path = tmp_path / "broken.mid"
    path.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\xff\xff\xff\xffgarbage")
    return path


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def tiny_model(model_dir: Path) -> Path:
    """A real rnnmusic .onnx file (melody encoding, LSTM 1x32, random weights), made once per run."""
    try:
        import torch  # noqa: F401
    except ImportError:
        torch = None
    require(torch is not None, "torch (to make test models)")
    from model_factory import make_model

    return make_model(model_dir / "tiny.onnx", hidden=32, name="tiny", metrics={"valid_nll": 1.234})


@pytest.fixture(scope="session")
def second_model(model_dir: Path, tiny_model: Path) -> Path:
    from model_factory import make_model

    path = make_model(model_dir / "other.onnx", cell="gru", hidden=16, seed=1, name="other")
    path.with_suffix(".md").write_text("# other\n\nA second test model, **GRU**.\n")
    return path


@pytest.fixture
def roll(qtbot):
    """A piano roll on its own, 800 x 400 px, shown."""
    from rnnmusic.gui.pianoroll_view import PianoRoll

    widget = PianoRoll()
    qtbot.addWidget(widget)
    widget.resize(800, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def settings(tmp_path: Path):
    from rnnmusic.gui.settings import Settings

    return Settings(tmp_path / "settings.ini")


@pytest.fixture
def dialogs(monkeypatch) -> Dialogs:
    recorder = Dialogs()
    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(recorder.record))
    return recorder


@pytest.fixture
def ports():
    from rnnmusic.gui.ports import MidiPorts

    return MidiPorts(lister=FakeLister())


@pytest.fixture
def window(qtbot, settings, ports, dialogs, tiny_model, monkeypatch):
    """The real main window with the real engine, the tiny model added and chosen."""
    monkeypatch.setenv("RNNMUSIC_MODELS", str(tiny_model.parent / "no-user-models"))
    from rnnmusic.gui.app import create_window

    opener = FakeOpener()
    win = create_window(settings, ports=ports, audio_factory=None, open_output=opener)
    win.opened_ports = opener.opened  # what Play sent, for the tests to read
    qtbot.addWidget(win)
    win.show()
    assert win.models.add_file(tiny_model)
    yield win
    win.player.stop()
    win.runner.cancel()
    win.runner.wait(10_000)

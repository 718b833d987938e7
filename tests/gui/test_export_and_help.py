"""File > Export Take as WAV (real FluidSynth), and the Edit and Help menus of the real window."""

from __future__ import annotations

import shutil
import wave

import numpy as np
from PySide6.QtWidgets import QFileDialog, QMessageBox
from support import require
from test_main_window import generate

from rnnmusic import __version__


def menu_titles(window) -> list[str]:
    return [a.text() for a in window.menuBar().actions()]


def test_the_menus_end_with_help_and_edit_holds_undo_and_the_note_edits(window):
    assert menu_titles(window)[:3] == ["&File", "&Edit", "&Generate"] and menu_titles(window)[-2:] == ["&View", "&Help"]
    edit = window.menuBar().actions()[1].menu()
    texts = [a.text() for a in edit.actions() if not a.isSeparator()]
    assert texts[:2] == ["&Undo", "&Redo"]
    assert {"Select &All Notes", "&Delete Notes", "&Louder", "&Softer", "Set &Velocity…", "D&raw Notes"} <= set(texts)


def test_export_a_take_as_wav_through_fluidsynth(qtbot, window, seed_file, tmp_path, monkeypatch):
    require(shutil.which("fluidsynth") is not None, "fluidsynth")
    from rnnmusic.audio import AudioUnavailable, check_audio

    try:
        check_audio()
    except AudioUnavailable:
        require(False, "a General MIDI SoundFont")
    window.open_file(seed_file)
    generate(qtbot, window, bars=2)
    take = window.current_take()
    (tmp_path / "out").mkdir()
    asked = []

    def save_name(parent, title, suggested, filters):
        asked.append(suggested)
        return str(tmp_path / "out" / "take"), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    with qtbot.waitSignal(window.exporter.done, timeout=60_000):
        window.export_wav_action.trigger()
    assert asked and asked[0].endswith("seed-take1.wav")
    path = tmp_path / "out" / "take.wav"
    with wave.open(str(path)) as audio:
        assert audio.getframerate() == 44100 and audio.getnchannels() == 2 and audio.getsampwidth() == 2
        seconds = audio.getnframes() / audio.getframerate()
        samples = np.frombuffer(audio.readframes(audio.getnframes()), dtype=np.int16)
    length = take.sequence.total_time
    assert length <= seconds <= length + 5.0  # the take, then the last notes dying away
    frames = samples.reshape(-1, 2).astype(np.float64)
    playing = frames[: int(length * 44100)]
    assert np.abs(playing).max() > 1000  # notes, not silence
    assert np.sqrt((playing ** 2).mean()) > 10 * np.sqrt((frames[-4410:] ** 2).mean())  # and quiet once it ends
    assert "Exported" in window.statusBar().currentMessage()
    assert [p.name for p in path.parent.iterdir()] == ["take.wav"]  # no temporary file left beside it


def test_exporting_into_a_missing_folder_is_one_clear_message(qtbot, window, seed_file, tmp_path, dialogs):
    require(shutil.which("fluidsynth") is not None, "fluidsynth")
    window.open_file(seed_file)
    generate(qtbot, window, bars=1)
    target = tmp_path / "nowhere" / "take.wav"
    with qtbot.waitSignal(window.exporter.done, timeout=60_000):
        assert window.export_wav(window.current_take(), target)
    assert dialogs.titles == ["Cannot export"]
    assert str(target) in dialogs.shown[0][1] and "does not exist" in dialogs.shown[0][1]
    assert not target.parent.exists()


def test_export_needs_a_take(window, seed_file):
    window.open_file(seed_file)
    assert not window.export_wav_action.isEnabled()


def test_help_lists_the_shortcuts_and_mouse_gestures(window):
    dialog = window.shortcut_dialog()
    rows = dict(dialog.rows())
    assert rows["Undo"] == "Ctrl+Z" and rows["Generate"] == "Ctrl+G" and rows["Play"] == "Space"
    assert rows["Fit"] == "Ctrl+0" and rows["Loop Selected Bars"] == "Ctrl+L" and rows["Draw Notes"] == "D"
    assert "Drag across the bar numbers" in rows["Select bars"]
    assert "right end" in rows["Lengthen or shorten the selection"]
    dialog.close()


def test_help_says_where_the_docs_are_and_about_names_the_version(window, dialogs, monkeypatch):
    window.docs_action.trigger()
    assert dialogs.titles == ["rnnmusic documentation"]
    assert "README.md" in dialogs.shown[0][1] and "--help" in dialogs.shown[0][1]
    about = []
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda parent, title, text: about.append((title, text))))
    window.about_action.trigger()
    assert about and about[0][0] == "About rnnmusic" and __version__ in about[0][1]

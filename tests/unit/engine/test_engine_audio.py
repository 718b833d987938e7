"""Audio preview with FluidSynth and a General MIDI SoundFont, and the messages when either is missing."""

from __future__ import annotations

import shutil
import wave

import pytest
from model_factory import melody_seed
from support import require

from rnnmusic.atomic import atomic_output
from rnnmusic.audio import AudioUnavailable, check_audio, find_soundfont, render_wav_to
from rnnmusic.errors import RnnmusicError
from rnnmusic.midi.write import write_midi


def test_render_a_wav(tmp_path):
    require(shutil.which("fluidsynth") is not None, "fluidsynth")
    try:
        find_soundfont()
    except AudioUnavailable:
        require(False, "a General MIDI SoundFont (timgm6mb-soundfont)")
    midi = write_midi(melody_seed(), tmp_path / "tune.mid")
    out = tmp_path / "tune.wav"
    render_wav_to(*check_audio(), midi, out)
    with wave.open(str(out)) as wav:
        assert wav.getframerate() == 44100 and wav.getnchannels() == 2
        assert wav.getnframes() / 44100 >= 3.6  # the tune lasts 3.6 s
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tune.mid", "tune.wav"]


def test_missing_fluidsynth_is_said_plainly(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(AudioUnavailable, match="needs FluidSynth, which is not installed.*apt install fluidsynth"):
        check_audio()


def test_a_soundfont_that_is_not_there(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNMUSIC_SOUNDFONT", str(tmp_path / "none.sf2"))
    with pytest.raises(AudioUnavailable, match="none.sf2: no such SoundFont"):
        find_soundfont()


def test_a_file_that_is_no_soundfont_is_refused_before_any_work(monkeypatch, tmp_path):
    (tmp_path / "text.sf2").write_text("hello")
    monkeypatch.setenv("RNNMUSIC_SOUNDFONT", str(tmp_path / "text.sf2"))
    with pytest.raises(AudioUnavailable, match="text.sf2: not a SoundFont"):
        find_soundfont()


def test_a_broken_soundfont_fails_without_leaving_a_file(monkeypatch, tmp_path):
    require(shutil.which("fluidsynth") is not None, "fluidsynth")
    broken = tmp_path / "broken.sf2"
    broken.write_bytes(b"RIFF" + (100).to_bytes(4, "little") + b"sfbk" + b"LIST" + b"\xff" * 92)
    monkeypatch.setenv("RNNMUSIC_SOUNDFONT", str(broken))
    midi = write_midi(melody_seed(), tmp_path / "tune.mid")
    with pytest.raises(RnnmusicError, match="out.wav: FluidSynth could not render"):
        with atomic_output(tmp_path / "out.wav") as tmp:  # as `rnnmusic generate --audio` writes it
            render_wav_to(*check_audio(), midi, tmp, name=str(tmp_path / "out.wav"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.sf2", "tune.mid"]

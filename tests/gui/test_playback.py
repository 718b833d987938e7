"""Play/Stop: every note reaches the MIDI port on the live engine's sender, the playhead moves, stop ends notes.

The port is the live engine's list-backed fake (same public methods as a real
port); the audio preview runs the real FluidSynth into a real JACK server.
"""

from __future__ import annotations

import shutil

import pytest
from gui_support import FakeOpener, melody
from support import require

from rnnmusic.gui.playback import AUDIO_TARGET, Player, midi_schedule
from rnnmusic.live.messages import is_note_off, is_note_on


def test_the_schedule_is_the_saved_file_in_seconds():
    seq = melody(bars=1, qpm=120)
    schedule = midi_schedule(seq)
    ons = [(t, m) for t, m, _ in schedule if is_note_on(m)]
    assert [m[1] for _, m in ons] == [n.pitch for n in seq.iter_notes()]
    assert [t for t, _ in ons] == pytest.approx([n.start for n in seq.iter_notes()], abs=1e-3)
    assert any(m[0] & 0xF0 == 0xC0 for _, m, _ in schedule)  # the program change comes along


def test_play_sends_every_note_and_moves_the_playhead(qtbot):
    ports = FakeOpener()
    player = Player(open_output=ports)
    positions: list[float] = []
    player.position.connect(positions.append)
    seq = melody(bars=1, qpm=240)  # one second of music
    with qtbot.waitSignal(player.playing_changed) as started:
        assert player.play(seq, "Synth A")
    assert started.args == [True]
    with qtbot.waitSignal(player.playing_changed, timeout=10_000) as stopped:
        pass  # it stops by itself after the last note
    assert stopped.args == [False]
    port = ports.opened[0]
    assert port.name == "Synth A" and port.closed
    pitches = [m[1] for m in port.messages() if is_note_on(m)]
    assert pitches == [n.pitch for n in seq.iter_notes()]
    assert sum(is_note_off(m) for m in port.messages()) >= len(seq)
    assert len(positions) >= 3 and positions == sorted(positions)
    assert 0.0 <= positions[0] < positions[-1] <= seq.total_time + 0.5


def test_stop_ends_the_sounding_notes_at_once(qtbot):
    ports = FakeOpener()
    player = Player(open_output=ports)
    long_note = melody(bars=8, qpm=30)  # 16 s of music
    player.play(long_note, "Synth A")
    port = ports.opened[0]
    qtbot.waitUntil(lambda: any(is_note_on(m) for m in port.messages()), timeout=10_000)
    player.stop()
    assert not player.playing and port.closed
    ons = sum(is_note_on(m) for m in port.messages())
    offs = sum(is_note_off(m) for m in port.messages())
    assert offs >= ons  # nothing left hanging


def test_a_missing_port_is_reported_not_raised(qtbot):
    player = Player(open_output=FakeOpener(refuse=True))
    with qtbot.waitSignal(player.failed) as failed:
        assert not player.play(melody(), "Synth A")
    assert "no MIDI output port matches" in failed.args[0]
    assert not player.playing


def test_no_port_chosen_is_reported(qtbot):
    player = Player(open_output=FakeOpener())
    with qtbot.waitSignal(player.failed) as failed:
        player.play(melody(), "")
    assert "choose a MIDI output port" in failed.args[0]


def test_audio_without_fluidsynth_is_reported(qtbot):
    player = Player(open_output=FakeOpener(), audio_factory=None)
    assert not player.audio_available
    with qtbot.waitSignal(player.failed) as failed:
        player.play(melody(), AUDIO_TARGET)
    assert "FluidSynth" in failed.args[0]


@pytest.mark.jack
def test_audio_preview_plays_through_fluidsynth(qtbot, monkeypatch):
    from integration.jack_server import JackServer, jackd_available

    require(shutil.which("fluidsynth") is not None, "fluidsynth")
    require(jackd_available(), "jackd (JACK server)")
    from rnnmusic.gui.audio_preview import DRIVER_ENV, audio_player_factory

    monkeypatch.setenv(DRIVER_ENV, "jack")  # no sound card here: FluidSynth plays into JACK's dummy driver
    factory = audio_player_factory()
    require(factory is not None, "a General MIDI SoundFont")
    made = []
    player = Player(audio_factory=lambda: made.append(factory()) or made[-1])
    failures: list[str] = []
    player.failed.connect(failures.append)
    with JackServer() as jack:
        assert player.play(melody(bars=8, qpm=60), AUDIO_TARGET)
        fluid = made[0]
        assert fluid.running
        # FluidSynth registers with JACK once it runs: proof that it is really playing audio
        qtbot.waitUntil(lambda: any("fluidsynth" in p.lower() for p in jack.ports()), timeout=20_000)
        assert failures == [] and player.playing
        player.stop()
        assert not fluid.running and not player.playing
    assert failures == []


def test_fluidsynth_failing_is_reported(qtbot, tmp_path, monkeypatch):
    require(shutil.which("fluidsynth") is not None, "fluidsynth")
    from rnnmusic.gui.audio_preview import FluidSynthPlayer

    # a driver that does not exist: FluidSynth exits with its own complaint
    fluidsynth = shutil.which("fluidsynth")
    player = Player(audio_factory=lambda: FluidSynthPlayer(fluidsynth, tmp_path / "none.sf2", "nodriver"))
    with qtbot.waitSignal(player.failed, timeout=20_000) as failed:
        player.play(melody(), AUDIO_TARGET)
    assert failed.args[0].startswith("FluidSynth stopped")
    assert not player.playing

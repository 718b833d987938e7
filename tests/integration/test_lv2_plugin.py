"""The LV2 plugin end to end: built with `make plugin`, described to lv2info, hosted by jalv under
JACK, fed by `rnnmusic serve`, and heard by an independent receiver (the probe) that checks each
onset against the host's beat grid, in frames, and that no note is left sounding.

The JACK server runs in synchronous mode (-S) so MIDI reaches the receiver in the period it was
written in (see JackServer); the timebase master is the probe's own (exact BBT), jack_transport
plays, stops and locates. Tolerances: onsets within 1 frame of the grid (the plugin rounds to the
nearest frame); note-offs at a stop or jump in the same period; after the engine is killed every
note ended within a few periods of the moment the test killed it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import require

sys.path.insert(0, str(Path(__file__).parent))
import shutil  # noqa: E402

from jack_server import JackServer, jackd_available  # noqa: E402
from lv2_rig import LV2_PATH, URI, Rig, build_plugin, grid_errors_frames, sounding_at_end  # noqa: E402


@pytest.fixture(scope="module")
def plugin_built():
    require(shutil.which("gcc") is not None and shutil.which("make") is not None, "gcc and make")
    require(Path("/usr/include/lv2/core/lv2.h").exists(), "the LV2 headers (package lv2-dev)")
    require(Path("/usr/include/jack/jack.h").exists(), "JACK's headers (package libjack-jackd2-dev)")
    build_plugin()
    return LV2_PATH


@pytest.fixture(scope="module")
def jack_sync(plugin_built):
    require(jackd_available(), "jackd and jack_lsp (package jackd2)")
    require(shutil.which("jalv") is not None, "jalv (package jalv)")
    require(shutil.which("jack_transport") is not None, "jack_transport (package jackd2)")
    server = JackServer(rate=48000, period=64, sync=True).start()
    try:
        yield server
    finally:
        server.stop()


def _on_grid(rig: Rig, events, min_onsets: int) -> None:
    errors = grid_errors_frames(events, rig.rate)
    assert len(errors) >= min_onsets, f"only {len(errors)} note-ons arrived"
    worst = max(abs(e) for e in errors)
    assert worst <= 1.0, (f"an onset {worst:.2f} frames off the host's 16th-note grid: "
                          f"{sorted(errors)[:3]} .. {sorted(errors)[-3:]}")


def _no_hung_notes(events) -> None:
    hung = sounding_at_end(events)
    assert not hung, f"left sounding: {hung}"


def _stops(probe) -> list[int]:
    """Frames of the cycles where the receiver first saw the transport stopped."""
    frames, rolling = [], False
    for line in probe.lines:
        if line.startswith("xport "):
            parts = line.split()
            now = parts[4] == "1"
            if rolling and not now:
                frames.append(int(parts[1]))
            rolling = now
    return frames


def test_lv2info_describes_the_plugin(plugin_built):
    require(shutil.which("lv2info") is not None, "lv2info (package lilv-utils)")
    out = subprocess.run(["lv2info", URI], env={"LV2_PATH": str(plugin_built), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for symbol in ("control", "midi_out", "model", "temperature", "key", "repetition", "mute", "regenerate"):
        assert f"Symbol:      {symbol}" in text, f"no port {symbol} in lv2info's description"
    assert "http://lv2plug.in/ns/ext/urid#map" in text
    assert "hardRTCapable" in text
    assert "Designation: http://lv2plug.in/ns/lv2core#control" in text  # where the host sends time:Position


@pytest.mark.parametrize("bpm", [90.0, 150.0, 174.0])
def test_onsets_on_the_host_grid_at_several_tempos(jack_sync, live_model, bpm):
    with Rig(jack_sync, live_model, bpm=bpm) as rig:
        rig.transport("play")
        time.sleep(6.0)
        rig.transport("stop")
        time.sleep(0.5)
        events = rig.probes[0].events()
    assert all(e.rolling for e in events if e.is_on), "a note started while the transport was stopped"
    _on_grid(rig, events, min_onsets=6)
    _no_hung_notes(events)


def test_tempo_change_stop_start_and_relocation(jack_sync, live_model):
    with Rig(jack_sync, live_model, bpm=120.0) as rig:
        probe = rig.probes[0]
        rig.transport("play")
        time.sleep(4.0)
        rig.tempo(160.0)  # the beat runs on at the new tempo; notes already queued (in beats) follow it
        time.sleep(4.0)
        rig.transport("stop")
        time.sleep(1.0)
        stopped_events = len(probe.events())
        rig.transport("play")  # from where it stopped
        time.sleep(4.0)
        jump_mark = probe.mark()
        rig.transport(f"locate {rig.rate * 30}")  # a relocation while playing
        time.sleep(4.0)
        rig.transport("stop")
        time.sleep(0.5)
        events = probe.events()
    assert {round(e.bpm) for e in events if e.is_on} >= {120, 160}, "no notes at one of the tempos"
    assert all(e.rolling for e in events if e.is_on), "a note started while the transport was stopped"
    _on_grid(rig, events, min_onsets=20)
    _no_hung_notes(events)
    # at each stop every sounding note ends in the very period the host stopped in
    for stop in _stops(probe):
        before = [e for e in events if e.frame < stop]
        after = [e for e in events if stop <= e.frame < stop + rig.jack.period]
        still = sounding_at_end(before)
        ended = {(e.data[0] & 15, e.data[1]) for e in after if e.is_off}
        assert set(still) <= ended, f"at the stop (frame {stop}) {set(still) - ended} kept sounding"
    assert len(probe.events()) >= stopped_events
    # the relocation: notes went on after it, on the new position's grid (checked above), none hung
    late = [e for e in events if e.frame > jump_mark and e.is_on and e.beat > 30 * 2]  # 30 s at 120 BPM = beat 60
    assert late, "no notes after the relocation"


def test_engine_killed_mid_bar_means_silence_within_a_block(jack_sync, live_model):
    with Rig(jack_sync, live_model, bpm=150.0) as rig:
        probe = rig.probes[0]
        rig.transport("play")
        time.sleep(5.0)
        # wait until a note is sounding, in the middle of a bar, then kill -9 the engine
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not sounding_at_end(probe.events()):
            time.sleep(0.01)
        rig.engine.send_signal(signal.SIGKILL)
        killed_at = probe.mark()
        rig.engine.wait()  # the kernel tears a large process down for a while (tens of ms) before it is dead
        dead_at = probe.mark()
        time.sleep(2.0)
        events = probe.events()
        rig.transport("stop")
    before = [e for e in events if e.frame <= killed_at]
    assert sounding_at_end(before) or any(e.is_on for e in before), "nothing played before the kill"
    after = [e for e in events if e.frame > killed_at]
    # the plugin acts in its first block after the death is visible; the test's mark comes a moment
    # after wait() returns, so a few periods of slack cover the test's own scheduling, not the plugin's
    slack = 4 * rig.jack.period
    assert not [e for e in after if e.is_on and e.frame > dead_at + slack], "notes went on after the engine died"
    _no_hung_notes(events)
    last_off = max((e.frame for e in after if e.is_off), default=killed_at)
    assert last_off <= dead_at + slack, (f"the last note ended {last_off - dead_at} frames after the engine was dead "
                                         f"({last_off - killed_at} after the kill)")


def test_mute_and_regenerate_are_plugin_controls(jack_sync, live_model):
    with Rig(jack_sync, live_model, bpm=150.0) as rig:
        probe = rig.probes[0]
        rig.transport("play")
        time.sleep(4.0)
        rig.set_control("mute", 1)
        time.sleep(0.3)
        muted_at = probe.mark()
        time.sleep(2.5)
        unmuted_at = probe.mark()
        rig.set_control("mute", 0)
        time.sleep(3.0)
        rig.set_control("regenerate", 1)
        time.sleep(3.0)
        rig.transport("stop")
        time.sleep(0.5)
        events = probe.events()
    assert not [e for e in events if e.is_on and muted_at < e.frame < unmuted_at], "notes while muted"
    assert sounding_at_end([e for e in events if e.frame <= muted_at]) == {}, "a note kept sounding through mute"
    assert [e for e in events if e.is_on and e.frame > unmuted_at], "no notes after unmuting"
    _on_grid(rig, events, min_onsets=8)
    _no_hung_notes(events)


def test_several_instances_each_play_their_own_stream(jack_sync, live_model):
    with Rig(jack_sync, live_model, bpm=150.0, instances=2) as rig:
        rig.transport("play")
        time.sleep(6.0)
        rig.transport("stop")
        time.sleep(0.5)
        first, second = rig.probes[0].events(), rig.probes[1].events()
    for events in (first, second):
        _on_grid(rig, events, min_onsets=6)
        _no_hung_notes(events)
    notes = [[(round(e.beat, 3), e.data[1]) for e in ev if e.is_on] for ev in (first, second)]
    assert notes[0] != notes[1], "two instances played the same notes: they share a stream"


def test_settings_saved_with_the_project_are_restored(jack_sync, live_model, tmp_path):
    """A host saves a plugin's controls in its project as LV2 state (lilv's state.ttl); jalv -l loads
    such a state, and the values reach the plugin and, through the bridge, the engine."""
    from rnnmusic.serve.protocol import Segment, find_segments

    state = tmp_path / "state"
    state.mkdir()
    saved = {"model": 0, "temperature": 0.7, "key": 5, "repetition": 0.9, "mute": 0}
    ports = " ,\n".join(f'    [ lv2:symbol "{k}" ; pset:value {v!r} ]' for k, v in saved.items())
    prefixes = ("@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n@prefix pset: <http://lv2plug.in/ns/ext/presets#> .\n"
                "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n")
    (state / "manifest.ttl").write_text(prefixes + f"<state.ttl> a pset:Preset ;\n    lv2:appliesTo <{URI}> ;\n"
                                        "    rdfs:seeAlso <state.ttl> .\n")
    (state / "state.ttl").write_text(prefixes + f"<> a pset:Preset ;\n    lv2:appliesTo <{URI}> ;\n"
                                     f"    lv2:port\n{ports} .\n")
    before = set(find_segments())
    import os

    env = {**os.environ, **jack_sync.env, "LV2_PATH": str(LV2_PATH)}
    host = subprocess.Popen(["stdbuf", "-oL", "jalv", "-n", "statetest", "-l", str(state), URI], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        seen = None
        while time.monotonic() < deadline:
            new = [p for p in find_segments() if p not in before]
            if new:
                seg = Segment.open(new[0])
                pos = seg.position()
                seg.close()
                if pos is not None and pos.key == 5:
                    seen = pos
                    break
            time.sleep(0.05)
    finally:
        host.terminate()
        out = host.communicate(timeout=10)[0]
    assert seen is not None, f"the saved key never reached the plugin's bridge; jalv said: {out[-1500:]}"
    assert (seen.temperature, seen.key, seen.repetition) == (pytest.approx(0.7), 5, pytest.approx(0.9))
    assert "temperature = 0.700000" in out, "jalv did not load the saved temperature"


def test_the_tracks_midi_input_reaches_the_engine(jack_sync, live_model):
    """What the player plays into the track arrives on the plugin's input, goes through the bridge
    with the host beat it came at, and the engine takes it (the next Regenerate continues it)."""
    import struct

    from rnnmusic.serve.protocol import Segment, find_segments

    with Rig(jack_sync, live_model, bpm=150.0) as rig:
        rig.transport("play")
        time.sleep(1.0)
        # played from a child process: a python-rtmidi JACK client in this process shares it with the
        # other tests' leftovers, and a crash there would take the whole test run down
        script = ("import sys, time, mido; sys.path.insert(0, sys.argv[1]); from jack_server import mido_jack; "
                  "out = mido_jack().open_output(sys.argv[2]); "
                  "[(out.send(mido.Message('note_on', note=p, velocity=90)), time.sleep(0.1), "
                  "out.send(mido.Message('note_off', note=p))) for p in (60, 64, 67)]; time.sleep(0.2); out.close()")
        subprocess.run([sys.executable, "-c", script, str(Path(__file__).parent), f"{rig.hosts[0].name}:control"],
                       env=rig.env, check=True, timeout=30, capture_output=True)
        time.sleep(0.5)
        segments = [Segment.open(p) for p in find_segments() if f"-{rig.hosts[0].proc.pid}-" in p.name]
        assert segments, "no segment of this jalv"
        seg = segments[0]
        written, taken = struct.unpack_from("<2I", seg._mem, 152)
        first_beat = struct.unpack_from("<d", seg._mem, 256 + 256 * 32)[0]
        seg.close()
        rig.set_control("regenerate", 1)
        time.sleep(3.0)
        rig.transport("stop")
        time.sleep(0.5)
        events = rig.probes[0].events()
    assert written >= 6, f"the plugin passed on {written} of the 6 input events"
    assert taken == written, "the engine did not take the input"
    assert first_beat > 0, "the input event carries no host beat"
    _on_grid(rig, events, min_onsets=4)
    _no_hung_notes(events)


def test_following_jack_transport_as_timebase_master(jack_sync, live_model):
    """jack_transport's own timebase master, with a tempo change and a stop and start. Its
    bar/beat/tick adds whole ticks each period and so runs behind its own tempo (see docs/plugin.md),
    so the grid checked here is the one the host defines between its position changes: from each
    change of position, tempo or play state that the receiver sees, note-ons a whole number of
    sixteenths apart at that tempo, to the frame."""
    with Rig(jack_sync, live_model, bpm=150.0, master="jack_transport") as rig:
        probe = rig.probes[0]
        rig.transport("play")
        time.sleep(5.0)
        rig.tempo(120.0)
        time.sleep(5.0)
        rig.transport("stop")
        time.sleep(1.0)
        rig.transport("play")
        time.sleep(4.0)
        rig.transport("stop")
        time.sleep(0.5)
        events = probe.events()
        changes = [int(line.split()[1]) for line in probe.lines if line.startswith("xport ")]
    _no_hung_notes(events)
    assert all(e.rolling for e in events if e.is_on), "a note started while the transport was stopped"
    assert {round(e.bpm) for e in events if e.is_on} >= {120, 150}, "no notes at one of the tempos"
    checked = 0
    for start, end in zip(changes, changes[1:] + [2**63]):
        onsets = [e for e in events if e.is_on and start <= e.frame < end]
        for first, later in zip(onsets, onsets[1:]):
            sixteenth = 0.25 * 60.0 / later.bpm * rig.rate
            steps = (later.frame - first.frame) / sixteenth
            assert abs(steps - round(steps)) * sixteenth <= 1.0, (
                f"note-ons {later.frame - first.frame} frames apart at {later.bpm:g} BPM: not whole sixteenths")
            checked += 1
    assert checked >= 10, f"only {checked} onset intervals to check"

"""Our reader finds the notes pretty_midi finds: on every test file and on generated event streams.

Both of our paths are checked: the symusic fast path (read_midi_bytes) and the exact
event-by-event reader it falls back to, so a symusic release that pairs notes
differently shows up here.
"""

from __future__ import annotations

import importlib.util
import io
import warnings

import mido
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from midi_data import readable_files
from support import require

from rnnmusic.midi import read as midi_read
from rnnmusic.midi.chunks import split_chunks
from rnnmusic.midi.parse import read_exact
from rnnmusic.notes import NoteSequence

TOLERANCE = 1e-3  # seconds


def _pretty_midi_notes(data: bytes) -> list[tuple]:
    require(importlib.util.find_spec("pretty_midi") is not None, "pretty_midi")
    import pretty_midi

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pretty_midi warns about meta events off the first track
        pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    return sorted(
        (n.pitch, n.velocity, int(inst.program), bool(inst.is_drum), round(n.start, 6), round(n.end, 6))
        for inst in pm.instruments
        for n in inst.notes
    )


def _our_notes(seq: NoteSequence) -> list[tuple]:
    return sorted(
        (n.pitch, n.velocity, n.program, n.is_drum, round(n.start, 6), round(n.end, 6)) for n in seq.iter_notes()
    )


def _exact(data: bytes) -> NoteSequence:
    chunks = split_chunks(data, "<test>")
    return midi_read._to_sequence(read_exact(chunks.tracks, chunks.ticks_per_quarter, "<test>"), "<test>")


def assert_same_notes(ours: list[tuple], theirs: list[tuple]) -> None:
    assert len(ours) == len(theirs), f"{len(ours)} notes, pretty_midi finds {len(theirs)}"
    # rows are sorted by their fields with start and end last: equal lists pair up row by row
    for a, b in zip(ours, theirs):
        assert a[:-2] == b[:-2], f"{a} vs pretty_midi {b}"
        assert abs(a[-2] - b[-2]) <= TOLERANCE and abs(a[-1] - b[-1]) <= TOLERANCE, f"{a} vs pretty_midi {b}"


@pytest.mark.parametrize("path", readable_files(), ids=lambda p: p.name)
def test_every_test_file_reads_like_pretty_midi(path):
    data = path.read_bytes()
    theirs = _pretty_midi_notes(data)
    assert theirs, "a test file without notes cannot test anything"
    assert_same_notes(_our_notes(midi_read.read_midi(path)), theirs)
    assert_same_notes(_our_notes(_exact(data)), theirs)


@pytest.mark.parametrize("path", readable_files(), ids=lambda p: p.name)
def test_fast_and_exact_paths_agree_on_everything(path):
    fast, exact = midi_read.read_midi(path), _exact(path.read_bytes())
    assert fast.same_music(exact, tolerance=1e-9)
    assert np.array_equal(fast.notes["track"], exact.notes["track"])
    assert fast.tracks == exact.tracks
    assert fast.control_changes == exact.control_changes
    assert fast.tempos == exact.tempos and fast.time_signatures == exact.time_signatures
    assert fast.key_signatures == exact.key_signatures


# -- generated event streams: few pitches and ticks, so notes stack, collide and go unpaired

_event = st.tuples(
    st.sampled_from([0, 0, 0, 1, 120, 480]),  # delta ticks
    st.sampled_from(["on", "on", "off", "on0", "program", "pedal"]),
    st.sampled_from([0, 1, 9]),  # channel
    st.sampled_from([60, 61, 62]),  # pitch (or program number / pedal value selector)
    st.integers(1, 127),  # velocity
)


def _stream_file(tracks: list[list[tuple]], programs: bool, close_all: bool = False) -> bytes:
    """A file from generated events; ``close_all`` appends as many note-offs per pitch as it has
    note-ons, at distinct ticks, so no note-on is left unpaired and only stacking tells the readers apart."""
    midi = mido.MidiFile(type=1 if len(tracks) > 1 else 0, ticks_per_beat=480)
    for events in tracks:
        track = mido.MidiTrack()
        if close_all:
            ons = [(e[2], e[3]) for e in events if e[1] == "on"]
            events = events + [(7, "off", channel, pitch, 0) for channel, pitch in ons]
        for delta, kind, channel, pitch, velocity in events:
            if kind == "on":
                message = mido.Message("note_on", note=pitch, velocity=velocity, channel=channel)
            elif kind == "on0":
                message = mido.Message("note_on", note=pitch, velocity=0, channel=channel)
            elif kind == "off":
                message = mido.Message("note_off", note=pitch, velocity=64, channel=channel)
            elif kind == "program" and programs:
                message = mido.Message("program_change", program=pitch - 60, channel=channel)
            else:
                message = mido.Message("control_change", control=64, value=127 * (pitch % 2), channel=channel)
            track.append(message.copy(time=delta))
        midi.tracks.append(track)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_event, max_size=40), min_size=1, max_size=3), st.booleans())
def test_generated_event_streams_read_like_pretty_midi(tracks, close_all):
    # no program changes: inside a held note we differ from pretty_midi by design (tested below)
    data = _stream_file(tracks, programs=False, close_all=close_all)
    theirs = _pretty_midi_notes(data)
    assert_same_notes(_our_notes(midi_read.read_midi_bytes(data, require_notes=False)), theirs)
    assert_same_notes(_our_notes(_exact(data)), theirs)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_event, max_size=40), min_size=1, max_size=2))
def test_program_changes_only_change_which_program_a_held_note_gets(tracks):
    data = _stream_file(tracks, programs=True)
    drop_program = lambda rows: [r[:2] + r[3:] for r in rows]  # noqa: E731
    theirs = drop_program(_pretty_midi_notes(data))
    fast = midi_read.read_midi_bytes(data, require_notes=False)
    assert_same_notes(sorted(drop_program(_our_notes(fast))), sorted(theirs))
    assert_same_notes(sorted(drop_program(_our_notes(_exact(data)))), sorted(theirs))

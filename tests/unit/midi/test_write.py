"""Writing: atomic, and reading back what was written keeps notes, tempos, meters, keys, pedals, programs, drums."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from midi_data import readable_files

from rnnmusic.errors import MidiFileError
from rnnmusic.midi import write as midi_write
from rnnmusic.midi.read import read_midi, read_midi_bytes, read_text_events
from rnnmusic.midi.write import sequence_to_midi_bytes, write_midi
from rnnmusic.notes import (
    ControlChange,
    KeySignature,
    Note,
    NoteSequence,
    TempoChange,
    TimeSignature,
    Track,
    make_notes,
)

MS = 1e-3


def assert_same_notes(seq: NoteSequence, back: NoteSequence) -> None:
    """Same notes within 1 ms, compared per track and pitch (where rounding cannot reorder them)."""
    a, b = (np.sort(s.notes, order=["track", "pitch", "start"]) for s in (seq, back))
    assert len(a) == len(b)
    for name in ("track", "pitch", "velocity", "program", "is_drum"):
        assert np.array_equal(a[name], b[name]), name
    assert np.abs(a["start"] - b["start"]).max(initial=0) <= MS
    assert np.abs(a["end"] - b["end"]).max(initial=0) <= MS


def assert_round_trip(seq: NoteSequence, back: NoteSequence) -> None:
    assert_same_notes(seq, back)
    assert np.allclose([t.qpm for t in back.tempos], [t.qpm for t in seq.tempos], rtol=1e-5)  # whole microseconds
    assert np.allclose([t.time for t in back.tempos], [t.time for t in seq.tempos], atol=MS)
    assert [(m.numerator, m.denominator) for m in back.time_signatures] == [
        (m.numerator, m.denominator) for m in seq.time_signatures
    ]
    assert np.allclose([m.time for m in back.time_signatures], [m.time for m in seq.time_signatures], atol=MS)
    assert [(k.key, k.minor) for k in back.key_signatures] == [(k.key, k.minor) for k in seq.key_signatures]
    assert [(c.number, c.value, c.track) for c in back.control_changes] == [
        (c.number, c.value, c.track) for c in seq.control_changes
    ]
    assert np.allclose([c.time for c in back.control_changes], [c.time for c in seq.control_changes], atol=MS)
    assert [(t.name, t.program, t.is_drum) for t in back.tracks] == [(t.name, t.program, t.is_drum) for t in seq.tracks]


STACKED = ("overlapping.mid", "unpaired.mid")  # MIDI cannot hold these as read: tested below


@pytest.mark.parametrize("name", [p.name for p in readable_files() if p.name not in STACKED])
def test_test_files_survive_a_round_trip(data_dir, tmp_path, name):
    seq = read_midi(data_dir / name)
    assert_round_trip(seq, read_midi(write_midi(seq, tmp_path / name)))


def test_overlapping_notes_of_one_pitch_are_cut_where_the_next_starts(data_dir):
    seq = read_midi(data_dir / "overlapping.mid")  # pitch 60: 0-0.5 and 0.25-0.5; pitch 62: two at 1.0-1.25
    back = read_midi_bytes(sequence_to_midi_bytes(seq))
    assert [(n.start, n.end) for n in back.iter_notes() if n.pitch == 60] == [(0.0, 0.25), (0.25, 0.5)]
    assert [(n.start, n.end, n.velocity) for n in back.iter_notes() if n.pitch == 62] == [(1.0, 1.25, 90)]


def _sequence(qpm: float = 120.0) -> NoteSequence:
    notes = make_notes(
        [
            Note(60, 90, 0.0, 0.4, program=0, track=0),
            Note(64, 70, 0.1234, 0.9876, program=0, track=0),
            Note(36, 100, 0.5, 0.6, program=0, is_drum=True, track=1),
            Note(48, 50, 1.0, 2.3333, program=33, track=2),
        ]
    )
    return NoteSequence(
        notes=notes,
        tempos=(TempoChange(0.0, qpm), TempoChange(1.5, qpm * 1.5)),
        time_signatures=(TimeSignature(0.0, 3, 4), TimeSignature(1.5, 6, 8)),
        key_signatures=(KeySignature(0.0, 2, False), KeySignature(1.5, 11, True)),
        control_changes=(ControlChange(0.05, 64, 127, 0), ControlChange(0.7, 64, 0, 0)),
        tracks=(Track("piano", 0, False), Track("kit", 0, True), Track("bass", 33, False)),
    )


@pytest.mark.parametrize("qpm", [20.0, 60.0, 120.0, 300.0])
def test_round_trip_within_a_millisecond_at_any_tempo(tmp_path, qpm):
    seq = _sequence(qpm)
    assert_round_trip(seq, read_midi(write_midi(seq, tmp_path / "a.mid")))


def test_text_events_are_readable(tmp_path):
    path = write_midi(_sequence(), tmp_path / "take.mid", text_events=["model: test", "seed: 7"])
    assert read_text_events(path) == ["model: test", "seed: 7"]


def test_melodic_parts_never_land_on_the_drum_channel():
    notes = make_notes([Note(40 + i, 80, i * 0.1, i * 0.1 + 0.05, program=i, track=i) for i in range(20)])
    back = read_midi_bytes(sequence_to_midi_bytes(NoteSequence(notes=notes)))
    assert len(back) == 20 and not back.notes["is_drum"].any()
    assert sorted(back.notes["program"].tolist()) == list(range(20))


def test_writing_is_atomic_and_replaces_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "out.mid"
    write_midi(_sequence(), path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(midi_write.os, "replace", broken_replace)
    with pytest.raises(MidiFileError, match="out.mid: cannot be written"):
        write_midi(_sequence(60.0), path)
    assert path.read_bytes() == before  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mid"]  # and no temporary file is left


def test_written_files_get_ordinary_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        path = write_midi(_sequence(), tmp_path / "perm.mid")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(MidiFileError, match="folder .* does not exist"):
        write_midi(_sequence(), tmp_path / "no" / "such" / "out.mid")


_times = st.floats(0.0, 20.0).map(lambda t: round(t, 2))  # tempo changes: closer ones share a tick
_gaps = st.floats(0.0, 2.0).map(lambda t: round(t, 4))
_lengths = st.floats(0.01, 2.0).map(lambda t: round(t, 4))


@st.composite
def sequences(draw):
    """Notes that MIDI can hold as they are: per track, a pitch never sounds twice at once."""
    rows = []
    for track in range(draw(st.integers(1, 3))):
        is_drum = track == 2
        program = 0 if is_drum else draw(st.integers(0, 127))
        for pitch in draw(st.sets(st.integers(21, 108), min_size=1, max_size=4)):
            cursor = 0.0
            for _ in range(draw(st.integers(1, 5))):
                start = cursor + draw(_gaps)
                end = start + draw(_lengths)
                rows.append((pitch, draw(st.integers(1, 127)), start, end, program, is_drum, track))
                cursor = end
    changes = sorted(draw(st.lists(_times, max_size=3, unique=True)))
    tempos = [TempoChange(0.0, draw(st.floats(30.0, 240.0)))]
    tempos += [TempoChange(t, draw(st.floats(30.0, 240.0))) for t in changes if t > 0]
    return NoteSequence(notes=make_notes(rows), tempos=tuple(tempos))


@settings(max_examples=80, deadline=None)
@given(sequences())
def test_any_representable_sequence_survives_a_round_trip(seq):
    back = read_midi_bytes(sequence_to_midi_bytes(seq))
    assert_same_notes(seq, back)
    # a tempo repeating the one in force (in whole microseconds per quarter, as MIDI stores it) is
    # no change: reading drops it, as pretty_midi does
    micros = [round(60e6 / t.qpm) for t in seq.tempos]
    changes = [t for i, t in enumerate(seq.tempos) if i == 0 or micros[i] != micros[i - 1]]
    assert np.allclose([t.qpm for t in back.tempos], [t.qpm for t in changes], rtol=1e-5)
    assert np.allclose([t.time for t in back.tempos], [t.time for t in changes], atol=MS)

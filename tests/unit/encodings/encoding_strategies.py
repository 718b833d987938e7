"""Hypothesis strategies and the encoding configurations the encoding tests run over."""

from __future__ import annotations

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

from rnnmusic.encodings import get_encoding
from rnnmusic.notes import NOTE_DTYPE, KeySignature, NoteSequence, TempoChange, TimeSignature, Track

#: examples per property test: enough to meet every branch, few enough to keep the suite fast
EXAMPLES = settings(max_examples=60, deadline=None)

#: (encoding name, config) pairs every property test runs over
CONFIGS = [
    ("melody", {}),
    ("melody", {"steps_per_quarter": 3}),  # triplet grid
    ("melody", {"min_pitch": 60, "max_pitch": 67, "velocity": 100}),  # narrow range
    ("melody", {"voice": 1, "steps_per_quarter": 12}),
    ("polyphony", {}),
    ("polyphony", {"onsets": False}),
    ("polyphony", {"steps_per_quarter": 3, "min_pitch": 55, "max_pitch": 70}),
    ("performance", {}),
    ("performance", {"num_velocity_bins": 7, "time_shift_ms": 20, "max_shift_steps": 13}),
    ("drums", {}),
    ("drums", {"steps_per_quarter": 3, "velocity": 110}),
]
CONFIG_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in cfg.items()) or 'default'}" for name, cfg in CONFIGS]


def encoding(name: str, config: dict):
    return get_encoding(name, config)


times = st.one_of(
    st.floats(0.0, 12.0, allow_nan=False, allow_infinity=False),
    st.floats(-0.3, 0.0, allow_nan=False),  # before time 0: dropped, or rounded to 0
    st.integers(0, 96).map(lambda k: k * 0.125),  # on the sixteenth grid at 120 qpm
)
durations = st.one_of(
    st.just(0.0),
    st.floats(0.0, 0.08, allow_nan=False),  # around and below one step / one shift
    st.floats(0.05, 3.0, allow_nan=False),
    st.integers(1, 16).map(lambda k: k * 0.125),
)
pitches = st.one_of(st.integers(0, 127), st.sampled_from([36, 38, 42, 60, 62, 64]))


@st.composite
def note_rows(draw, drum_share: float = 0.2):
    start = draw(times)
    is_drum = draw(st.floats(0, 1)) < drum_share
    track = draw(st.integers(0, 3))
    return (
        draw(pitches),
        draw(st.integers(0, 127)),
        start,
        start + draw(durations),
        draw(st.integers(0, 127)),
        is_drum,
        track,
    )


@st.composite
def tempo_maps(draw):
    count = draw(st.integers(1, 4))
    qpms = draw(st.lists(st.floats(40.0, 220.0, allow_nan=False), min_size=count, max_size=count))
    change_times = sorted(set(draw(st.lists(st.floats(0.1, 10.0, allow_nan=False), max_size=count - 1))))
    return (TempoChange(0.0, qpms[0]),) + tuple(TempoChange(t, q) for t, q in zip(change_times, qpms[1:]))


@st.composite
def meters(draw):
    count = draw(st.integers(1, 3))
    result = []
    for i in range(count):
        time = 0.0 if i == 0 else draw(st.floats(0.5, 10.0, allow_nan=False))
        result.append(TimeSignature(time, draw(st.integers(1, 7)), draw(st.sampled_from([2, 4, 8]))))
    return tuple(result)


@st.composite
def note_sequences(draw, max_notes: int = 40, drum_share: float | None = None):
    """Random NoteSequences: notes of every kind (tiny, overlapping, out of range, drums) on random tempo maps."""
    share = draw(st.sampled_from([0.0, 0.2, 0.9])) if drum_share is None else drum_share
    rows = draw(st.lists(note_rows(share), max_size=max_notes))
    tempos = draw(st.one_of(st.just((TempoChange(0.0, 120.0),)), tempo_maps()))
    notes = np.array(rows, dtype=NOTE_DTYPE)
    tracks = tuple(Track(f"track {i}", int(i * 10), i == 3) for i in range(draw(st.integers(0, 4))))
    return NoteSequence(
        notes=notes,
        tempos=tempos,
        time_signatures=draw(meters()),
        key_signatures=(KeySignature(0.0, draw(st.integers(0, 11)), draw(st.booleans())),),
        tracks=tracks,
        source="generated",
    )


def valid_walks(enc, max_size: int = 60):
    """Token id sequences that the encoding's follow table accepts (a walk from bos)."""
    table = enc.follow_table
    choices = [np.flatnonzero(row) for row in table]

    def walk(picks):
        ids, current = [], 0
        for pick in picks:
            allowed = choices[current]
            current = int(allowed[pick % len(allowed)])
            ids.append(current)
        return ids

    return st.lists(st.integers(0, 1 << 16), max_size=max_size).map(walk)


def make_seq(*notes, **fields) -> NoteSequence:
    """A NoteSequence from (pitch, start, end) or full Note-tuple rows; other fields by keyword."""
    rows = []
    for n in notes:
        if len(n) == 3:
            pitch, start, end = n
            rows.append((pitch, 100, start, end, 0, False, 0))
        else:
            rows.append(tuple(n))
    return NoteSequence(notes=np.array(rows, dtype=NOTE_DTYPE), **fields)


def token_names(enc, ids) -> list[str]:
    """Token ids as 'kind:value' strings ('kind' alone for tokens without a value)."""
    names = []
    for i in ids:
        token = enc.tokens[int(i)]
        names.append(token.kind if token.kind in ("bos", "rest", "hold", "step_end") else str(token))
    return names


def ids_of(enc, *names: str) -> list[int]:
    """The ids of tokens written as in :func:`token_names`."""
    by_name = {name: i for i, name in enumerate(token_names(enc, range(enc.vocab_size)))}
    return [by_name[n] for n in names]


def note_tuples(seq: NoteSequence) -> list[tuple[int, float, float]]:
    """(pitch, start, end) of every note, times rounded to 1e-9 s."""
    return [(int(n.pitch), round(n.start, 9), round(n.end, 9)) for n in seq.iter_notes()]

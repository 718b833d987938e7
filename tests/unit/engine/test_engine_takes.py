"""What a take is made of: the seed as read plus the continuation; held notes; another tempo; options."""

from __future__ import annotations

import numpy as np
import pytest
from model_factory import melody_seed

from rnnmusic.encodings.melody import HOLD_ID, NOTE_ON_BASE, REST_ID
from rnnmusic.engine import GenerateOptions, Provenance
from rnnmusic.engine.takes import compose_take
from rnnmusic.errors import ConfigError
from rnnmusic.grid import StepGrid
from rnnmusic.notes import NoteSequence, TempoChange, TimeSignature
from rnnmusic.transforms import at_tempo


def _note_on(pitch: int) -> int:
    return NOTE_ON_BASE + pitch - 48


def test_a_note_held_over_the_seed_lengthens_the_seed_note(generators):
    generator = generators["melody"]
    seed = melody_seed()  # ends with G4 (67) over the last beat, 0.6 s long
    primed = generator.prime(seed, GenerateOptions())
    ids = np.array([HOLD_ID, HOLD_ID, _note_on(72), HOLD_ID, REST_ID])
    take = compose_take(primed, generator.encoding, ids, continuation_only=False)
    step = 0.15
    last = take.notes[take.notes["start"] == seed.notes["start"].max()]
    assert last["pitch"].tolist() == [67] and last["end"][0] == pytest.approx(seed.total_time + 2 * step)
    new = take.notes[take.notes["start"] >= seed.total_time - 1e-9]
    assert new["pitch"].tolist() == [72]
    assert new["start"][0] == pytest.approx(seed.total_time + 2 * step)
    assert new["end"][0] == pytest.approx(seed.total_time + 4 * step)
    assert len(take.notes) == len(seed.notes) + 1
    alone = compose_take(primed, generator.encoding, ids, continuation_only=True)
    assert alone.notes["pitch"].tolist() == [67, 72]  # the held part of G4 starts the continuation
    assert alone.notes["start"].tolist() == pytest.approx([0.0, 2 * step])


def test_at_tempo_keeps_every_time_in_quarter_notes():
    seq = melody_seed(qpm=100.0).evolve(tempos=(TempoChange(0.0, 100.0), TempoChange(1.2, 50.0)),
                                        time_signatures=(TimeSignature(0.0, 3, 4), TimeSignature(1.8, 2, 4)))
    faster = at_tempo(seq, 150.0)
    assert [t.qpm for t in faster.tempos] == [150.0]
    before = np.asarray(StepGrid.for_sequence(seq, 1).to_steps(seq.notes["start"]))
    after = faster.notes["start"] * 150.0 / 60.0
    assert np.allclose(before, after)
    assert faster.time_signatures[1].time == pytest.approx(float(StepGrid.for_sequence(seq, 1).to_steps(1.8)) * 0.4)
    assert np.array_equal(faster.notes["pitch"], seq.notes["pitch"])


def test_options_validate_and_name_the_option():
    for bad, field in [({"temperature": -1}, "temperature"), ({"top_k": 0}, "top_k"), ({"top_p": 1.5}, "top_p"),
                       ({"num": 0}, "num"), ({"bars": 0}, "bars"), ({"steps": 2.5}, "steps"),
                       ({"seed": -3}, "seed"), ({"pitch_range": (70, 60)}, "pitch_range"),
                       ({"max_polyphony": 0}, "max_polyphony"), ({"beam_size": 0}, "beam_size"),
                       ({"key": "X"}, "key"), ({"bars": 2, "seconds": 3}, "give one length"),
                       ({"temperature": True}, "temperature"), ({"continuation_only": 1}, "continuation_only"),
                       ({"num": 64, "beam_size": 8, "branch_factor": 16}, "rows sampled together")]:
        with pytest.raises(ConfigError, match=field):
            GenerateOptions(**bad)
    assert GenerateOptions(key="am").key == "A minor"
    assert GenerateOptions().length == ("bars", 8.0)
    assert GenerateOptions(bars=2).replace(seconds=5).length == ("seconds", 5.0)
    with pytest.raises(ConfigError, match="unknown option"):
        GenerateOptions().replace(colour="red")
    drawn = GenerateOptions().with_seed()
    assert isinstance(drawn.seed, int) and drawn.with_seed() is drawn


def test_provenance_round_trips_into_the_same_options():
    options = GenerateOptions(bars=4, temperature=0.9, top_k=20, top_p=0.95, num=3, seed=42, key="auto",
                              pitch_range=(48, 72), max_polyphony=4, beam_size=2, branch_factor=3,
                              continuation_only=True)
    record = Provenance("folk", "0123456789abcdef", options, variation=2, seed_file="tune.mid", tempo="96",
                        rnnmusic_version="0.1.0")
    text = record.to_text()
    assert "\n" not in text
    back = Provenance.from_text(text)
    assert back == record and back.options == options
    assert Provenance.find(["hello", "{}", text]) == record
    assert Provenance.from_text("not json") is None and Provenance.find([]) is None
    with pytest.raises(ConfigError, match="unknown option"):
        Provenance.from_text(text.replace('"top_k"', '"top_q"'))


def test_an_empty_seed_is_a_seed_without_notes(generators):
    generator = generators["melody"]
    primed = generator.prime(NoteSequence(), GenerateOptions())
    assert len(primed.seed_ids) == 0 and primed.units.seed_units == 0

"""A take's record hashes everything that decides its notes (issue 12 item 6): every byte of the
model (see test_engine_model_trust), the seed's content, every option, the variation, the tempo."""

from __future__ import annotations

import dataclasses
import json

import pytest
from model_factory import DATA, melody_seed

from rnnmusic.engine import GenerateOptions, Provenance
from rnnmusic.engine.provenance import seed_content_hash
from rnnmusic.engine.region_spec import RegionSpec
from rnnmusic.errors import ConfigError
from rnnmusic.midi.read import read_midi
from rnnmusic.notes import ControlChange, TempoChange, TimeSignature

OPTIONS = GenerateOptions(bars=4, seed=42)
RECORD = Provenance("folk", "a" * 64, OPTIONS, variation=2, seed_file="tune.mid", tempo="96",
                    rnnmusic_version="0.1.0", seed_hash="b" * 64)


def test_the_seed_hash_is_of_the_music_not_of_its_name():
    seed = melody_seed()
    assert seed_content_hash(seed) == seed_content_hash(dataclasses.replace(seed, source="other.mid"))
    assert len(seed_content_hash(seed)) == 64 and seed_content_hash(seed) != seed_content_hash(None)
    notes = seed.notes.copy()
    notes["velocity"][2] += 1
    changed = [
        seed.with_notes(notes),
        dataclasses.replace(seed, tempos=(TempoChange(0.0, 101.0),)),
        dataclasses.replace(seed, time_signatures=(TimeSignature(0.0, 4, 4),)),
        dataclasses.replace(seed, control_changes=(ControlChange(0.5, 64, 127),)),
    ]
    hashes = {seed_content_hash(seq) for seq in changed}
    assert len(hashes) == len(changed) and seed_content_hash(seed) not in hashes


def test_a_real_file_hashes_the_same_when_read_again():
    path = sorted(DATA.glob("*.mid"))[0]
    assert seed_content_hash(read_midi(path)) == seed_content_hash(read_midi(path))


KNOWN_CHANGES = {"bars": 5.0, "steps": 64, "temperature": 0.5, "top_k": 5, "top_p": 0.9, "num": 3, "seed": 43,
                 "key": "A:minor", "pitch_range": (40, 80), "max_polyphony": 2, "beam_size": 2,
                 "branch_factor": 2, "continuation_only": True, "region": RegionSpec(5, 9)}


def _changed(name: str) -> GenerateOptions:
    """OPTIONS with one field changed; an option added later gets the first value it accepts."""
    default = getattr(OPTIONS, name)
    candidates = [KNOWN_CHANGES[name]] if name in KNOWN_CHANGES else (
        [not default] if isinstance(default, bool) else [v for v in (0.25, 0.75, 1, 2, 0) if v != default])
    for value in candidates:
        try:
            return OPTIONS.replace(**{name: value}, **({"bars": None} if name in ("steps", "seconds") else {}))
        except ConfigError:
            continue
    raise AssertionError(f"no value found to change option {name}")


def test_the_take_hash_covers_every_option_the_model_the_seed_the_variation_and_the_tempo():
    base = RECORD.take_hash
    for field in dataclasses.fields(GenerateOptions):  # every option, also those added later
        assert dataclasses.replace(RECORD, options=_changed(field.name)).take_hash != base, field.name
    for change in ({"model_hash": "c" * 64}, {"seed_hash": "d" * 64}, {"variation": 3}, {"tempo": "keep"},
                   {"rnnmusic_version": "0.2.0"}):
        assert dataclasses.replace(RECORD, **change).take_hash != base, change
    for change in ({"model": "renamed"}, {"seed_file": "renamed.mid"}):  # names decide no note
        assert dataclasses.replace(RECORD, **change).take_hash == base, change


def test_the_record_round_trips_and_states_its_hashes():
    text = RECORD.to_text()
    record = json.loads(text)
    assert record["seed_sha256"] == "b" * 64 and record["take_sha256"] == RECORD.take_hash
    assert Provenance.from_text(text) == RECORD


def test_a_version_1_record_still_reads_and_a_malformed_one_is_one_error():
    old = {"rnnmusic_take": 1, "model": {"name": "folk", "sha256": "0123456789abcdef"}, "seed_file": "t.mid",
           "variation": 1, "tempo": "keep", "options": OPTIONS.to_dict(), "rnnmusic_version": "0.1.0"}
    assert Provenance.from_text(json.dumps(old)).seed_hash == ""
    for broken in ({**old, "model": "folk"}, {**old, "variation": "first"}, {"rnnmusic_take": 1}):
        with pytest.raises(ConfigError, match="rnnmusic_take record is malformed"):
            Provenance.from_text(json.dumps(broken))


def test_a_live_take_is_marked_and_a_generated_record_reads_as_before():
    assert "live" not in json.loads(RECORD.to_text())  # records of generated takes are unchanged
    live = dataclasses.replace(RECORD, live=True)
    assert json.loads(live.to_text())["live"] is True
    assert Provenance.from_text(live.to_text()) == live and not Provenance.from_text(RECORD.to_text()).live
    assert live.take_hash == RECORD.take_hash  # the same inputs; only how the notes came out differs


def test_an_edited_take_is_marked_and_keeps_the_hash_of_how_it_began():
    assert "edited" not in json.loads(RECORD.to_text())
    edited = dataclasses.replace(RECORD, edited=True)
    assert json.loads(edited.to_text())["edited"] is True and edited.take_hash == RECORD.take_hash
    assert Provenance.from_text(edited.to_text()) == edited


def test_info_says_an_edited_take_is_made_again_as_it_was_made():
    from rnnmusic.cli.take_record import describe

    plain = describe(RECORD, "take.mid")
    edited = describe(dataclasses.replace(RECORD, edited=True), "take.mid")
    assert not any("edited by hand" in line for line in plain)
    assert any("edited by hand after it was made" in line for line in edited)

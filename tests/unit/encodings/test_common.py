"""What every encoding shares: registry, config JSON, vocabulary meanings, follow tables, MIDI files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from encoding_strategies import CONFIG_IDS, CONFIGS, encoding

from rnnmusic.encodings import ENCODING_NAMES, encoding_from_json, get_encoding
from rnnmusic.errors import EncodingError, MidiFileError
from rnnmusic.midi.read import read_midi, read_midi_bytes
from rnnmusic.midi.write import sequence_to_midi_bytes
from rnnmusic.notes import NOTE_DTYPE, ControlChange, NoteSequence, TempoChange, TimeSignature, Track

REPO = Path(__file__).resolve().parents[3]

#: default vocabulary sizes (bos included), as the module docs state
SIZES = {"melody": 40, "polyphony": 178, "performance": 389, "drums": 513}

by_config = pytest.mark.parametrize(("name", "config"), CONFIGS, ids=CONFIG_IDS)


@pytest.mark.parametrize("name", ENCODING_NAMES)
def test_default_vocabulary_sizes(name):
    assert get_encoding(name).vocab_size == SIZES[name]
    assert get_encoding(name).describe() == f"{name} ({SIZES[name]} tokens)"


@by_config
def test_config_json_round_trip(name, config):
    enc = encoding(name, config)
    again = encoding_from_json(enc.config_json())
    assert type(again) is type(enc) and again.config == enc.config
    assert again.tokens == enc.tokens
    assert np.array_equal(again.follow_table, enc.follow_table)
    assert json.loads(enc.config_json())["name"] == name


@pytest.mark.parametrize("name", ENCODING_NAMES)
def test_unknown_config_keys_are_refused(name):
    with pytest.raises(EncodingError, match="unknown"):
        get_encoding(name, {"no_such_option": 1})
    text = json.dumps({"name": name, "config": {"no_such_option": 1}})
    with pytest.raises(EncodingError, match="no_such_option"):
        encoding_from_json(text)


def test_unknown_encoding_and_bad_json_are_refused():
    with pytest.raises(EncodingError, match="unknown encoding"):
        get_encoding("jazz")
    with pytest.raises(EncodingError):
        encoding_from_json("{not json")


@by_config
def test_every_token_has_a_unique_meaning(name, config):
    enc = encoding(name, config)
    meanings = [str(token) for token in enc.tokens]
    assert meanings[0] == "bos:0"
    assert all(meanings) and len(set(meanings)) == len(meanings)
    assert enc.token_ids[enc.tokens[5]] == 5
    assert enc.pitch_of.shape == enc.time_advance.shape == (enc.vocab_size,)
    assert enc.pitch_of[0] == -1 and enc.time_advance[0] == 0
    assert ((enc.pitch_of >= -1) & (enc.pitch_of <= 127)).all()


@by_config
def test_follow_table_shape(name, config):
    enc = encoding(name, config)
    table = enc.follow_table
    assert table.shape == (enc.vocab_size, enc.vocab_size) and table.dtype == bool
    assert not table[:, 0].any(), "nothing may be followed by bos"
    assert table[1:, 1:].any(axis=1).all(), "every token must have a successor (no dead end)"
    assert table[0].any()
    # a token that advances time may always come next after bos: a model can always wait
    assert table[0, enc.time_advance > 0].any()


@by_config
def test_empty_and_bos_only(name, config):
    enc = encoding(name, config)
    report = enc.encode_report(NoteSequence())
    assert len(report.ids) == 0 and report.dropped == {} and report.dropped_total == 0
    assert len(enc.decode(np.zeros(0, dtype=np.int64))) == 0
    assert len(enc.decode([0])) == 0
    assert enc.is_valid([])


@by_config
def test_ids_outside_the_vocabulary_are_refused(name, config):
    enc = encoding(name, config)
    with pytest.raises(EncodingError):
        enc.decode([enc.vocab_size])
    with pytest.raises(EncodingError):
        enc.decode([1, 0])


@pytest.mark.parametrize("name", ENCODING_NAMES)
def test_notes_before_time_zero_are_dropped(name):
    enc = get_encoding(name)
    is_drum = name == "drums"
    seq = NoteSequence(notes=np.array([(60 if not is_drum else 36, 90, -1.0, -0.5, 0, is_drum, 0),
                                       (62 if not is_drum else 38, 90, -0.001, 0.5, 0, is_drum, 0)], dtype=NOTE_DTYPE))
    report = enc.encode_report(seq)
    assert report.dropped == {"negative_time": 1}
    assert len(enc.normalize(seq)) == 1 and enc.normalize(seq).notes["start"][0] == 0.0


def _band() -> NoteSequence:
    """Piano chords and melody, bass, drums; a tempo change and a meter change; sustain pedal."""
    rows = []
    beat = 0.5
    for bar in range(4):
        t = bar * 4 * beat
        for pitch in (48, 52, 55):
            rows.append((pitch + bar, 70, t, t + 4 * beat * 0.9, 0, False, 0))
        for k, pitch in enumerate((72, 74, 76, 79, 77, 76, 74, 72)):
            rows.append((pitch, 60 + 5 * k, t + k * beat / 2, t + (k + 1) * beat / 2, 0, False, 0))
        rows.append((36 + bar, 90, t, t + 2 * beat, 33, False, 1))
        for k in range(8):
            rows.append((42 if k % 2 else 36, 100, t + k * beat / 2, t + k * beat / 2 + 0.05, 0, True, 2))
            if k in (2, 6):
                rows.append((38, 110, t + k * beat / 2, t + k * beat / 2 + 0.05, 0, True, 2))
    return NoteSequence(
        notes=np.array(rows, dtype=NOTE_DTYPE),
        tempos=(TempoChange(0.0, 120.0), TempoChange(4.0, 90.0)),
        time_signatures=(TimeSignature(0.0, 4, 4), TimeSignature(4.0, 3, 4)),
        control_changes=(ControlChange(0.0, 64, 127), ControlChange(1.9, 64, 0)),
        tracks=(Track("piano", 0), Track("bass", 33), Track("drums", 0, True)),
        source="band",
    )


def _midi_files() -> list[NoteSequence]:
    """The MIDI files shipped with the project (examples, test data) that the reader accepts.

    Test data holds deliberately broken files too; the MIDI boundary's own tests cover those.
    """
    found = []
    for folder in (REPO / "examples", REPO / "tests" / "data"):
        for path in sorted(folder.rglob("*.mid")) if folder.is_dir() else ():
            try:
                found.append(read_midi(path))
            except MidiFileError:
                continue
    return found


@by_config
def test_round_trip_on_midi_files(name, config):
    enc = encoding(name, config)
    sequences = [read_midi_bytes(sequence_to_midi_bytes(_band()), source="band.mid")]
    sequences += _midi_files()
    for seq in sequences:
        report = enc.encode_report(seq)
        assert enc.is_valid(report.ids), seq.source
        decoded = enc.decode(report.ids, template=seq)
        assert decoded.same_music(enc.normalize(seq), tolerance=1e-6), seq.source
        assert enc.normalize(decoded).same_music(decoded, tolerance=1e-6), seq.source
        if "voice" in config:
            continue  # the MIDI writer numbers tracks afresh, so a voice track index does not survive it
        # what survives the MIDI writer and reader again is the same music (2 ms: a tick is at most ~1.4 ms here)
        back = read_midi_bytes(sequence_to_midi_bytes(decoded), require_notes=False)
        assert enc.normalize(back).same_music(decoded, tolerance=2e-3), seq.source

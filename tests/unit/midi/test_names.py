"""Pitch, key and program names: one spelling rule, and every name read back to what it names."""

from __future__ import annotations

import pytest

from rnnmusic.errors import ConfigError
from rnnmusic.midi.names import (
    instrument_name,
    key_name,
    parse_key,
    parse_pitch_name,
    pitch_name,
    tonic_from_sharps,
    tonic_name,
)

_NATURALS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def _signature(tonic: str, minor: bool) -> int:
    """The key signature (sharps > 0, flats < 0) of a key spelt ``tonic``, counted from its letter.

    Independent of the module: C major has none, each fifth up adds a sharp, and a sharp or flat on
    the tonic adds seven sharps or flats; a minor key has the signature of its relative major.
    """
    fifths = {"F": -1, "C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5}[tonic[0]]
    fifths += 7 * {"#": 1, "b": -1, "": 0}[tonic[1:]]
    return fifths - 3 if minor else fifths


@pytest.mark.parametrize("minor", [False, True])
@pytest.mark.parametrize("tonic", range(12))
def test_a_key_is_spelt_with_the_fewer_accidentals(tonic, minor):
    name = tonic_name(tonic, minor)
    sharps = _signature(name, minor)
    assert (_NATURALS[name[0]] + {"#": 1, "b": -1, "": 0}[name[1:]]) % 12 == tonic
    assert tonic_from_sharps(sharps, minor) == tonic  # the spelling names the key it stands for
    other = sharps - 12 if sharps > 0 else sharps + 12  # the same key spelt the other way round
    if abs(sharps) == 6:  # the two keys of six accidentals either way: F# major, Eb minor
        assert (name, minor) in (("F#", False), ("Eb", True))
    else:
        assert abs(sharps) < abs(other)


def test_key_names_as_musicians_write_them():
    assert [key_name(t, False) for t in (1, 3, 6, 8, 10)] == ["Db major", "Eb major", "F# major", "Ab major",
                                                              "Bb major"]
    assert [key_name(t, True) for t in (1, 3, 6, 8, 10)] == ["C# minor", "Eb minor", "F# minor", "G# minor",
                                                             "Bb minor"]


@pytest.mark.parametrize("text, key", [
    ("C:major", (0, False)), ("F#:minor", (6, True)), ("F# minor", (6, True)), ("Bb", (10, False)),
    ("am", (9, True)), ("Eb minor", (3, True)), ("a#:min", (10, True)), ("Gb major", (6, False)),
])
def test_parse_key_reads_both_spellings_and_the_short_forms(text, key):
    assert parse_key(text) == key


@pytest.mark.parametrize("minor", [False, True])
@pytest.mark.parametrize("tonic", range(12))
def test_every_key_name_reads_back(tonic, minor):
    assert parse_key(key_name(tonic, minor)) == (tonic, minor)


@pytest.mark.parametrize("bad", ["H:major", "C:dorian", "", "C#b", None])
def test_parse_key_refuses_what_is_no_key(bad):
    with pytest.raises(ConfigError, match="is not a key"):
        parse_key(bad)


def test_pitch_names_put_middle_c_at_c4():
    assert [pitch_name(p) for p in (21, 60, 61, 63, 66, 68, 70, 108)] == [
        "A0", "C4", "C#4", "Eb4", "F#4", "Ab4", "Bb4", "C8"]


@pytest.mark.parametrize("pitch", range(12, 120))
def test_every_pitch_name_reads_back(pitch):
    assert parse_pitch_name(pitch_name(pitch)) == pitch


def test_parse_pitch_name():
    assert (parse_pitch_name("C4"), parse_pitch_name("bb3"), parse_pitch_name("c#5")) == (60, 58, 73)
    for bad in ("H4", "C", "60", "C#b4"):
        with pytest.raises(ValueError, match="not a note name"):
            parse_pitch_name(bad)


def test_instrument_names():
    assert instrument_name(0, False) == "Acoustic Grand Piano"
    assert instrument_name(32, False) == "Acoustic Bass" and instrument_name(127, False) == "Gunshot"
    assert instrument_name(25, True) == "drum kit"

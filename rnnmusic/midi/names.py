"""Names for what MIDI numbers mean: pitches, keys and General MIDI programs, spelt one way everywhere.

Pitches: a black key is spelt as the first key round the circle of fifths from C that
holds it spells it: F# (G major), C# (D major), Bb (F major), Eb (Bb major); G#/Ab,
met in A major and Eb major alike, as Ab. So 61 is C#4 and 70 is Bb4 (60 is C4).

Keys: a tonic is spelt as the key signature with the fewer accidentals spells it, as
musicians write keys: Db major (5 flats, not C# major's 7 sharps), Bb major, Eb major,
F# minor, G# minor (5 sharps, not Ab minor's 7 flats). The two keys of six accidentals
either way are spelt F# major and Eb minor. A key's name is "TONIC major|minor", e.g.
"F# minor"; :func:`parse_key` reads that, the "F#:minor" that older files and options
hold, and short forms such as "Bb", "Am" and "eb min".
"""

from __future__ import annotations

import re

from rnnmusic.errors import ConfigError

_LETTERS = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_ACCIDENTALS = {"#": 1, "b": -1, "": 0}

#: pitch class -> name, for a pitch heard without a key (the rule is in the module docstring)
PITCH_CLASS_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
#: pitch class of the tonic -> its name in a major key and in a minor key (the rule is in the module docstring)
_MAJOR_TONICS = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MINOR_TONICS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")

_PITCH_PATTERN = re.compile(r"^\s*([a-gA-G])([#b]?)(\d)\s*$")
_KEY_PATTERN = re.compile(r"^\s*([a-gA-G])([#b]?)\s*[:\s]?\s*((?i:major|minor|maj|min)|m|)\s*$")

GM_PROGRAM_NAMES = (
    "Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano", "Honky-tonk Piano",
    "Electric Piano 1", "Electric Piano 2", "Harpsichord", "Clavinet",
    "Celesta", "Glockenspiel", "Music Box", "Vibraphone", "Marimba", "Xylophone", "Tubular Bells", "Dulcimer",
    "Drawbar Organ", "Percussive Organ", "Rock Organ", "Church Organ", "Reed Organ", "Accordion", "Harmonica",
    "Tango Accordion",
    "Acoustic Guitar (nylon)", "Acoustic Guitar (steel)", "Electric Guitar (jazz)", "Electric Guitar (clean)",
    "Electric Guitar (muted)", "Overdriven Guitar", "Distortion Guitar", "Guitar Harmonics",
    "Acoustic Bass", "Electric Bass (finger)", "Electric Bass (pick)", "Fretless Bass", "Slap Bass 1",
    "Slap Bass 2", "Synth Bass 1", "Synth Bass 2",
    "Violin", "Viola", "Cello", "Contrabass", "Tremolo Strings", "Pizzicato Strings", "Orchestral Harp", "Timpani",
    "String Ensemble 1", "String Ensemble 2", "Synth Strings 1", "Synth Strings 2", "Choir Aahs", "Voice Oohs",
    "Synth Voice", "Orchestra Hit",
    "Trumpet", "Trombone", "Tuba", "Muted Trumpet", "French Horn", "Brass Section", "Synth Brass 1", "Synth Brass 2",
    "Soprano Sax", "Alto Sax", "Tenor Sax", "Baritone Sax", "Oboe", "English Horn", "Bassoon", "Clarinet",
    "Piccolo", "Flute", "Recorder", "Pan Flute", "Blown Bottle", "Shakuhachi", "Whistle", "Ocarina",
    "Lead 1 (square)", "Lead 2 (sawtooth)", "Lead 3 (calliope)", "Lead 4 (chiff)", "Lead 5 (charang)",
    "Lead 6 (voice)", "Lead 7 (fifths)", "Lead 8 (bass + lead)",
    "Pad 1 (new age)", "Pad 2 (warm)", "Pad 3 (polysynth)", "Pad 4 (choir)", "Pad 5 (bowed)", "Pad 6 (metallic)",
    "Pad 7 (halo)", "Pad 8 (sweep)",
    "FX 1 (rain)", "FX 2 (soundtrack)", "FX 3 (crystal)", "FX 4 (atmosphere)", "FX 5 (brightness)",
    "FX 6 (goblins)", "FX 7 (echoes)", "FX 8 (sci-fi)",
    "Sitar", "Banjo", "Shamisen", "Koto", "Kalimba", "Bagpipe", "Fiddle", "Shanai",
    "Tinkle Bell", "Agogo", "Steel Drums", "Woodblock", "Taiko Drum", "Melodic Tom", "Synth Drum", "Reverse Cymbal",
    "Guitar Fret Noise", "Breath Noise", "Seashore", "Bird Tweet", "Telephone Ring", "Helicopter", "Applause",
    "Gunshot",
)  # fmt: skip


def pitch_name(pitch: int) -> str:
    """Scientific pitch name: 60 is C4, 61 C#4, 70 Bb4."""
    return f"{PITCH_CLASS_NAMES[pitch % 12]}{pitch // 12 - 1}"


def parse_pitch_name(text: str) -> int:
    """'C4' -> 60, 'Bb3' -> 58, 'c#5' -> 73; ValueError for anything else."""
    match = _PITCH_PATTERN.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a note name like C4")
    letter, accidental, octave = match.groups()
    return _LETTERS[letter.lower()] + _ACCIDENTALS[accidental] + (int(octave) + 1) * 12


def tonic_name(tonic: int, minor: bool) -> str:
    """The tonic of a key, spelt by its key signature: 1 is 'Db' in major, 'C#' in minor."""
    return (_MINOR_TONICS if minor else _MAJOR_TONICS)[tonic % 12]


def key_name(tonic: int, minor: bool) -> str:
    """'F# minor', 'Bb major', 'Eb minor': the name shown, stored and sent (read back by :func:`parse_key`)."""
    return f"{tonic_name(tonic, minor)} {'minor' if minor else 'major'}"


def parse_key(text: str) -> tuple[int, bool]:
    """'F# minor', 'F#:minor', 'Bb', 'Am', 'eb min', 'a#:min' -> (tonic pitch class, minor)."""
    match = _KEY_PATTERN.match(text) if isinstance(text, str) else None
    if not match:
        raise ConfigError(f"key: {text!r} is not a key; use auto or TONIC major|minor, e.g. C major, F# minor, Bb")
    letter, accidental, mode = match.groups()
    return (_LETTERS[letter.lower()] + _ACCIDENTALS[accidental]) % 12, mode.lower() in ("minor", "min", "m")


def tonic_from_sharps(sharps: int, minor: bool) -> int:
    """A MIDI key signature (sharps > 0, flats < 0) to its tonic's pitch class."""
    major_tonic = (sharps * 7) % 12
    return (major_tonic + 9) % 12 if minor else major_tonic


def instrument_name(program: int, is_drum: bool) -> str:
    """General MIDI name of a program ("drum kit" on channel 10, where the program picks a kit)."""
    return "drum kit" if is_drum else GM_PROGRAM_NAMES[program % 128]

"""Hand-made music whose metric values are known, for the musical-evaluation tests.

The tune: eight bars of 4/4 on a sixteenth grid (16 steps a bar), bars A B A C A B D E:

- A: quarter notes C D E F (60 62 64 65);  B: half notes G F (67 65)
- C: a whole note, high C (72);  D: A's rhythm with G F# E D (67 66 64 62);  E: silent

so bars 3, 5 and 6 repeat an earlier bar exactly and bar 7 repeats one in rhythm only. Also: a
four-voice progression with known parallels and clashes, and for the end-to-end tests a 12-bar
tune (A B A C three times) written as MIDI files with their dataset and an untrained model.
"""

from __future__ import annotations

from model_factory import make_model

from rnnmusic.midi.write import write_midi
from rnnmusic.music_eval.window import make_window
from rnnmusic.notes import Note, NoteSequence, TempoChange, TimeSignature, make_notes
from rnnmusic.progress import ProgressLine
from rnnmusic.training.dataset import build_dataset

A = [(0, 4, 60), (4, 4, 62), (8, 4, 64), (12, 4, 65)]
B = [(0, 8, 67), (8, 8, 65)]
C = [(0, 16, 72)]
D = [(0, 4, 67), (4, 4, 66), (8, 4, 64), (12, 4, 62)]
E: list = []
TUNE_BARS = (A, B, A, C, A, B, D, E)
C_MAJOR = (0, False)


def window_of_bars(bars, bar_steps: int = 16, meter=(4, 4), key=C_MAJOR, first_bar: int = 1):
    """A window from bars given as lists of (offset, duration, pitch)."""
    notes = [(i * bar_steps + o, d, p) for i, bar in enumerate(bars) for o, d, p in bar]
    onsets, durations, pitches = zip(*notes) if notes else ((), (), ())
    return make_window(onsets, durations, pitches, [bar_steps] * len(bars), [meter] * len(bars), first_bar,
                       4, key)


def tune():
    return window_of_bars(TUNE_BARS)


# The progression: one chord per quarter note, (bass .. top) in MIDI pitches.
PROGRESSION = (
    (48, 55, 64, 72),  # C major, outer voices two octaves apart
    (50, 57, 65, 74),  # D minor: both outer voices up a tone -> parallel octaves
    (43, 53, 59, 74),  # G7: the top holds its pitch (not a moving pair)
    (48, 55, 64, 72),  # C: contrary motion, twelfth to double octave (no parallel)
    (48, 52, 53, 67),  # C E F G: no chord, E-F clash; the bass holds
    (53, 60, 69),      # F major: both up, fifth to tenth
    (55, 62, 71),      # G major: both up, tenth to tenth (not perfect)
    (57, 64, 76),      # A E E: two pitch classes, tenth to twelfth
    (59, 66, 78),      # B F# F#: both up, twelfth to twelfth -> parallel fifths
)


def progression():
    notes = [(4 * i, 4, p) for i, chord in enumerate(PROGRESSION) for p in chord]
    onsets, durations, pitches = zip(*notes)
    return make_window(onsets, durations, pitches, [16, 16, 16], [(4, 4)] * 3, 1, 4, C_MAJOR)


BEAT = 0.5  # seconds at 120 qpm
# for the CLI tests: a 12-bar C major tune in quarter notes, bars A B A C three times
TUNE12_BARS = {"A": (60, 62, 64, 65), "B": (67, 65, 64, 62), "C": (60, 64, 67, 72)}
TUNE12_FORM = "ABAC" * 3


def tune12(transpose: int, times: int = 1) -> NoteSequence:
    """The 12-bar tune moved by ``transpose`` semitones, played ``times`` times, as a NoteSequence (120 qpm, 4/4)."""
    notes = [Note(p + transpose, 80, (4 * b + i) * BEAT, (4 * b + i + 1) * BEAT)
             for b, name in enumerate(TUNE12_FORM * times) for i, p in enumerate(TUNE12_BARS[name])]
    return NoteSequence(notes=make_notes(notes), tempos=(TempoChange(0.0, 120.0),),
                        time_signatures=(TimeSignature(0.0, 4, 4),))


def build_tiny(root, times: int = 1):
    """Ten transpositions of the 12-bar tune (played ``times`` times) as MIDI files, their melody dataset
    in ``root/data`` and an untrained melody model: (model, data, manifest)."""
    src = root / "midi"
    src.mkdir(parents=True)
    for k in range(10):
        write_midi(tune12(k - 5, times), src / f"tune{k}.mid")
    data = root / "data"
    manifest = build_dataset(src, data, "melody", jobs=1, valid_fraction=0.2, test_fraction=0.4,
                             license="CC0 (hand-made)", progress=ProgressLine(enabled=False))
    assert manifest["splits"]["test"]["pieces"] >= 2
    model = make_model(root / "tiny.onnx", "melody")
    return model, data, manifest

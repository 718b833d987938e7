"""Small real models for the engine tests: freshly initialised torch RecurrentLMs exported to ONNX.

Untrained weights give a near-uniform next-token distribution, which is what the mask
tests want (every token gets sampled sometimes). ``spread`` scales the output layer so
that a model has clear preferences (for beam-search tests).
"""

from __future__ import annotations

import json
from pathlib import Path

from rnnmusic.encodings import get_encoding
from rnnmusic.engine.context import ContextSpec
from rnnmusic.model_file import Architecture, ModelInfo
from rnnmusic.notes import Note, NoteSequence, TempoChange, TimeSignature, Track, make_notes

#: the project's own small test MIDI files
DATA = Path(__file__).resolve().parent / "data"


def make_model(path: Path, encoding: str = "melody", config: dict | None = None, cell: str = "lstm",
               layers: int = 1, hidden: int = 32, seed: int = 0, name: str | None = None,
               spread: float = 1.0, metrics: dict | None = None, grammar_mask: bool = True,
               context: bool = False, sampling: dict | None = None) -> Path:
    """Write an rnnmusic .onnx model with random weights for ``encoding`` to ``path``.

    ``grammar_mask`` builds the graph as training does by default (disallowed next tokens get
    -inf logits inside the graph); without it the runtime's own mask is all that stands between
    the sampler and an invalid token. ``context`` makes a model that reads the timeline context
    (format 2: bar position and lookback proposals, see rnnmusic.engine.context).
    """
    import torch

    from rnnmusic.training.export import export_model
    from rnnmusic.training.model import RecurrentLM

    enc = get_encoding(encoding, config or {})
    arch = Architecture(cell=cell, layers=layers, hidden=hidden, embedding=min(hidden, 32), vocab_size=enc.vocab_size)
    torch.manual_seed(seed)
    spec = ContextSpec(steps_per_quarter=int(enc.config.steps_per_quarter)) if context else None
    model = RecurrentLM(arch, enc.follow_table if grammar_mask else None, spec)
    with torch.no_grad():
        model.head.weight.mul_(spread)
        model.head.bias.mul_(spread)
    info = ModelInfo(
        name=name or Path(path).stem,
        encoding=json.loads(enc.config_json()),
        tokens=tuple(str(t) for t in enc.tokens),
        architecture=arch,
        training_data={"files": 0, "tokens": 0, "source": "random initialisation (tests)"},
        metrics=metrics or {},
        license="CC0-1.0",
        description="untrained test model",
        context=json.loads(spec.to_json()) if spec is not None else {},
        sampling=sampling or {},
    )
    export_model(model, info, path, check_steps=3)
    return Path(path)


# -- seeds ------------------------------------------------------------------------------
def melody_seed(qpm: float = 100.0, numerator: int = 3, program: int = 73) -> NoteSequence:
    """Two bars of a C major tune in 3/4 on a flute, as a real seed would be."""
    beat = 60.0 / qpm
    pitches = [60, 64, 67, 72, 71, 67]
    notes = [Note(p, 90, i * beat, (i + 1) * beat, program=program) for i, p in enumerate(pitches)]
    return NoteSequence(notes=make_notes(notes), tempos=(TempoChange(0.0, qpm),),
                        time_signatures=(TimeSignature(0.0, numerator, 4),), source="tune")


def chord_seed(qpm: float = 90.0) -> NoteSequence:
    """I-IV-V-I in C major, two beats each."""
    beat = 60.0 / qpm
    chords = [(48, 64, 67, 72), (53, 65, 69, 72), (43, 62, 67, 71), (48, 64, 67, 72)]
    notes = [Note(p, 80, i * 2 * beat, (i + 1) * 2 * beat) for i, chord in enumerate(chords) for p in chord]
    return NoteSequence(notes=make_notes(notes), tempos=(TempoChange(0.0, qpm),), source="chords")


def drum_seed(qpm: float = 110.0) -> NoteSequence:
    step = 60.0 / qpm / 4
    notes = []
    for i in range(16):
        notes.append(Note(42, 80, i * step, (i + 1) * step, is_drum=True))
        if i % 8 == 0:
            notes.append(Note(36, 100, i * step, (i + 1) * step, is_drum=True))
        if i % 8 == 4:
            notes.append(Note(38, 100, i * step, (i + 1) * step, is_drum=True))
    return NoteSequence(notes=make_notes(notes), tempos=(TempoChange(0.0, qpm),), source="beat")


#: the tracks of :func:`band_piece`
BAND_MELODY, BAND_BASS, BAND_DRUMS = 0, 1, 2
#: 4/4 at 120 quarter notes per minute: a bar is 2 s, bar k starts at 2 (k - 1)
BAND_BAR = 2.0


def band_piece(bars: int = 12) -> NoteSequence:
    """A violin tune (a quarter note per beat), a bass (a whole note per bar) and drums, in 4/4 at 120.

    Two tune notes cross bar lines on purpose: one from the last beat of bar 4 into bar 5, one from
    the last beat of bar 8 into bar 9."""
    tune = [60, 62, 64, 65, 67, 65, 64, 62]
    notes = []
    for beat in range(bars * 4):
        start = beat * 0.5
        if beat in (15, 31):  # held over the bar line into bars 5 and 9
            notes.append((tune[beat % 8], 90, start, start + 1.0, 40, False, BAND_MELODY))
        elif beat in (16, 32):
            continue  # the held note sounds there
        else:
            notes.append((tune[beat % 8], 90, start, start + 0.45, 40, False, BAND_MELODY))
    for bar in range(bars):
        notes.append((36 + (bar % 4) * 2, 70, bar * BAND_BAR, bar * BAND_BAR + 1.9, 32, False, BAND_BASS))
        notes.append((36, 100, bar * BAND_BAR, bar * BAND_BAR + 0.1, 0, True, BAND_DRUMS))
    return NoteSequence(notes=make_notes(notes), tempos=(TempoChange(0.0, 120.0),),
                        time_signatures=(TimeSignature(0.0, 4, 4),),
                        tracks=(Track("violin", 40), Track("bass", 32), Track("drums", 0, True)),
                        source="band.mid", total_time=bars * BAND_BAR)


SEEDS = {"melody": melody_seed, "polyphony": chord_seed, "performance": chord_seed, "drums": drum_seed}

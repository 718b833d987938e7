"""Recipe for the shipped `chorale` model: a polyphony LSTM trained on Bach's four-part chorales.

    python -m rnnmusic.training.recipes.chorale [--out DIR] [--quick]

Data: the chorales in music21's bundled corpus (Riemenschneider's 371, as
MusicXML), all four voices, converted to MIDI by our own code.
"""

from __future__ import annotations

import sys

from .corpus_to_midi import chorale_pieces
from .recipe import Recipe, main

RECIPE = Recipe(
    name="chorale",
    title="four-part chorale model (LSTM over polyphony tokens)",
    module="rnnmusic.training.recipes.chorale",
    pieces=chorale_pieces,
    collections=("bach",),
    source="J. S. Bach's four-part chorales (music21 corpus)",
    encoding="polyphony",
    encoding_config={"min_pitch": 28, "max_pitch": 88, "steps_per_quarter": 4, "onsets": True},
    train={
        "model": {"cell": "lstm", "layers": 2, "hidden": 256, "embedding": 64, "dropout": 0.3},
        # 256 tokens: about 12 bars of four-part writing (5 tokens a step), two or three phrases
        "data": {"batch_size": 32, "window": 256, "transpose": 5},
        "optim": {"lr": 0.002, "warmup_steps": 200, "weight_decay": 0.05},
        "run": {"epochs": 200, "max_steps": 4000, "eval_every": 200, "patience": 5, "checkpoint_every": 200,
                "seed": 0, "device": "auto"},
    },
    quick_pieces=12,
    repetition=0.85,
    split_fractions=(0.1, 0.1),
    data_license="Public domain: J. S. Bach's chorales (music from before 1750); MusicXML encodings distributed "
                 "with music21's corpus",
    description="A polyphonic model for four-part writing, trained on Bach's four-part chorales",
    seed_quarters=8.0,
    seed_bars=(2, 2),
    notes=(
        "Each chorale is converted by `training/recipes/corpus_to_midi.py` (parse with music21, our own conversion "
        "to a NoteSequence, written with `rnnmusic.midi.write.write_midi`): the Soprano, Alto, Tenor and Bass parts, "
        "one track each (a part named e.g. 'Soprano Oboe 1 Violin1' counts as the soprano), ties merged, repeats "
        "written out as sung, the playback tempo of the file kept (120 where there is none), meter, key and pickup "
        "kept.",
        "Works music21 holds only as Humdrum files are read from their MusicXML twin; the Humdrum encodings "
        "carry a copyright notice of CCARH and are not used. A chorale with a fifth voice is skipped.",
        "The encoding keeps one note per pitch and step: where two voices sing the same pitch (a unison), one "
        "of the two notes is dropped; these are the `duplicate` notes in the list above.",
        "The split holds out 10% of the chorales for validation and 10% for test (the dataset is small, so "
        "larger held-out sets give steadier numbers). Bach harmonised some melodies more than once; two "
        "harmonisations of one melody are different files and may land in different splits.",
    ),
    limits=(
        "Trained on under 300 chorales: it knows the idiom (four-voice chords, stepwise voices, cadences) but "
        "has seen few pieces; expect familiar cadences and, at high temperature, wrong notes. Fermatas are not "
        "encoded, so phrase ends are only implied by long chords.",
        "Voices are not kept apart: the encoding stores the sounding pitches per sixteenth step, so the output "
        "is one polyphonic stream, not four labelled parts, and may have more or fewer than four notes at once.",
        "A sixteenth-note grid; pitch range E1 to E6 (MIDI 28 to 88); one velocity for every note.",
    ),
)


if __name__ == "__main__":
    sys.exit(main(RECIPE))

"""Recipe for the shipped `folk` model: a melody LSTM trained on public-domain fiddle-tune collections.

    python -m rnnmusic.training.recipes.folk [--out DIR] [--quick]

Data: O'Neill's "Music of Ireland: 1850 Melodies" (1903) and Ryan's Mammoth
Collection (1883) in music21's bundled corpus, as ABC transcriptions, each tune
converted to MIDI by our own code. The Essen folksong collection that music21 also
bundles is left out of the shipped model: its licence file says its legal status
is unclear and that it is distributed for non-commercial use; ``--collections
essenFolksong,oneills1850,ryansMammoth`` adds it for a model of your own.
"""

from __future__ import annotations

import sys

from .corpus_to_midi import folk_pieces
from .recipe import Recipe, main

RECIPE = Recipe(
    name="folk",
    title="folk-tune melody model (LSTM over melody tokens)",
    module="rnnmusic.training.recipes.folk",
    pieces=folk_pieces,
    collections=("oneills1850", "ryansMammoth"),
    other_collections=("essenFolksong",),
    source="O'Neill's 1850 and Ryan's Mammoth Collection (music21 corpus)",
    encoding="melody",
    encoding_config={"min_pitch": 48, "max_pitch": 96, "steps_per_quarter": 4, "voice": "top"},
    train={
        "model": {"cell": "lstm", "layers": 2, "hidden": 256, "embedding": 64, "dropout": 0.2},
        # 256 steps: a whole 32-bar 2/4 tune or 16 bars of a reel in one window; the lookback reaches
        # 8 bars back whatever the window (it is an input, not carried state)
        "data": {"batch_size": 32, "window": 256, "transpose": 5},
        "optim": {"lr": 0.002, "warmup_steps": 200},
        "run": {"epochs": 60, "max_steps": 3500, "eval_every": 200, "patience": 4, "checkpoint_every": 250,
                "seed": 0, "device": "auto"},
    },
    quick_pieces=24,
    repetition=0.6,
    data_license="Public domain: tunes from O'Neill's Music of Ireland (1903) and Ryan's Mammoth Collection (1883); "
                 "ABC transcriptions distributed with music21's corpus",
    description=(
        "A melody model for single-line tunes, "
        "trained on the fiddle tunes of O'Neill's 1850 and Ryan's Mammoth Collection"
    ),
    seed_quarters=8.0,
    seed_bars=(2, 4),
    notes=(
        "Each ABC tune is converted by `training/recipes/corpus_to_midi.py` (parse with music21, our own "
        "conversion to a NoteSequence, written with `rnnmusic.midi.write.write_midi`): the first voice, the top note "
        "of any chord, ties merged only between equal pitches, grace notes and guitar-chord symbols dropped, repeats "
        "and first/second endings written out as played (a tune whose repeat marks music21 cannot pair is kept as "
        "written), tempo 120 quarter notes per minute where the tune names none, meter and key kept, a pickup "
        "kept and padded so the first full bar starts on a barline.",
        "The Essen folksong collection in music21's corpus is not used: its `license.txt` says its legal status "
        "is unclear and that it is distributed by permission for non-commercial use, which a model shipped under "
        "MIT cannot inherit. `--collections essenFolksong,oneills1850,ryansMammoth` trains with it.",
    ),
    limits=(
        "Monophonic: one melodic line; chords, double stops and accompaniment are not modelled.",
        "A sixteenth-note grid: triplets (about 4% of the notes of these collections start off the grid) are "
        "rounded to it, and grace notes and ornaments are gone.",
        "Style: Irish, Scottish and American dance music of the 19th century (reels, jigs, hornpipes, "
        "strathspeys, airs); seeds far from that style get continuations in it anyway.",
        "Pitch range C3 to C7 (MIDI 48 to 96); notes outside it are not produced.",
        "No dynamics: every note has one velocity.",
    ),
)


if __name__ == "__main__":
    sys.exit(main(RECIPE))

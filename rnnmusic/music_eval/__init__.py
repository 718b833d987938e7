"""Musical evaluation: continuations of held-out seeds judged against the real music and trivial baselines.

Modules: :mod:`.window` (bars on the step grid), :mod:`.metrics` (melody), :mod:`.harmony`
(polyphony), :mod:`.overlap` (distribution overlaps after Yang & Lerch 2018), :mod:`.baselines`
(copy seed, random in key), :mod:`.pieces` (seeds and real continuations from a dataset split),
:mod:`.tally` (pooling windows into a column), :mod:`.harness` (:func:`evaluate_music`) and
:mod:`.table`. Runtime only: ONNX Runtime through the engine, no torch.
"""

from rnnmusic.music_eval.harness import MusicEvalResult, evaluate_music

__all__ = ["MusicEvalResult", "evaluate_music"]

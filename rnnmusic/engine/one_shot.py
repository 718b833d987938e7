"""One-shot generation: ``options.num`` whole takes of a seed, sampled in one batched run.

With a region in the options the takes rewrite those bars instead
(:mod:`rnnmusic.engine.region_fill`); otherwise they continue the end.

Each take is the seed as it was read (all its tracks, tempo map, meters and controls)
plus the decoded continuation, which starts where the seed's tokens end, on the seed's
instrument and at its last tempo. With beam search the rows are num x beam_size x
branch_factor and the best beam of each variation is kept.
"""

from __future__ import annotations

import threading

import numpy as np

from rnnmusic.engine.model import Model
from rnnmusic.engine.options import GenerateOptions
from rnnmusic.engine.region_fill import generate_region
from rnnmusic.engine.session import DecodingSession, Primed, Progress, ProgressReporter, prime
from rnnmusic.engine.takes import Takes, make_takes
from rnnmusic.errors import ConfigError
from rnnmusic.notes import NoteSequence


def generate_takes(model: Model, seed: NoteSequence | None, options: GenerateOptions,
                   progress: Progress | None = None, cancel: threading.Event | None = None) -> Takes:
    """``options.num`` continuations of ``seed`` (options as given; a random seed is drawn when none is)."""
    options = options.with_seed().for_model(model.info.sampling)
    if options.region is not None:
        if seed is None:
            raise ConfigError(f"region {options.region.describe_bars()}: there is no piece to work on (give a seed)")
        return generate_region(model, seed, options, progress, cancel)
    primed = prime(model, seed, options)
    return make_takes(primed, model.encoding, sample_continuations(model, primed, options, progress, cancel), options)


def sample_continuations(model: Model, primed: Primed, options: GenerateOptions, progress: Progress | None,
                         cancel: threading.Event | None) -> list[np.ndarray]:
    """Token ids of each variation's continuation (``options`` as used)."""
    reporter = ProgressReporter(progress, cancel)
    if options.uses_beam:
        session = DecodingSession(model, primed, options, options.num * options.beam_size * options.branch_factor)
        search = session.beam_search(session.target_units())
        # tick calls its fraction at once, within the iteration that made it (hence the noqa)
        for step, fraction in enumerate(search.steps()):
            reporter.tick(step, lambda: fraction)  # noqa: B023
        reporter.finish()
        return search.chosen
    session = DecodingSession(model, primed, options, options.num)
    target = session.target_units()
    out = session.token_buffer(target)
    generated = np.zeros(options.num, dtype=np.float64)
    done = 0
    for count in session.sample(target, out):
        if progress is not None:
            generated += session.advance[out[:, done:count]].sum(axis=1)
        done = count
        reporter.tick(0, lambda: float(np.minimum(generated, target).mean() / target))  # noqa: B023
    reporter.finish()
    return session.continuations(out, done, target)

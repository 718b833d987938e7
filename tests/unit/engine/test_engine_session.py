"""The decoding session every generation path drives (rnnmusic.engine.session)."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from model_factory import SEEDS, make_model

from rnnmusic.engine import GenerateOptions, Generator, load_model_file
from rnnmusic.engine.session import DecodingSession
from rnnmusic.grid import StepGrid


def _session(generator, name: str, options: GenerateOptions, rows: int = 2) -> DecodingSession:
    options = options.with_seed().for_model(generator.model.info.sampling)
    return DecodingSession(generator.model, generator.prime(SEEDS[name](), options), options, rows)


def _sample(session: DecodingSession, units: float) -> list[np.ndarray]:
    out = session.token_buffer(units)
    count = 0
    for count in session.sample(units, out):  # noqa: B007 -- the last value is used after the loop
        pass
    return session.continuations(out, count, units)


@pytest.mark.parametrize("name", ["melody", "polyphony", "performance", "drums"])
def test_a_session_is_what_generate_samples_and_a_second_one_replays_it(generators, name):
    generator = generators[name]
    options = GenerateOptions(bars=2, num=2, seed=11)
    session = _session(generator, name, options)
    first = _sample(session, session.target_units())
    again = _sample(_session(generator, name, options), session.target_units())
    assert len(first) == 2 and all(np.array_equal(a, b) for a, b in zip(first, again))
    taken = generator.generate(SEEDS[name](), options).tokens
    assert all(np.array_equal(a, b) for a, b in zip(first, taken))


@pytest.fixture(scope="module")
def context_generator(tmp_path_factory) -> Generator:
    """A melody model that reads the timeline context, so it has a repetition control."""
    return Generator(load_model_file(make_model(tmp_path_factory.mktemp("m") / "melody.onnx", "melody", context=True)))


def test_a_rollback_returns_the_rows_but_keeps_the_repetition_set_since(context_generator):
    session = _session(context_generator, "melody", GenerateOptions(seed=3, repetition=0.5), rows=1)
    mark = session.snapshot()
    before = _sample(session, 8)[0]
    session.configure(session.options.replace(repetition=1.0), {"repetition"})
    session.rollback(mark)
    assert session.batch.repetition[0] == pytest.approx(30.0)  # a control the player set: it stays
    session.configure(session.options.replace(repetition=0.5), {"repetition"})
    session.sampler = DecodingSession(session.model, session.primed, session.options, 1).sampler
    assert np.array_equal(_sample(session, 8)[0], before)  # the state really went back


def test_the_seed_grid_is_built_once_by_the_engine(generators, monkeypatch):
    built = []
    original = StepGrid.for_sequence.__func__

    def counting(cls, seq, steps_per_quarter):
        caller = sys._getframe(1)
        while caller is not None and "rnnmusic" not in caller.f_code.co_filename:
            caller = caller.f_back
        if caller is not None and "engine" in caller.f_code.co_filename.replace("\\", "/").split("rnnmusic/")[-1]:
            built.append(caller.f_code.co_name)
        return original(cls, seq, steps_per_quarter)

    monkeypatch.setattr(StepGrid, "for_sequence", classmethod(counting))
    generators["melody"].generate(SEEDS["melody"](), GenerateOptions(bars=1, num=2, seed=1))
    assert built == ["seed_grid"]

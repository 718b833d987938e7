"""Going back in the endless stream: the live engine's regenerate press (issue 13, item 4).

A rewind returns the stream to the state at a chunk boundary it kept. Greedy sampling
(temperature 0) shows the state is exactly the one there: the same chunks come again.
Sampled, the random generator has moved on, so the chunks after it are new.
"""

from __future__ import annotations

import pytest
from model_factory import SEEDS

from rnnmusic.engine import GenerateOptions
from rnnmusic.errors import ConfigError

ENCODINGS = ["melody", "polyphony", "performance", "drums"]


def _keys(notes):
    return [(n.pitch, round(n.start, 6), round(n.end, 6), n.velocity) for n in notes]


def _chunks(stream, count: int, beats: float = 1.0) -> list[list]:
    return [_keys(stream.next_notes(beats)) for _ in range(count)]


@pytest.mark.parametrize("name", ENCODINGS)
def test_a_rewind_returns_to_exactly_the_state_at_the_boundary(generators, name):
    stream = generators[name].open_stream(SEEDS[name](), GenerateOptions(seed=3, temperature=0.0))
    stream.keep_from(0.0)
    first = _chunks(stream, 12)
    assert sum(map(len, first[6:])) > 0  # notes after the boundary, to compare
    stream.rewind(6.0)
    assert stream.position == 6.0
    assert _chunks(stream, 6) == first[6:]  # greedy: the same state gives the same notes, none twice


@pytest.mark.parametrize("name", ENCODINGS)
def test_after_a_rewind_the_random_generator_moves_on(generators, name):
    stream = generators[name].open_stream(SEEDS[name](), GenerateOptions(seed=4))
    stream.keep_from(0.0)
    first = _chunks(stream, 8)
    stream.rewind(4.0)
    second = _chunks(stream, 4)
    stream.rewind(4.0)  # a second press at the same bar line
    third = _chunks(stream, 4)
    for chunks in (second, third):
        assert all(4.0 + k - 1e-9 <= note[1] < 5.0 + k for k, chunk in enumerate(chunks) for note in chunk)
    assert second != first[4:] and third != first[4:] and third != second
    stream.reset()  # a reset still replays the stream from the start
    assert _chunks(stream, 8) == first


def test_notes_begun_before_the_boundary_are_not_given_again(generators):
    stream = generators["melody"].open_stream(SEEDS["melody"](), GenerateOptions(seed=5))
    stream.keep_from(0.0)
    before = [note for chunk in _chunks(stream, 6) for note in chunk]
    crossing = [note for note in before if note[1] < 4.0 < note[2]]
    stream.rewind(4.0)
    after = [note for chunk in _chunks(stream, 2) for note in chunk]
    assert all(note[1] >= 4.0 - 1e-9 for note in after)
    assert not set(crossing) & set(after)


def test_a_rewind_goes_back_only_as_far_as_was_kept(generators):
    stream = generators["melody"].open_stream(SEEDS["melody"](), GenerateOptions(seed=6))
    _chunks(stream, 3)
    stream.rewind(3.0)  # the latest chunk end is always kept (it is where a primed phrase goes)
    with pytest.raises(ConfigError, match="cannot go back to beat 2: it can go back to beats 3 to 3"):
        stream.rewind(2.0)  # nothing asked to keep it
    stream.keep_from(3.0)
    _chunks(stream, 3)
    stream.rewind(4.0)
    assert stream.position == 4.0
    with pytest.raises(ConfigError, match="beat 5: it can go back to beats 3 to 4"):
        stream.rewind(5.0)  # forgotten: it came after the point gone back to
    stream.keep_from(4.0)
    with pytest.raises(ConfigError, match="beat 3.5: it can go back to beats 4 to 4"):
        stream.rewind(3.5)


def test_a_long_stream_that_keeps_a_moving_window_stays_small(generators):
    stream = generators["drums"].open_stream(SEEDS["drums"](), GenerateOptions(seed=1))
    for k in range(150):
        stream.keep_from(max(0.0, stream.position - 8.0))  # as the live engine does: from the beat playing
        stream.next_notes(4.0)
        if k % 10 == 9:
            stream.rewind(stream.position - 4.0)
    assert len(stream._decoder.window) < 1200  # 2,400 tokens were sampled
    assert len(stream._marks) <= 4

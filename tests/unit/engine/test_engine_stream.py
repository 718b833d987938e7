"""Streaming: notes as they are sampled (GUI), and the open-ended GenerationStream (live engine)."""

from __future__ import annotations

import threading

import pytest
from model_factory import SEEDS, melody_seed

from rnnmusic.engine import GenerateOptions, GenerationCancelled, Generator, load_model_file
from rnnmusic.errors import ConfigError
from rnnmusic.notes import NoteSequence, TempoChange


def _key(note):
    return note.pitch, round(note.start, 6), round(note.end, 6)


@pytest.mark.parametrize("name", ["melody", "polyphony", "performance", "drums"])
def test_streamed_notes_are_exactly_the_takes_continuations(generators, name):
    generator = generators[name]
    options = GenerateOptions(bars=4, num=3, seed=8)
    events = list(generator.stream(SEEDS[name](), options))
    assert events[-1].kind == "done"
    takes = events[-1].takes
    direct = generator.generate(SEEDS[name](), options)
    assert all(a.same_music(b) for a, b in zip(takes.sequences, direct.sequences))
    for index, take in enumerate(takes.sequences):
        streamed = sorted(_key(e.note) for e in events if e.kind == "note" and e.variation == index)
        expected = sorted(_key(n) for n in take.iter_notes() if n.start >= takes.continuation_start - 1e-6)
        assert streamed == expected and len(streamed) > 0
    progress = [e.progress for e in events if e.kind == "progress"]
    assert progress == sorted(progress) and progress[-1] == pytest.approx(1.0)
    first_note = next(i for i, e in enumerate(events) if e.kind == "note")
    assert first_note < len(events) // 2  # notes arrive while sampling goes on, not all at the end


def test_stream_cancellation(generators):
    cancel = threading.Event()
    events = generators["melody"].stream(melody_seed(), GenerateOptions(bars=8, seed=1), cancel=cancel)
    seen = 0
    with pytest.raises(GenerationCancelled):
        for _event in events:
            seen += 1
            if seen == 5:
                cancel.set()
    assert seen >= 5


def test_stream_with_beam_search_gives_its_notes_at_the_end(generators):
    options = GenerateOptions(bars=1, num=2, seed=3, beam_size=2, branch_factor=2)
    events = list(generators["melody"].stream(melody_seed(), options))
    assert events[-1].kind == "done" and {e.variation for e in events if e.kind == "note"} == {0, 1}


def _chunks(stream, count: int, beats: float = 4.0):
    chunks = []
    for _ in range(count):
        start = stream.position
        notes = stream.next_notes(beats)
        assert all(start - 1e-9 <= n.start < start + beats for n in notes)
        assert [n.start for n in notes] == sorted(n.start for n in notes)
        chunks.append(notes)
    return chunks


def test_open_stream_plays_what_generate_plays(generators):
    generator = generators["melody"]
    seed = melody_seed()  # 100 qpm: a quarter note is 0.6 s
    stream = generator.open_stream(seed, GenerateOptions(seed=4))
    notes = [n for chunk in _chunks(stream, 6, beats=3.0) for n in chunk]  # six bars of 3/4
    take = generator.generate(seed, GenerateOptions(bars=6, seed=4))
    start = take.continuation_start
    expected = [(n.pitch, round((n.start - start) / 0.6, 6), round((n.end - start) / 0.6, 6))
                for n in take.sequences[0].iter_notes() if n.start >= start - 1e-6]
    got = [(n.pitch, round(n.start, 6), round(n.end, 6)) for n in notes]
    assert got[:-1] == expected[:-1]  # the take's last note is cut at its end; the stream's need not be
    assert got[-1][:2] == expected[-1][:2]


def test_open_stream_is_deterministic_resets_and_never_re_reads_the_past(model_paths):
    model = load_model_file(model_paths["polyphony"])
    shapes = []
    run = model.run

    def recording(ids, state):
        shapes.append(ids.shape)
        return run(ids, state)

    model.run = recording
    generator = Generator(model)
    stream = generator.open_stream(SEEDS["polyphony"](), GenerateOptions(seed=9, max_polyphony=3))
    first = _chunks(stream, 12)
    assert shapes[0][1] > 1 and all(shape == (1, 1) for shape in shapes[1:])  # one prefill, then single steps
    stream.reset()
    assert stream.position == 0.0
    assert [[(n.pitch, n.start) for n in c] for c in _chunks(stream, 12)] == \
        [[(n.pitch, n.start) for n in c] for c in first]
    other = generator.open_stream(SEEDS["polyphony"](), GenerateOptions(seed=9, max_polyphony=3))
    assert [n.start for n in other.next_notes(4)] == [n.start for n in first[0]]


def test_notes_are_cut_at_the_maximum_length(generators):
    stream = generators["performance"].open_stream(SEEDS["performance"](), GenerateOptions(seed=2))
    stream.max_note_beats = 2.0
    notes = [n for chunk in _chunks(stream, 20) for n in chunk]
    assert len(notes) > 10 and max(n.end - n.start for n in notes) <= 2.0 + 1e-6
    assert all(n.end > n.start for n in notes)


def test_set_options_takes_effect_for_the_next_notes(generators):
    stream = generators["melody"].open_stream(melody_seed(), GenerateOptions(seed=5, temperature=1.5))
    free = [n.pitch for chunk in _chunks(stream, 4) for n in chunk]
    assert any(p % 12 in (1, 3, 6, 8, 10) for p in free)
    stream.set_options(key="C:major", temperature=0.8)
    _chunks(stream, 1)  # the lookahead sampled before the change may still finish a note
    keyed = [n.pitch for chunk in _chunks(stream, 4) for n in chunk]
    assert keyed and all(p % 12 not in (1, 3, 6, 8, 10) for p in keyed)
    with pytest.raises(ConfigError, match="cannot change num"):
        stream.set_options(num=2)
    with pytest.raises(ConfigError, match="temperature"):
        stream.set_options(temperature=-1)


def test_prime_continues_from_what_the_player_played(generators):
    generator = generators["melody"]
    phrase = melody_seed()  # six beats
    primed = generator.open_stream(None, GenerateOptions(seed=6))
    primed.prime(phrase)
    assert primed.position == pytest.approx(6.0)
    after_prime = primed.next_notes(6.0)
    assert all(n.start >= 6.0 for n in after_prime)
    seeded = generator.open_stream(phrase, GenerateOptions(seed=6))
    expected = [(n.pitch, round(n.start, 6)) for n in seeded.next_notes(6.0)]
    assert [(n.pitch, round(n.start - 6.0, 6)) for n in after_prime] == expected and expected


def test_prime_after_playing_rolls_back_the_lookahead(generators):
    stream = generators["melody"].open_stream(melody_seed(), GenerateOptions(seed=7))
    _chunks(stream, 3)
    assert stream.position == pytest.approx(12.0)
    stream.prime(melody_seed())
    assert stream.position == pytest.approx(18.0)
    notes = stream.next_notes(4.0)
    assert all(18.0 - 1e-9 <= n.start < 22.0 for n in notes)


def test_a_long_stream_keeps_its_decoding_window_small(generators):
    stream = generators["drums"].open_stream(SEEDS["drums"](), GenerateOptions(seed=1))
    _chunks(stream, 150)
    assert stream.position == pytest.approx(600.0)
    assert len(stream._decoder.window) < 1200  # 2,400 tokens were sampled


def test_streams_refuse_variations_and_beams(generators):
    with pytest.raises(ConfigError, match="one line"):
        generators["melody"].open_stream(None, GenerateOptions(num=2))
    with pytest.raises(ConfigError, match="beats"):
        generators["melody"].open_stream(None, GenerateOptions()).next_notes(0)


@pytest.mark.parametrize("name", ["melody", "polyphony", "performance", "drums"])
def test_a_primed_phrase_lasts_until_its_end_not_its_last_note(generators, name):
    phrase = SEEDS[name]()
    beats = phrase.total_time * phrase.qpm / 60.0
    longer = phrase.evolve(total_time=phrase.total_time + 2 * 60.0 / phrase.qpm)  # two beats of silence after
    # a stream counts quarter notes at its seed's tempo (what matters for performance, timed in seconds)
    at_tempo = NoteSequence(tempos=(TempoChange(0.0, phrase.qpm),))
    stream = generators[name].open_stream(at_tempo, GenerateOptions(seed=1))
    stream.prime(longer)
    assert stream.position == pytest.approx(beats + 2.0, abs=0.01)
    assert all(n.start >= beats + 2.0 - 0.01 for n in stream.next_notes(4.0))


def test_streamed_notes_of_a_continuation_only_take_are_where_the_take_has_them(generators):
    seed = melody_seed()
    seed = seed.with_notes(seed.notes[:-1])  # ends a beat before the bar line
    options = GenerateOptions(bars=2, seed=4, continuation_only=True)
    events = list(generators["melody"].stream(seed, options))
    take = events[-1].takes.sequences[0]
    streamed = sorted((e.note.pitch, round(e.note.start, 6)) for e in events if e.kind == "note")
    assert streamed and set(streamed) <= {(n.pitch, round(n.start, 6)) for n in take.iter_notes()}
    assert min(s for _, s in streamed) >= 1.2 - 1e-6  # the continuation starts on the bar's third beat

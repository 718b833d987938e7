"""Regions: fill bars between two sections, continue from any bar (rnnmusic.engine.region_fill).

The pieces are made by hand, so where every bar line falls and which notes cross it is known;
the models are real ONNX files exported from small torch models (tests/model_factory.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from model_factory import BAND_BAR as BAR
from model_factory import BAND_BASS as BASS_TRACK
from model_factory import BAND_DRUMS as DRUM_TRACK
from model_factory import BAND_MELODY as MELODY_TRACK
from model_factory import band_piece, make_model

from rnnmusic.encodings import get_encoding
from rnnmusic.engine import GenerateOptions, Generator, load_model_file
from rnnmusic.engine.provenance import Provenance
from rnnmusic.engine.region_plan import plan_region
from rnnmusic.engine.region_spec import RegionSpec, parse_bars
from rnnmusic.engine.sampling import Sampler
from rnnmusic.engine.session import DecodingSession
from rnnmusic.engine.token_loop import RowEnds
from rnnmusic.errors import ConfigError
from rnnmusic.notes import NoteSequence, TempoChange, TimeSignature, make_notes


@pytest.fixture(scope="module")
def melody_generator(tmp_path_factory) -> Generator:
    path = make_model(tmp_path_factory.mktemp("regions") / "melody.onnx", "melody", seed=5)
    return Generator(load_model_file(path))


@pytest.fixture(scope="module")
def context_generator(tmp_path_factory) -> Generator:
    path = make_model(tmp_path_factory.mktemp("regions") / "melody-context.onnx", "melody", seed=6, context=True)
    return Generator(load_model_file(path))


def _notes_equal(a: np.ndarray, b: np.ndarray) -> bool:
    order = lambda n: n[np.lexsort((n["track"], n["pitch"], n["start"]))]  # noqa: E731
    return len(a) == len(b) and bool(np.array_equal(order(a), order(b)))


def _fill(track: int, start_bar: int, end_bar: int | None, **region) -> RegionSpec:
    return RegionSpec(start_bar, end_bar, tracks=(track,), **region)


# -- where a region lies -------------------------------------------------------------------------

def test_a_plan_finds_the_bar_lines_and_cuts_the_piece_at_them():
    piece = band_piece()
    plan = plan_region(piece, _fill(MELODY_TRACK, 5, 9), get_encoding("melody"))
    assert plan.bars == 12 and (plan.start, plan.end) == (8.0, 16.0)
    before = plan.before.notes
    assert set(before["track"]) == {MELODY_TRACK} and before["start"].max() < 8.0
    held = before[before["start"] == 7.5]
    assert len(held) == 1 and held["end"][0] == 8.0  # the note held into bar 5 ends at its bar line
    assert plan.before.total_time == 8.0
    after = plan.after.notes
    # the lookahead, bars 9-12 moved to 0; its first beat was the note held from bar 8, which starts in the
    # region and so is the region's own
    assert after["start"].min() == 0.5 and after["start"].max() < 4 * BAR
    assert not len(plan.outside[(plan.outside["track"] == MELODY_TRACK) & (plan.outside["start"] == 15.5)])
    kept = plan.outside
    assert _notes_equal(kept[kept["track"] != MELODY_TRACK], piece.notes[piece.notes["track"] != MELODY_TRACK])
    assert kept[kept["track"] == MELODY_TRACK]["start"].min() == 16.5


def test_bar_lines_follow_the_meter_map_and_the_tempo_map():
    # two bars of 3/4 at 60 (3 s each), then 4/4 at 120 (2 s a bar)
    notes = make_notes([(60, 80, t, t + 0.4, 0, False, 0) for t in np.arange(0, 14, 0.5)])
    piece = NoteSequence(notes=notes, tempos=(TempoChange(0.0, 60.0), TempoChange(6.0, 120.0)),
                         time_signatures=(TimeSignature(0.0, 3, 4), TimeSignature(6.0, 4, 4)), total_time=14.0)
    plan = plan_region(piece, RegionSpec(2, 4), get_encoding("melody"))
    assert (plan.start, plan.end) == (3.0, 8.0) and plan.bars == 6


@pytest.mark.parametrize("spec, problem", [
    (RegionSpec(11, 14, tracks=(0,)), "has 12 bars; the region must end by bar 12"),
    (RegionSpec(14, None, tracks=(0,)), "continue from bar 13 at the latest"),
    (RegionSpec(5, 9, tracks=(7,)), "has no track 7 (its tracks: 0, 1, 2)"),
    (RegionSpec(5, 9, tracks=(DRUM_TRACK,)), "track 2 of band.mid holds no pitched notes"),
])
def test_a_region_the_piece_does_not_have_is_refused_with_one_line(spec, problem):
    with pytest.raises(ConfigError, match="region ") as error:
        plan_region(band_piece(), spec, get_encoding("melody"))
    assert problem in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("text, problem", [("8-5", "reversed"), ("0-3", "counted from 1"), ("a-b", "FIRST-LAST"),
                                           ("1-2-3", "FIRST-LAST")])
def test_bar_ranges_are_read_as_a_musician_writes_them(text, problem):
    assert parse_bars("5-8") == (5, 9) and parse_bars("6") == (6, 7)
    with pytest.raises(ConfigError, match=problem):
        parse_bars(text)


def test_an_empty_or_reversed_region_is_refused():
    with pytest.raises(ConfigError, match="empty or reversed"):
        RegionSpec(5, 5)
    with pytest.raises(ConfigError, match="method"):
        RegionSpec(5, 9, method="beam")


# -- the takes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["sir", "best", "first"])
def test_a_fill_keeps_everything_outside_the_region_note_for_note(melody_generator, method):
    piece = band_piece()
    options = GenerateOptions(num=2, seed=4, region=_fill(MELODY_TRACK, 5, 9, method=method, candidates=6))
    takes = melody_generator.generate(piece, options)
    assert len(takes.sequences) == 2 and takes.continuation_start == 8.0
    original = piece.notes
    for take in takes.sequences:
        notes = take.notes
        assert take.tempos == piece.tempos and take.time_signatures == piece.time_signatures
        others = notes[notes["track"] != MELODY_TRACK]
        assert _notes_equal(others, original[original["track"] != MELODY_TRACK])  # bass and drums untouched
        tune = notes[notes["track"] == MELODY_TRACK]
        kept_after = original[(original["track"] == MELODY_TRACK) & (original["start"] >= 16.0)]
        assert _notes_equal(tune[tune["start"] >= 16.0], kept_after)
        kept_before = original[(original["track"] == MELODY_TRACK) & (original["start"] < 7.5)]
        assert _notes_equal(tune[tune["start"] < 7.5], kept_before)
        new = tune[(tune["start"] >= 8.0) & (tune["start"] < 16.0)]
        assert len(new) and (new["end"] <= 16.0 + 1e-9).all()  # nothing sounds into the kept bars
        assert (new["program"] == 40).all()  # the region track's instrument
        crossing = tune[tune["start"] == 7.5]  # the note held into bar 5: cut at its bar line or held on
        assert len(crossing) == 1 and 8.0 - 1e-9 <= crossing["end"][0] <= 16.0
        # a monophonic line stays one: no fill note starts under another (no doubling at the joins)
        line = tune[np.argsort(tune["start"], kind="stable")]
        assert (line["start"][1:] >= line["end"][:-1] - 1e-6).all()


def test_best_keeps_the_candidate_whose_following_bars_the_model_finds_most_likely(melody_generator):
    piece = band_piece()
    every = melody_generator.generate(piece, GenerateOptions(
        num=8, seed=9, region=_fill(MELODY_TRACK, 5, 9, method="first")))
    best = melody_generator.generate(piece, GenerateOptions(
        num=1, seed=9, region=_fill(MELODY_TRACK, 5, 9, method="best", candidates=8)))
    assert len(every.lookahead_logp) == 8 and every.lookahead_tokens == 64  # bars 9-12: 4 x 16 sixteenths
    assert best.lookahead_logp[0] == pytest.approx(max(every.lookahead_logp))
    winner = int(np.argmax(every.lookahead_logp))
    assert np.array_equal(best.tokens[0], every.tokens[winner])


@pytest.mark.parametrize("generator_name", ["melody_generator", "context_generator"])
def test_scores_from_the_rows_ends_equal_reading_each_fill_again(request, generator_name):
    generator = request.getfixturevalue(generator_name)
    piece = band_piece()
    spec = _fill(MELODY_TRACK, 5, 9)
    options = GenerateOptions(seed=2).with_seed().for_model(generator.model.info.sampling)
    plan = plan_region(piece, spec, generator.encoding)
    from rnnmusic.engine.region_fill import lookahead_ids
    from rnnmusic.engine.session import prime

    primed = prime(generator.model, plan.before, options, to_its_end=True)
    session = DecodingSession(generator.model, primed, options, 5)
    out = session.token_buffer(64)
    ends = RowEnds(session.batch)
    count = 0
    for count in session.sample(64, out, feed_last=True, ends=ends):  # noqa: B007
        pass
    fills = session.continuations(out, count, 64)
    after = lookahead_ids(generator.model, plan)
    from_ends = session.score(ends, after)
    reread = session.score(session.ends_after(fills), after)
    assert np.allclose(from_ends, reread, atol=1e-3) and np.all(from_ends < 0)


def test_continue_from_a_bar_drops_what_followed_on_the_region_tracks_only(melody_generator):
    piece = band_piece()
    options = GenerateOptions(bars=2, seed=1, region=RegionSpec(7, None, tracks=(MELODY_TRACK,)))
    take = melody_generator.generate(piece, options).sequences[0]
    tune = take.notes[take.notes["track"] == MELODY_TRACK]
    assert tune["start"].max() < 16.0 and (tune["start"] >= 12.0).any()  # bars 7-8 new, then nothing
    original = piece.notes
    assert _notes_equal(take.notes[take.notes["track"] != MELODY_TRACK], original[original["track"] != MELODY_TRACK])


def test_a_region_take_replays_from_its_record(melody_generator):
    piece = band_piece()
    options = GenerateOptions(num=1, seed=21, region=_fill(MELODY_TRACK, 3, 5, candidates=4))
    first = melody_generator.generate(piece, options)
    record = Provenance("melody", "hash", first.options, seed_file="band.mid")
    read = Provenance.from_text(record.to_text())
    assert read is not None and read.options.region == options.region
    again = melody_generator.generate(piece, read.options)
    assert first.sequences[0].same_music(again.sequences[0])


def test_a_take_without_a_region_records_what_it_did_before_regions():
    assert "region" not in GenerateOptions(seed=1).to_dict()
    with_region = GenerateOptions(seed=1, region=RegionSpec(2, 4)).to_dict()
    assert with_region["region"]["start_bar"] == 2 and GenerateOptions.from_dict(with_region).region == RegionSpec(2, 4)


@pytest.mark.parametrize("name", ["polyphony", "performance", "drums"])
def test_every_encoding_fills_a_region_and_keeps_the_rest(generators, name):
    piece = band_piece(8)
    track = DRUM_TRACK if name == "drums" else BASS_TRACK
    options = GenerateOptions(num=2, seed=3, region=_fill(track, 3, 5, candidates=4, lookahead_bars=2))
    takes = generators[name].generate(piece, options)
    original = piece.notes
    for take in takes.sequences:
        notes = take.notes
        mine = notes[notes["track"] == track]
        assert _notes_equal(notes[notes["track"] != track], original[original["track"] != track])
        after = original[(original["track"] == track) & (original["start"] >= 8.0)]
        assert _notes_equal(mine[mine["start"] >= 8.0], after)
        new = mine[(mine["start"] >= 4.0) & (mine["start"] < 8.0)]
        assert (new["end"] <= 8.0 + 1e-9).all()
    assert len(takes.lookahead_logp) == 2 and all(np.isfinite(takes.lookahead_logp))


# -- the weighted draw ----------------------------------------------------------------------------

def test_the_weighted_draw_follows_the_weights_and_never_repeats_an_index():
    sampler = Sampler(7)
    weights = np.array([0.0, -np.inf, np.log(3.0)])
    firsts = [int(sampler.draw_weighted(weights, 1)[0]) for _ in range(4000)]
    assert 1 not in firsts and abs(firsts.count(2) / 4000 - 0.75) < 0.03
    both = sampler.draw_weighted(weights, 3)
    assert sorted(both.tolist()) == [0, 1, 2] and both[-1] == 1  # the weightless one comes last

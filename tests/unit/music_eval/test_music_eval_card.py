"""The model card's musical-evaluation section, from a real evaluation of a tiny model."""

from __future__ import annotations

import json

from rnnmusic.music_eval import evaluate_music
from rnnmusic.music_eval.table import markdown, plain
from rnnmusic.training.recipes.card import music_eval_section
from rnnmusic.training.recipes.measure import measure_music


def test_card_section_holds_the_table(tiny):
    model, data, _ = tiny
    result = evaluate_music(model, data, seed_bars=2, bars=4, samples=1).to_dict()
    text = "\n".join(music_eval_section(result))
    assert text.startswith("## Musical evaluation")
    assert markdown(result) in text
    assert "| bars repeated exactly | " in text and "| model | real | copy seed | random in key |" in text
    assert "onsets per beat unit in 4/4" in text


def test_table_rows_line_up(tiny):
    model, data, _ = tiny
    result = evaluate_music(model, data, seed_bars=2, bars=4, samples=1)
    lines = plain(result).splitlines()
    assert len({len(line) for line in lines}) == 1  # a plain table with aligned columns
    assert len(markdown(result).splitlines()) == len(lines) + 1  # plus the markdown rule


def test_measure_music_says_why_when_nothing_can_be_measured(tiny, tmp_path):
    model, data, _ = tiny
    result, why = measure_music(model, data, tmp_path / "music.json")  # 4 + 16 bars: the tunes are 12 long
    assert result is None and "shorter than the seed" in why
    assert "Not measured: " in "\n".join(music_eval_section(None, why))
    assert not (tmp_path / "music.json").exists()


def test_measure_music_writes_the_json(tiny, tmp_path):
    model, data, _ = tiny
    result, why = measure_music(model, data, tmp_path / "music.json", seed_bars=2, bars=4, samples=1)
    assert why == "" and json.loads((tmp_path / "music.json").read_text()) == result


def test_the_summary_names_the_options_that_differ_from_the_defaults():
    from rnnmusic.engine import GenerateOptions
    from rnnmusic.music_eval.table import option_text

    assert option_text(GenerateOptions(bars=16, num=4, seed=3).to_dict()) == "the engine's defaults"
    assert option_text(GenerateOptions(temperature=0.9, top_p=0.95).to_dict()) == "temperature=0.9, top_p=0.95"

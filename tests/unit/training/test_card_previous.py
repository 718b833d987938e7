"""The card's comparison with the model a recipe run replaced."""

from __future__ import annotations

from rnnmusic.training.recipes.card import previous_section


def column(bar_repetition, parallels):
    return {"bar_repetition": bar_repetition, "parallels": parallels}


def test_the_comparison_puts_both_models_and_the_real_music_side_by_side():
    evals = {"float_valid": {"per_token": 0.41}, "float_test": {"per_token": 0.42}}
    music = {"systems": {"model": column(0.5, 0.01), "real": column(0.54, 0.003)}}
    before = {"systems": {"model": column(0.003, 0.09), "real": column(0.54, 0.003)}}
    lines = previous_section({"nll": {"valid": 0.52, "test": 0.5}, "music_eval": before}, evals, music)
    text = "\n".join(lines)
    assert "| test NLL per token (nats) | 0.4200 | 0.5000 | |" in text
    assert "| bars repeated exactly | 50.0% | 0.3% | 54.0% |" in text
    assert "| parallel 5ths/8ves per moving pair | 0.010 | 0.090 | 0.003 |" in text
    assert previous_section(None, evals, music) == []
    only_nll = "\n".join(previous_section({"nll": {"valid": 0.52, "test": 0.5}, "music_eval": None}, evals, music))
    assert "| valid NLL per token (nats) | 0.4100 | 0.5200 |" in only_nll and "real music" not in only_nll

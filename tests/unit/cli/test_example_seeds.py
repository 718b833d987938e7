"""The example seeds: shipped in the wheel as package data, found by name however it is written."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest
import tomllib

from rnnmusic.errors import ConfigError
from rnnmusic.example_seeds import examples_dir, find_example, list_examples

ROOT = Path(__file__).resolve().parents[3]


def test_the_wheel_carries_every_example_seed():
    # pyproject installs examples/ as rnnmusic.examples with its MIDI files, as models/ is rnnmusic.models
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert tool["package-dir"]["rnnmusic.examples"] == "examples" and "rnnmusic.examples" in tool["packages"]
    patterns = tool["package-data"]["rnnmusic.examples"]
    seeds = sorted(p.name for p in (ROOT / "examples").glob("*.mid"))
    assert seeds == ["seed_chorale.mid", "seed_folk.mid"]
    assert all(any(fnmatch.fnmatch(name, pattern) for pattern in patterns) for name in seeds)
    assert examples_dir() == ROOT / "examples"  # this editable install reads the same folder


@pytest.mark.parametrize("written", ["folk", "FOLK", " Folk ", "seed_folk", "seed_folk.mid", "SEED_FOLK.MID"])
def test_an_example_is_found_however_its_name_is_written(written):
    assert find_example(written).path == ROOT / "examples" / "seed_folk.mid"


def test_an_unknown_example_names_the_known_ones_and_the_nearest():
    with pytest.raises(ConfigError, match=r"no example seed named 'fokl'; did you mean 'folk'\? "
                                          r"\(examples: chorale, folk; see `rnnmusic examples`\)"):
        find_example("fokl")
    with pytest.raises(ConfigError) as far:
        find_example("symphony")
    assert "did you mean" not in str(far.value)


def test_each_example_says_what_it_is():
    descriptions = {e.name: e.description() for e in list_examples()}
    assert "bwv381" in descriptions["chorale"] and "oneills1850" in descriptions["folk"]

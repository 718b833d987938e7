"""A control map with values of the wrong JSON type is refused with one line, never a traceback."""

from __future__ import annotations

import pytest

from rnnmusic.cli.main import main

WRONG_TYPES = [
    ('{"version": "2", "controls": []}', "version must be a whole number"),
    ('{"version": null, "controls": []}', "version must be a whole number"),
    ('{"controls": [{"action": "temperature", "cc": true}]}', "cc must be a controller number"),
    ('{"controls": [{"action": "mute", "cc": 21, "channel": false}]}', "channel must be 0-15"),
    ('{"controls": [{"action": "temperature", "cc": 21, "low": true}]}', "low must be a number"),
    ('{"controls": [{"action": "temperature", "cc": 21, "high": "2"}]}', "high must be a number"),
]


@pytest.mark.parametrize("content, words", WRONG_TYPES)
def test_live_refuses_a_map_of_wrong_types_with_one_line(tmp_path, capsys, content, words):
    path = tmp_path / "controls.json"
    path.write_text(content)
    assert main(["live", "--cc-map", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"rnnmusic live: error: {path}: ") and words in err[0], err


@pytest.mark.parametrize("where, words", [("/proc/controls.json", "cannot be written"),
                                          ("{tmp}", "is a folder"), ("{tmp}/map.txt", "must end .json"),
                                          ("{tmp}/notes.json", "exists and is not a control map")])
def test_learn_refuses_a_map_file_it_could_not_save_before_learning(tmp_path, capsys, where, words):
    (tmp_path / "notes.json").write_text('["my notes"]')
    path = where.format(tmp=tmp_path)
    assert main(["live", "--learn", "--cc-map", path]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"rnnmusic live: error: {path}: ") and words in err[0], err
    assert (tmp_path / "notes.json").read_text() == '["my notes"]'

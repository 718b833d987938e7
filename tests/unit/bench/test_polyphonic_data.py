"""Reading the benchmark JSON as it is, and the two views of a piece (roll, tokens)."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from rnnmusic.training.bench.polyphonic_data import (
    ENV_VAR,
    DataError,
    data_dir,
    from_roll,
    load_polyphonic,
    polyphony_encoding,
    to_ids,
    to_roll,
)

PIECE = [(60, 64, 67), (), (21, 108), (60, 64, 67)]


def _write(folder, name, content) -> None:
    with gzip.open(folder / f"{name}.json.gz", "wt", encoding="utf-8") as handle:
        json.dump(content, handle)


def test_loads_splits_as_tuples(tmp_path):
    _write(tmp_path, "jsb_chorales", {"train": [[[60, 64], []]], "valid": [[[62]]], "test": [[[21], [108]]]})
    splits = load_polyphonic("jsb_chorales", tmp_path)
    assert splits["train"] == [[(60, 64), ()]]
    assert splits["test"] == [[(21,), (108,)]]


def test_env_var_names_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert data_dir() == tmp_path


def test_missing_file_names_the_path_and_the_fix(tmp_path):
    with pytest.raises(DataError, match=rf"nottingham.json.gz: not found; set {ENV_VAR}"):
        load_polyphonic("nottingham", tmp_path)


@pytest.mark.parametrize("frame", [[20], [109], [64, 60], [60, 60]])
def test_frames_outside_the_documented_format_are_refused(tmp_path, frame):
    _write(tmp_path, "musedata", {"train": [[[60], frame]], "valid": [], "test": []})
    with pytest.raises(DataError, match="musedata.json.gz: train piece 0 frame 1"):
        load_polyphonic("musedata", tmp_path)


def test_roll_round_trip():
    roll = to_roll(PIECE)
    assert roll.shape == (4, 88) and roll.dtype == np.float32
    assert roll[2, 0] == 1 and roll[2, 87] == 1 and roll.sum() == 8
    assert from_roll(roll) == PIECE


def test_tokens_round_trip_and_follow_the_grammar():
    encoding = polyphony_encoding()
    ids = to_ids(PIECE, encoding)
    assert ids[0] == 0  # bos, read first so the first frame is scored from the initial state
    assert encoding.is_valid(ids[1:])
    assert [tuple(f) for f in encoding.decode_frames(ids)] == PIECE
    assert len(ids) == 1 + 8 + len(PIECE)  # bos, one token per sounding pitch, one step_end per frame

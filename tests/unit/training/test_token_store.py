"""The one writer of token dataset folders, read back by the pipeline's reader."""

from __future__ import annotations

import numpy as np
import pytest

from rnnmusic.encodings import BOS_ID, get_encoding
from rnnmusic.evaluate import MANIFEST, open_split, read_manifest
from rnnmusic.training.token_store import write_token_dataset


def _pieces(encoding, *lengths):
    rng = np.random.default_rng(sum(lengths))
    return [rng.integers(1, encoding.vocab_size, size=n) for n in lengths]


def test_lists_and_streamed_pieces_write_the_same_folder(tmp_path):
    encoding = get_encoding("melody")
    splits = {"train": _pieces(encoding, 5, 1, 9), "valid": _pieces(encoding, 3), "test": []}
    listed = write_token_dataset(tmp_path / "a", encoding, splits, source="here", license="MIT", content_hash="x")
    streamed = write_token_dataset(tmp_path / "b", encoding,
                                   {k: ([len(p) for p in v], iter(v)) for k, v in splits.items()},
                                   source="here", license="MIT", content_hash="x", files=[])
    assert listed["splits"] == streamed["splits"] and streamed["files"] == []
    for split, pieces in splits.items():
        read = open_split(tmp_path / "b", split)
        assert read.pieces == len(pieces)
        for i, ids in enumerate(pieces):
            assert read.piece(i)[0] == BOS_ID and np.array_equal(read.piece(i)[1:], ids)
    assert read_manifest(tmp_path / "a")["splits"]["train"]["stored_tokens"] == 5 + 1 + 9 + 3


def test_a_piece_shorter_than_announced_stops_before_any_manifest_is_written(tmp_path):
    encoding = get_encoding("melody")
    splits = {"train": ([4, 4], iter(_pieces(encoding, 4, 2))), "valid": [], "test": []}
    with pytest.raises(ValueError, match="2 tokens where 4"):
        write_token_dataset(tmp_path, encoding, splits, source="here", license="MIT", content_hash="x")
    assert not (tmp_path / MANIFEST).exists()

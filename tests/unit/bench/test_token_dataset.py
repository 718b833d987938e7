"""The benchmark written in the pipeline's dataset format, read back by the pipeline's reader."""

from __future__ import annotations

import numpy as np

from rnnmusic.evaluate import manifest_encoding, open_split, read_manifest
from rnnmusic.training.bench.polyphonic_data import polyphony_encoding, to_ids
from rnnmusic.training.bench.token_dataset import write_benchmark_dataset

SPLITS = {"train": [[(60, 64), (), (62,)], [(21, 108)]], "valid": [[(60,)]], "test": [[(), (), (67, 72)]]}


def test_pipeline_reads_back_every_piece_and_counts_frames_as_steps(tmp_path):
    write_benchmark_dataset(SPLITS, tmp_path, "jsb_chorales", root=tmp_path)
    manifest = read_manifest(tmp_path)
    assert manifest_encoding(manifest).config_json() == polyphony_encoding().config_json()
    encoding = polyphony_encoding()
    for split, pieces in SPLITS.items():
        tokens = open_split(tmp_path, split, manifest)
        assert tokens.pieces == len(pieces)
        for i, piece in enumerate(pieces):
            assert np.array_equal(tokens.piece(i), to_ids(piece, encoding))
        assert manifest["splits"][split]["time"] == sum(len(p) for p in pieces)  # one step per frame


def test_content_hash_follows_the_content(tmp_path):
    first = write_benchmark_dataset(SPLITS, tmp_path / "a", "jsb_chorales", root=tmp_path)
    fewer = {**SPLITS, "train": SPLITS["train"][:1]}
    second = write_benchmark_dataset(fewer, tmp_path / "b", "jsb_chorales", root=tmp_path)
    assert first["content_hash"] != second["content_hash"]

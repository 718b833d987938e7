"""The split is a function of each file's bytes: same on every machine, order, folder layout and job count."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np

from rnnmusic.progress import ProgressLine
from rnnmusic.training.dataset import build_dataset, split_of
from rnnmusic.training.toy_corpus import write_toy_corpus

SPLITS = ("train", "valid", "test")


def build(src, out, jobs):
    return build_dataset(src, out, "melody", jobs=jobs, valid_fraction=0.2, test_fraction=0.2,
                         progress=ProgressLine(enabled=False))


def arrays(folder):
    return {s: (np.load(folder / f"{s}_tokens.npy"), np.load(folder / f"{s}_offsets.npy")) for s in SPLITS}


def test_same_split_and_bytes_whatever_the_names_order_and_jobs(tmp_path):
    paths = write_toy_corpus(tmp_path / "one", files=30, seed=7, notes=16)
    # the same files renamed (reversing their name order) and scattered over subfolders
    for i, path in enumerate(paths):
        target = tmp_path / "two" / f"d{i % 3}" / f"{999 - i}.MID"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    a = build(tmp_path / "one", tmp_path / "a", jobs=1)
    b = build(tmp_path / "two", tmp_path / "b", jobs=2)
    assert a["content_hash"] == b["content_hash"]
    split_a = {f["sha256"]: f["split"] for f in a["files"]}
    split_b = {f["sha256"]: f["split"] for f in b["files"]}
    assert split_a == split_b
    assert {s for s in split_a.values()} == set(SPLITS)  # 30 files at 60/20/20 fill every split
    for s in SPLITS:
        assert np.array_equal(arrays(tmp_path / "a")[s][0], arrays(tmp_path / "b")[s][0])
        assert np.array_equal(arrays(tmp_path / "a")[s][1], arrays(tmp_path / "b")[s][1])


def test_split_depends_on_the_hash_alone_with_fixed_values():
    # pinned values: changing the rule would silently move files between splits on existing datasets
    assert split_of("0" * 64, 0.05, 0.05) == "test"
    assert split_of("0f" + "0" * 62, 0.05, 0.05) == "valid"  # 0x0f/256 = 0.059
    assert split_of("ff" * 32, 0.05, 0.05) == "train"
    sha = hashlib.sha256(b"a tune").hexdigest()
    assert {split_of(sha, 0.05, 0.05) for _ in range(3)} == {split_of(sha, 0.05, 0.05)}
    # shares: over many hashes, close to the requested fractions
    draws = [split_of(hashlib.sha256(str(i).encode()).hexdigest(), 0.1, 0.2) for i in range(20000)]
    assert abs(draws.count("valid") / 20000 - 0.1) < 0.01 and abs(draws.count("test") / 20000 - 0.2) < 0.01


def test_duplicates_land_once_in_one_split(tmp_path):
    paths = write_toy_corpus(tmp_path / "src", files=8, seed=2, notes=16)
    for path in paths:
        shutil.copy(path, tmp_path / "src" / f"copy_{path.name}")
    manifest = build(tmp_path / "src", tmp_path / "data", jobs=2)
    assert len(manifest["files"]) == 8 and len(manifest["duplicates"]) == 8
    assert sum(manifest["splits"][s]["pieces"] for s in SPLITS) == 8

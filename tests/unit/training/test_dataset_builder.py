"""`rnnmusic dataset build` on real MIDI files, good and broken."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from support import require

import rnnmusic.training.dataset as dataset_module
from rnnmusic.cli.main import main
from rnnmusic.encodings import BOS_ID, get_encoding
from rnnmusic.errors import ConfigError
from rnnmusic.evaluate import open_split, read_manifest
from rnnmusic.midi.read import read_midi
from rnnmusic.midi.write import write_midi
from rnnmusic.notes import NoteSequence
from rnnmusic.progress import ProgressLine
from rnnmusic.training.dataset import build_dataset
from rnnmusic.training.toy_corpus import write_toy_corpus

QUIET = ProgressLine(enabled=False)


@pytest.fixture
def mixed_folder(tmp_path):
    """Good tunes in nested folders with odd-case suffixes, a duplicate, and four kinds of broken file."""
    src = tmp_path / "src"
    write_toy_corpus(src / "a", files=6, seed=5, notes=24)
    (src / "b" / "c").mkdir(parents=True)
    shutil.move(src / "a" / "tune_004.mid", src / "b" / "c" / "UPPER.MIDI")
    shutil.move(src / "a" / "tune_005.mid", src / "b" / "Mixed.Mid")
    shutil.copy(src / "a" / "tune_000.mid", src / "b" / "copy_of_0.mid")
    (src / "b" / "not_midi.mid").write_text("hello")
    (src / "b" / "empty.mid").write_bytes(b"")
    (src / "b" / "truncated.mid").write_bytes((src / "a" / "tune_001.mid").read_bytes()[:30])
    write_midi(NoteSequence(), src / "b" / "silent.mid")
    (src / "b" / "notes.txt").write_text("not scanned")
    return src


def test_good_files_are_kept_and_broken_ones_listed_while_the_run_goes_on(mixed_folder, tmp_path):
    manifest = build_dataset(mixed_folder, tmp_path / "data", "melody", jobs=2, progress=QUIET)
    kept = {f["path"] for f in manifest["files"]}
    assert kept == {"a/tune_000.mid", "a/tune_001.mid", "a/tune_002.mid", "a/tune_003.mid",
                    "b/c/UPPER.MIDI", "b/Mixed.Mid"}
    assert manifest["duplicates"] == [{"path": "b/copy_of_0.mid", "same_as": "a/tune_000.mid"}]
    reasons = {s["path"]: s["reason"] for s in manifest["skipped"]}
    assert set(reasons) == {"b/not_midi.mid", "b/empty.mid", "b/truncated.mid", "b/silent.mid"}
    assert "no MThd" in reasons["b/not_midi.mid"] and "empty" in reasons["b/empty.mid"]
    assert "no notes" in reasons["b/silent.mid"]
    assert sum(s["pieces"] for s in manifest["splits"].values()) == 6


def test_tokens_are_memory_mapped_and_each_piece_is_bos_then_its_encoding(mixed_folder, tmp_path):
    manifest = build_dataset(mixed_folder, tmp_path / "data", "melody", jobs=1, progress=QUIET)
    encoding = get_encoding("melody")
    by_hash = {f["sha256"]: f for f in manifest["files"]}
    seen = 0
    for split in ("train", "valid", "test"):
        tokens = open_split(tmp_path / "data", split)
        assert isinstance(tokens.tokens, np.memmap) and tokens.tokens.dtype == np.uint16
        hashes = [f["sha256"] for f in manifest["files"] if f["split"] == split]
        assert tokens.pieces == len(hashes)
        for i, sha in enumerate(sorted(hashes)):  # pieces are stored in hash order
            piece = tokens.piece(i)
            assert piece[0] == BOS_ID
            expected = encoding.encode(read_midi(mixed_folder / by_hash[sha]["path"]))
            assert np.array_equal(piece[1:], expected)
            assert by_hash[sha]["tokens"] == len(expected)
            seen += 1
    assert seen == 6
    assert manifest["encoding"] == json.loads(encoding.config_json())
    assert read_manifest(tmp_path / "data")["content_hash"] == manifest["content_hash"]


def test_a_rerun_reuses_the_cache_and_encodes_only_new_files(mixed_folder, tmp_path, monkeypatch):
    first = build_dataset(mixed_folder, tmp_path / "data", "melody", jobs=1, progress=QUIET)
    calls = []
    real = dataset_module.read_midi_bytes
    monkeypatch.setattr(dataset_module, "read_midi_bytes", lambda data, **kw: calls.append(kw) or real(data, **kw))
    again = build_dataset(mixed_folder, tmp_path / "data", "melody", jobs=1, progress=QUIET)
    assert calls == [] and again == first
    write_toy_corpus(mixed_folder / "new", files=1, seed=99)
    build_dataset(mixed_folder, tmp_path / "data", "melody", jobs=1, progress=QUIET)
    assert [kw["source"] for kw in calls] == ["new/tune_000.mid"]
    # another encoding config is another cache: everything is encoded again
    build_dataset(mixed_folder, tmp_path / "data", "melody", {"min_pitch": 36}, jobs=1, progress=QUIET)
    assert len(calls) == 1 + 11


def test_bad_arguments_exit_1_with_one_line(tmp_path, capsys):
    write_toy_corpus(tmp_path / "src", files=1)
    (tmp_path / "nomidi").mkdir()
    cases = [
        (["dataset", "build", str(tmp_path / "missing"), "-o", str(tmp_path / "d"), "--encoding", "melody"],
         "no such folder"),
        (["dataset", "build", str(tmp_path / "nomidi"), "-o", str(tmp_path / "d"), "--encoding", "melody"],
         "no .mid or .midi"),
        (["dataset", "build", str(tmp_path / "src"), "-o", str(tmp_path / "d"), "--encoding", "banjo"],
         "unknown encoding"),
        (["dataset", "build", str(tmp_path / "src"), "-o", str(tmp_path / "d"), "--encoding", "melody",
          "--encoding-config", "{nope"], "not valid JSON"),
        (["dataset", "build", str(tmp_path / "src"), "-o", str(tmp_path / "d"), "--encoding", "melody",
          "--encoding-config", '{"colour": 1}'], "colour"),
    ]
    for argv, message in cases:
        assert main(argv) == 1
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and message in err, err
    assert not (tmp_path / "d" / "manifest.json").exists()


def test_cli_build_reports_counts_and_skipped_files(mixed_folder, tmp_path, capsys):
    assert main(["dataset", "build", str(mixed_folder), "-o", str(tmp_path / "data"), "--encoding", "melody",
                 "--jobs", "2"]) == 0
    err = capsys.readouterr().err
    assert "6 files kept, 1 duplicate(s) dropped, 4 skipped" in err
    assert "skipped b/not_midi.mid: is not a Standard MIDI File" in err
    assert "files/s" in err


def test_an_empty_split_is_allowed_and_fractions_are_checked(tmp_path):
    write_toy_corpus(tmp_path / "src", files=3)
    manifest = build_dataset(tmp_path / "src", tmp_path / "data", "melody", valid_fraction=0, test_fraction=0,
                             jobs=1, progress=QUIET)
    assert manifest["splits"]["valid"]["pieces"] == 0 and open_split(tmp_path / "data", "valid").pieces == 0
    with pytest.raises(ConfigError, match="fractions"):
        build_dataset(tmp_path / "src", tmp_path / "data", "melody", valid_fraction=0.6, test_fraction=0.5)


TEST_DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.mark.parametrize("name", ["melody", "polyphony", "performance", "drums"])
def test_the_shared_test_midi_files_build_with_every_encoding(name, tmp_path):
    require(TEST_DATA.is_dir() and any(TEST_DATA.glob("*.mid")), "tests/data MIDI files")
    manifest = build_dataset(TEST_DATA, tmp_path / "data", name, jobs=2, progress=QUIET)
    reasons = {s["path"]: s["reason"] for s in manifest["skipped"]}
    broken = {p.relative_to(TEST_DATA).as_posix() for p in (TEST_DATA / "broken").glob("*.mid")}
    assert broken <= set(reasons)  # every broken file is listed, each with its own reason
    assert all(reasons[b] for b in broken)
    assert manifest["files"], "some good files must be kept"
    encoding = get_encoding(name)
    for split in ("train", "valid", "test"):
        tokens = open_split(tmp_path / "data", split)
        for i in range(tokens.pieces):
            assert encoding.is_valid(tokens.piece(i)[1:])

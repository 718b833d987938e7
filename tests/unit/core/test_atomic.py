"""Atomic output: the target appears whole or not at all."""

from __future__ import annotations

import os

import pytest

from rnnmusic.atomic import atomic_output, atomic_write_bytes


def test_success_renames_into_place_with_ordinary_permissions(tmp_path):
    target = tmp_path / "out.bin"
    atomic_write_bytes(target, b"abc")
    assert target.read_bytes() == b"abc"
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def _killed_writer_leftover(folder, name):
    """What a writer killed inside atomic_output leaves: its temporary, never renamed."""
    import tempfile

    fd, leftover = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
    os.close(fd)
    return leftover


def test_stale_temporaries_are_removed_and_nothing_else(tmp_path):
    from pathlib import Path

    from rnnmusic.atomic import remove_stale_parts

    (tmp_path / "sub").mkdir()
    stale = [Path(_killed_writer_leftover(tmp_path, "last.pt")), Path(_killed_writer_leftover(tmp_path, "m.onnx"))]
    deep = Path(_killed_writer_leftover(tmp_path / "sub", "x.npy"))
    (tmp_path / ".m.onnx.abcd1234.part.fp32").write_bytes(b"int8 export's float model")
    kept = ["notes.part", ".hidden.part", "last.pt", "take.part.mid"]
    for name in kept:
        (tmp_path / name).write_bytes(b"the user's")
    assert set(remove_stale_parts(tmp_path, ["m.onnx"])) == {stale[1], tmp_path / ".m.onnx.abcd1234.part.fp32"}
    assert remove_stale_parts(tmp_path) == [stale[0]]
    assert deep.exists()
    assert remove_stale_parts(tmp_path, recursive=True) == [deep]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept + ["sub"])
    assert remove_stale_parts(tmp_path / "missing") == []

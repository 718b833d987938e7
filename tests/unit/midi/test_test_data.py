"""The committed test MIDI files are exactly what tests/data/make_test_midi.py writes."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def _load_maker(data_dir: Path):
    spec = importlib.util.spec_from_file_location("make_test_midi", data_dir / "make_test_midi.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_files_equal_a_fresh_run(tmp_path, data_dir):
    maker = _load_maker(data_dir)
    written = maker.write_all(tmp_path)
    assert len(written) == len(maker.READABLE) + len(maker.BROKEN)
    for path in written:
        committed = data_dir / path.relative_to(tmp_path)
        assert committed.exists(), f"{committed.name} is not committed; run make_test_midi.py"
        assert committed.read_bytes() == path.read_bytes(), f"{committed.name} drifted from make_test_midi.py"


def test_no_stray_files(data_dir):
    maker = _load_maker(data_dir)
    assert {p.name for p in data_dir.glob("*.mid")} == set(maker.READABLE)
    assert {p.name for p in (data_dir / "broken").iterdir()} == set(maker.BROKEN)

"""The output-path rules: what a command may write, refused with one OutputError naming the path."""

from __future__ import annotations

import json

import pytest

from rnnmusic.errors import OutputError
from rnnmusic.output_paths import (
    CONTROL_MAP,
    DATASET_FOLDER,
    MIDI,
    ONNX,
    PNG,
    RUN_FOLDER,
    check_output_file,
    check_output_folder,
)

ONNX_HEAD = b"\x08\x08\x12\x07pytorch"  # how every ONNX file begins: ir_version, then the producer
ZIP_HEAD = b"PK\x03\x04"  # how a torch checkpoint (.pt) begins


def test_a_new_file_in_an_existing_folder_is_fine(tmp_path):
    assert check_output_file(tmp_path / "take.mid", MIDI) == tmp_path / "take.mid"
    assert sorted(tmp_path.iterdir()) == []  # the probe leaves nothing behind


def test_a_file_of_the_same_kind_or_an_empty_one_may_be_replaced(tmp_path):
    (tmp_path / "old.onnx").write_bytes(ONNX_HEAD)
    (tmp_path / "empty.png").write_bytes(b"")
    check_output_file(tmp_path / "old.onnx", ONNX)
    check_output_file(tmp_path / "empty.png", PNG)


@pytest.mark.parametrize("name, kind, words", [
    ("best.pt", ONNX, "must end .onnx"),
    ("take.txt", MIDI, "must end .mid or .midi"),
    ("roll.jpg", PNG, "must end .png"),
])
def test_the_name_must_say_the_kind(tmp_path, name, kind, words):
    with pytest.raises(OutputError, match=words):
        check_output_file(tmp_path / name, kind)


def test_an_existing_file_of_another_kind_is_not_replaced(tmp_path):
    (tmp_path / "best.onnx").write_bytes(ZIP_HEAD + b"checkpoint")
    (tmp_path / "map.json").write_text('{"learning_rate": 1}')
    with pytest.raises(OutputError, match="best.onnx: exists and is not an ONNX model"):
        check_output_file(tmp_path / "best.onnx", ONNX)
    with pytest.raises(OutputError, match="exists and is not a control map"):
        check_output_file(tmp_path / "map.json", CONTROL_MAP)
    assert (tmp_path / "best.onnx").read_bytes() == ZIP_HEAD + b"checkpoint"
    (tmp_path / "map.json").write_text(json.dumps({"version": 1, "controls": []}))
    check_output_file(tmp_path / "map.json", CONTROL_MAP)


def test_an_input_is_never_an_output(tmp_path):
    seed = tmp_path / "seed.mid"
    seed.write_bytes(b"MThd")
    with pytest.raises(OutputError, match="is the seed file, which this command reads"):
        check_output_file(tmp_path / "." / "seed.mid", MIDI, {seed: "the seed file"})


@pytest.mark.parametrize("check, kind", [(check_output_file, MIDI), (check_output_folder, RUN_FOLDER)])
def test_a_missing_parent_folder_is_refused_not_created(tmp_path, check, kind):
    target = tmp_path / "nofolder" / ("x.mid" if kind is MIDI else "run")
    with pytest.raises(OutputError, match="folder .*nofolder does not exist"):
        check(target, kind)
    assert not (tmp_path / "nofolder").exists()


def test_a_folder_where_a_file_goes_and_a_file_where_a_folder_goes(tmp_path):
    (tmp_path / "out.mid").mkdir()
    (tmp_path / "data").write_text("x")
    with pytest.raises(OutputError, match="out.mid: is a folder"):
        check_output_file(tmp_path / "out.mid", MIDI)
    with pytest.raises(OutputError, match="data: is a file"):
        check_output_folder(tmp_path / "data", DATASET_FOLDER)


def test_a_place_that_cannot_be_written_is_refused_before_the_work(tmp_path):
    with pytest.raises(OutputError, match="/proc/x.mid: cannot be written"):
        check_output_file("/proc/x.mid", MIDI)
    with pytest.raises(OutputError, match="/proc/run: cannot be written"):
        check_output_folder("/proc/run", RUN_FOLDER)


def test_a_folder_output_is_neither_an_input_folder_nor_inside_one(tmp_path):
    src = tmp_path / "midi"
    (src / "sub").mkdir(parents=True)
    with pytest.raises(OutputError, match="is the MIDI source folder"):
        check_output_folder(src, DATASET_FOLDER, {src: "the MIDI source folder"})
    for inside in (src / "data", src / "sub"):
        with pytest.raises(OutputError, match="is inside the MIDI source folder"):
            check_output_folder(inside, DATASET_FOLDER, {src: "the MIDI source folder"})
    check_output_folder(tmp_path / "data", DATASET_FOLDER, {src: "the MIDI source folder"})


def test_an_existing_folder_is_filled_only_if_empty_or_already_ours(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "last.pt").write_bytes(ZIP_HEAD)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "config.json").write_text("{}")
    check_output_folder(tmp_path / "empty", RUN_FOLDER)
    check_output_folder(tmp_path / "run", RUN_FOLDER)
    with pytest.raises(OutputError, match="home: is a folder of other files, not a run folder"):
        check_output_folder(tmp_path / "home", RUN_FOLDER)

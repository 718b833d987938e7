"""Model files through the real command line (issue 12 items 5 and 6): a bad model is one line and
exit 1 in `generate` and `eval`; a model's name never chooses where a take goes; a take's record
hashes the model's bytes and the seed's content."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from model_factory import make_model, melody_seed
from onnx import numpy_helper

from rnnmusic.cli.main import main
from rnnmusic.engine import Provenance
from rnnmusic.engine.provenance import seed_content_hash
from rnnmusic.midi.read import read_midi, read_text_events
from rnnmusic.midi.write import write_midi
from rnnmusic.model_file import KEY_PREFIX


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("model-file-cli")
    good = make_model(folder / "good.onnx", "melody", seed=5)
    sneaky = make_model(folder / "sneaky.onnx", "melody", seed=6, name="../../escaped")

    proto = onnx.load(str(good))
    for prop in proto.metadata_props:
        if prop.key == KEY_PREFIX + "encoding":
            prop.value = json.dumps({"name": "melody", "config": [1]})
    onnx.save(proto, str(folder / "config.onnx"))

    proto = onnx.load(str(good))  # an embedding of 2 rows: every load check passes, the first run fails
    table = next(i for i in proto.graph.initializer if i.name == "embed.weight")
    table.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(table)[:2].astype(np.float32), table.name))
    onnx.save(proto, str(folder / "runfail.onnx"))
    return {"good": good, "sneaky": sneaky, "config": folder / "config.onnx", "runfail": folder / "runfail.onnx"}


@pytest.fixture
def seed_file(tmp_path) -> Path:
    return write_midi(melody_seed(), tmp_path / "tune.mid")


def _one_line_error(captured, command: str, path: Path, words: str) -> None:
    lines = captured.err.splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    assert lines[0].startswith(f"rnnmusic {command}: error: {path}: ") and words in lines[0], lines[0]


@pytest.mark.parametrize("bad, words", [("config", 'rnnmusic.encoding whose "config" is a list'),
                                        ("runfail", "passes the load checks but fails when run")])
def test_a_bad_model_is_one_line_in_generate_and_eval(models, seed_file, tmp_path, capsys, bad, words):
    path = models[bad]
    assert main(["generate", str(seed_file), "--model", str(path), "-o", str(tmp_path / "o.mid")]) == 1
    _one_line_error(capsys.readouterr(), "generate", path, words)
    assert main(["eval", str(path), str(tmp_path)]) == 1
    _one_line_error(capsys.readouterr(), "eval", path, words)
    assert not (tmp_path / "o.mid").exists()


def test_a_bad_model_in_a_real_process(models, seed_file):
    done = subprocess.run([sys.executable, "-m", "rnnmusic", "generate", str(seed_file), "--model",
                           str(models["config"])], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr


def test_a_model_name_with_path_characters_does_not_shape_the_output_path(models, seed_file, capsys):
    """The name "../../escaped" made the default take name tune-../../escaped-3.mid."""
    assert main(["generate", str(seed_file), "--model", str(models["sneaky"]), "--seed", "3", "--bars", "1"]) == 0
    out = seed_file.parent / "tune-escaped-3.mid"
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    assert sorted(p.name for p in seed_file.parent.iterdir()) == ["tune-escaped-3.mid", "tune.mid"]
    assert Provenance.find(read_text_events(out)).model == "../../escaped"  # recorded as it is, in JSON


def test_the_record_hashes_the_model_bytes_and_the_seed_content(models, seed_file, tmp_path):
    out = tmp_path / "take.mid"
    assert main(["generate", str(seed_file), "--model", str(models["good"]), "--seed", "9", "--bars", "1",
                 "-o", str(out)]) == 0
    record = Provenance.find(read_text_events(out))
    assert record.model_hash == hashlib.sha256(models["good"].read_bytes()).hexdigest()
    assert record.seed_hash == seed_content_hash(read_midi(seed_file))
    assert json.loads(next(t for t in read_text_events(out) if "rnnmusic_take" in t))["take_sha256"] == \
        record.take_hash


def test_export_of_an_empty_checkpoint_is_one_line(tmp_path, capsys):
    """torch's bare EOFError for a 0-byte best.pt made the old message code raise an IndexError."""
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "best.pt").write_bytes(b"")
    assert main(["export", str(tmp_path / "run"), "-o", str(tmp_path / "m.onnx")]) == 1
    _one_line_error(capsys.readouterr(), "export", tmp_path / "run" / "best.pt", "it is empty, 0 bytes")
    assert not (tmp_path / "m.onnx").exists()

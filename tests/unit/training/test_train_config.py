"""TrainConfig: TOML, flags and dotted overrides; unknown keys and bad values are refused."""

from __future__ import annotations

import pytest

from rnnmusic.cli.main import main
from rnnmusic.errors import ConfigError
from rnnmusic.training.config import TrainConfig


def test_toml_then_overrides(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[model]\ncell = "gru"\nhidden = 64\n[optim]\nlr = 1e-3\n[run]\nmax_steps = 5\n')
    config = TrainConfig.from_toml(path)
    assert (config.model.cell, config.model.hidden, config.optim.lr, config.run.max_steps) == ("gru", 64, 1e-3, 5)
    config.apply_overrides(["model.hidden=128", "optim.lr=3e-4", "model.tied=false", "data.transpose=3"])
    assert (config.model.hidden, config.optim.lr, config.model.tied, config.data.transpose) == (128, 3e-4, False, 3)
    assert TrainConfig.from_json(config.to_json()) == config


@pytest.mark.parametrize("item, message", [
    ("model.hiden=3", "unknown config key 'model.hiden'"),
    ("modle.hidden=3", "unknown config key 'modle.hidden'"),
    ("hidden=3", "unknown config key 'hidden'"),
    ("model.hidden=big", "model.hidden must be int"),
    ("model.hidden=2.5", "model.hidden must be int"),
    ("model.tied=maybe", "model.tied must be bool"),
    ("model.cell=transformer", "model.cell must be one of rnn, lstm, gru"),
    ("model.dropout=1.5", "model.dropout"),
    ("optim.lr", "write section.key=value"),
])
def test_bad_overrides_are_refused(item, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        TrainConfig().apply_overrides([item])


def test_bad_toml_files_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        TrainConfig.from_toml(tmp_path / "missing.toml")
    (tmp_path / "broken.toml").write_text("[model\n")
    with pytest.raises(ConfigError, match="not a readable TOML"):
        TrainConfig.from_toml(tmp_path / "broken.toml")
    (tmp_path / "typo.toml").write_text("[model]\nlayres = 2\n")
    with pytest.raises(ConfigError, match="model.layres"):
        TrainConfig.from_toml(tmp_path / "typo.toml")
    (tmp_path / "flat.toml").write_text("hidden = 2\n")
    with pytest.raises(ConfigError, match="must be a section"):
        TrainConfig.from_toml(tmp_path / "flat.toml")
    (tmp_path / "types.toml").write_text("[model]\nhidden = \"big\"\n")
    with pytest.raises(ConfigError, match="model.hidden must be int"):
        TrainConfig.from_toml(tmp_path / "types.toml")


def test_train_cli_errors_are_one_line_and_exit_1(melody_data, tmp_path, capsys):
    cases = [
        (["train", str(tmp_path / "nothing"), "-o", str(tmp_path / "r")], "no such dataset folder"),
        (["train", str(tmp_path), "-o", str(tmp_path / "r")], "not a dataset (no manifest.json"),
        (["train", str(melody_data), "-o", str(tmp_path / "r"), "--set", "model.colour=red"], "model.colour"),
        (["train", str(melody_data), "-o", str(tmp_path / "r"), "--config", str(tmp_path / "x.toml")],
         "no such config"),
        (["train", str(melody_data), "-o", str(tmp_path / "r"), "--hidden", "0"], "must be >= 1"),
        (["train", str(melody_data), "-o", str(tmp_path / "r"), "--window", "100000"], "fewer than one window"),
        (["train", str(melody_data), "-o", str(tmp_path / "r"), "--resume"], "nothing to resume"),
        (["export", str(tmp_path / "r"), "-o", str(tmp_path / "m.onnx")], "no such run folder"),
        (["eval", str(tmp_path / "m.onnx"), str(melody_data)], "no such model file"),
    ]
    for argv, message in cases:
        assert main(argv) == 1, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and message in err, err
    assert not (tmp_path / "r" / "last.pt").exists()

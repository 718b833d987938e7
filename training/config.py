"""The training configuration: one dataclass, saved inside every checkpoint.

Sources, later ones winning: the defaults here, a TOML file (``--config``),
command-line flags, then ``--set section.key=value`` overrides. Unknown keys are
refused everywhere (a typo must not silently train the wrong model). TOML::

    [model]
    cell = "gru"
    hidden = 512
    [optim]
    lr = 1e-3
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib

from rnnmusic.errors import ConfigError
from rnnmusic.model_file import CELLS


@dataclass
class ModelConfig:
    cell: str = "lstm"
    layers: int = 2
    hidden: int = 256
    embedding: int = 128
    dropout: float = 0.1
    tied: bool = False
    grammar_mask: bool = True  # disallowed next tokens get -inf before the softmax (in the exported graph too)
    # read the timeline (bar/beat position, what was played 1, 2, 4 and 8 bars back: see
    # rnnmusic.engine.context): "auto" does for the grid encodings, "off" never
    context: str = "auto"


@dataclass
class DataConfig:
    batch_size: int = 32  # windows per step, over all processes together
    window: int = 128  # tokens per window (truncated backpropagation through time)
    transpose: int = 0  # augmentation: each window shifted by a random k in [-transpose, transpose] semitones
    # "windows": each window starts anywhere, from a zero state; "pieces": each batch row reads
    # whole pieces from their start, window after window, the state carried between windows
    # (the bernoulli benchmark only, for now)
    sampling: str = "windows"


@dataclass
class OptimConfig:
    lr: float = 2e-3
    weight_decay: float = 0.01
    beta1: float = 0.9
    beta2: float = 0.99
    clip_norm: float = 1.0  # gradient-norm clipping: the exploding-gradient guard
    warmup_steps: int = 100
    min_lr_ratio: float = 0.1  # cosine decay ends at lr * min_lr_ratio


@dataclass
class RunConfig:
    epochs: int = 10
    max_steps: int = 0  # > 0: stop after this many steps (and shape the schedule to it)
    steps_per_epoch: int = 0  # 0: one pass over the training tokens (tokens / (batch_size * window))
    eval_every: int = 0  # steps between validations; 0: once per epoch
    patience: int = 5  # early stopping: validations without improvement before stopping; 0: never
    checkpoint_every: int = 100  # steps between last.pt writes (also written at every validation)
    log_every: int = 10  # steps between metrics.jsonl lines
    seed: int = 0
    device: str = "auto"  # auto (cuda > mps > cpu), cpu, cuda, cuda:1, mps
    precision: str = "auto"  # auto (bf16 or fp16 autocast on CUDA, fp32 elsewhere), fp32, bf16, fp16
    eval_batch_size: int = 16


@dataclass
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    run: RunConfig = field(default_factory=RunConfig)

    # -- conversions -----------------------------------------------------------
    def to_dict(self) -> dict[str, dict[str, Any]]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "config") -> TrainConfig:
        config = cls()
        for section, values in data.items():
            if not isinstance(values, Mapping):
                raise ConfigError(f"{where}: {section!r} must be a section ([{section}] in TOML), not a value")
            for key, value in values.items():
                config.set(f"{section}.{key}", value, where)
        config.validate()
        return config

    @classmethod
    def from_json(cls, text: str) -> TrainConfig:
        return cls.from_dict(json.loads(text), "checkpoint config")

    @classmethod
    def from_toml(cls, path: str | Path) -> TrainConfig:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such config file") from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: not a readable TOML file ({exc})") from None
        return cls.from_dict(data, str(path))

    # -- overrides -------------------------------------------------------------
    def set(self, dotted: str, value: Any, where: str = "--set") -> None:
        """Set ``section.key`` to ``value`` (a string is parsed as the field's type); unknown keys are refused."""
        section_name, _, key = dotted.partition(".")
        sections = {f.name: f for f in dataclasses.fields(self)}
        if section_name not in sections or not key:
            raise ConfigError(f"{where}: unknown config key {dotted!r}; sections are {', '.join(sections)} "
                              f"(write section.key, e.g. model.hidden)")
        section = getattr(self, section_name)
        fields = {f.name: f for f in dataclasses.fields(section)}
        if key not in fields:
            raise ConfigError(f"{where}: unknown config key {dotted!r}; {section_name} has {', '.join(fields)}")
        kind = type(getattr(type(section)(), key))
        setattr(section, key, _coerce(value, kind, dotted, where))

    def apply_overrides(self, items: list[str]) -> list[str]:
        """Apply ``key=value`` strings; returns the keys set."""
        keys = []
        for item in items:
            key, sep, value = item.partition("=")
            if not sep:
                raise ConfigError(f"--set {item!r}: write section.key=value, e.g. optim.lr=1e-3")
            self.set(key.strip(), value.strip())
            keys.append(key.strip())
        self.validate()
        return keys

    def validate(self) -> None:
        m, d, o, r = self.model, self.data, self.optim, self.run
        checks = [
            (m.cell in CELLS, f"model.cell must be one of {', '.join(CELLS)}, not {m.cell!r}"),
            (m.layers >= 1 and m.hidden >= 1 and m.embedding >= 1, "model.layers, hidden and embedding must be >= 1"),
            (0.0 <= m.dropout < 1.0, "model.dropout must be in [0, 1)"),
            (m.context in ("auto", "off"), f"model.context must be auto or off, not {m.context!r}"),
            (not m.tied or m.embedding == m.hidden, "model.tied needs model.embedding == model.hidden"),
            (d.batch_size >= 1 and d.window >= 1, "data.batch_size and data.window must be >= 1"),
            (0 <= d.transpose <= 24, "data.transpose must be 0..24 semitones"),
            (d.sampling in ("windows", "pieces"), "data.sampling must be windows or pieces"),
            (o.lr > 0 and o.weight_decay >= 0 and o.clip_norm >= 0,
             "optim.lr must be > 0, weight_decay and clip_norm >= 0"),
            (0 <= o.beta1 < 1 and 0 <= o.beta2 < 1, "optim.beta1 and beta2 must be in [0, 1)"),
            (o.warmup_steps >= 0 and 0 <= o.min_lr_ratio <= 1, "optim.warmup_steps >= 0, min_lr_ratio in [0, 1]"),
            (r.epochs >= 1 or r.max_steps >= 1, "run.epochs or run.max_steps must be >= 1"),
            (min(r.max_steps, r.steps_per_epoch, r.eval_every, r.patience) >= 0, "run step counts must be >= 0"),
            (r.checkpoint_every >= 1 and r.log_every >= 1 and r.eval_batch_size >= 1,
             "run.checkpoint_every, log_every and eval_batch_size must be >= 1"),
            (r.precision in ("auto", "fp32", "bf16", "fp16"), "run.precision must be auto, fp32, bf16 or fp16"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(f"config: {message}")


def _coerce(value: Any, kind: type, dotted: str, where: str) -> Any:
    if isinstance(value, str) and kind is not str:
        text = value.strip()
        try:
            if kind is bool:
                if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError
                return text.lower() in ("true", "1", "yes")
            return kind(text)
        except ValueError:
            raise ConfigError(f"{where}: {dotted} must be {kind.__name__}, not {value!r}") from None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is bool and not isinstance(value, bool) or kind is not bool and isinstance(value, bool) \
            or not isinstance(value, kind):
        raise ConfigError(f"{where}: {dotted} must be {kind.__name__}, not {value!r}")
    return value

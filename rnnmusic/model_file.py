"""The model-file contract, shared by the exporter (training) and the runtime (engine).

One ``.onnx`` file is the whole model. Its graph has:

- input ``input_ids``: int64 ``[batch, time]`` token ids;
- input ``state``: float32 ``[state_parts, layers, batch, hidden]`` recurrent state
  (state_parts is 2 for LSTM: hidden then cell; 1 for RNN and GRU);
- output ``logits``: float32 ``[batch, time, vocab]`` unnormalised next-token scores;
- output ``state_out``: the state after the last step, same shape as ``state``.

Batch and time are dynamic, so a primer is prefilled in one call and generation
then steps one token at a time. ``metadata_props`` (string to string) describe the
model so no sidecar file can drift from it; :class:`ModelInfo` reads and writes
them. Names are defined here once: the exporter and the runtime both import them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from rnnmusic import model_fields as fields
from rnnmusic.errors import ModelFileError
from rnnmusic.model_fields import KEY_PREFIX

INPUT_IDS = "input_ids"
INPUT_STATE = "state"
OUTPUT_LOGITS = "logits"
OUTPUT_STATE = "state_out"
INPUT_NAMES = (INPUT_IDS, INPUT_STATE)
OUTPUT_NAMES = (OUTPUT_LOGITS, OUTPUT_STATE)
#: format 2 adds, for models that read the timeline (``ModelInfo.context`` set), two inputs the
#: engine derives rather than the model's tokens (computed only in rnnmusic.engine.context):
#: ``context`` int64 [batch, time, width]: bar/beat position, repeat flags and lookback proposals;
#: ``repetition`` float32 [batch]: a bias on the "same as then" gates (0 = as trained).
INPUT_CONTEXT = "context"
INPUT_REPETITION = "repetition"
CONTEXT_INPUT_NAMES = (INPUT_CONTEXT, INPUT_REPETITION)

FORMAT_VERSION = 2
CELLS = ("rnn", "lstm", "gru")


@dataclass(frozen=True)
class Architecture:
    cell: str
    layers: int
    hidden: int
    embedding: int
    vocab_size: int
    dropout: float = 0.0
    tied: bool = False

    @property
    def state_parts(self) -> int:
        return 2 if self.cell == "lstm" else 1

    def state_shape(self, batch: int) -> tuple[int, int, int, int]:
        return (self.state_parts, self.layers, batch, self.hidden)

    def parameter_count(self) -> int:
        gates = {"rnn": 1, "gru": 3, "lstm": 4}[self.cell]
        count = self.vocab_size * self.embedding  # embedding
        width = self.embedding
        for _ in range(self.layers):
            count += gates * self.hidden * (width + self.hidden + 2)
            width = self.hidden
        if not self.tied:
            count += self.vocab_size * self.hidden
        return count + self.vocab_size


@dataclass(frozen=True)
class ModelInfo:
    """Everything a model file says about itself (its ``metadata_props``)."""

    name: str
    encoding: dict[str, Any]  # {"name": ..., "config": {...}} as Encoding.config_json() writes it
    tokens: tuple[str, ...]
    architecture: Architecture
    training_data: dict[str, Any] = field(default_factory=dict)  # files, tokens, content_hash, source
    metrics: dict[str, Any] = field(default_factory=dict)  # valid_nll, test_nll (nats per token / step)
    license: str = ""
    description: str = ""
    quantization: dict[str, Any] = field(default_factory=dict)  # e.g. {"int8": true, "nll_change": ...}
    # "in_graph": logits of tokens the encoding's follow table forbids are already -inf in the graph;
    # "none": a consumer that wants valid sequences must mask with the follow table itself
    grammar_mask: str = "none"
    # the timeline context the graph reads ({} for none: no context or repetition inputs);
    # rnnmusic.engine.context.ContextSpec in its JSON form
    context: dict[str, Any] = field(default_factory=dict)
    # sampling defaults measured for this model, e.g. {"repetition": 0.7}: what generation uses
    # where the user chose nothing (rnnmusic.engine.options says which options may be named)
    sampling: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def parameter_count(self) -> int:
        """Weights of the whole graph: the recurrent network plus, for a model that reads the timeline,
        its context embeddings and gate (sizes from rnnmusic.engine.context)."""
        from rnnmusic.engine.context import ContextSpec, position_table_sizes

        arch = self.architecture
        if not self.context:
            return arch.parameter_count()
        spec = ContextSpec.from_dict(self.context, self.name or "<model>")
        tables = sum(position_table_sizes(spec)) + (arch.vocab_size + 1) * len(spec.lookback_bars)
        gate = (arch.hidden + 1) * (1 + len(spec.lookback_bars))
        return arch.parameter_count() + tables * arch.embedding + gate

    def to_metadata(self) -> dict[str, str]:
        values = {
            "format_version": str(self.format_version),
            "name": self.name,
            "encoding": json.dumps(self.encoding, sort_keys=True),
            "tokens": json.dumps(list(self.tokens)),
            "architecture": json.dumps(asdict(self.architecture), sort_keys=True),
            "training_data": json.dumps(self.training_data, sort_keys=True),
            "metrics": json.dumps(self.metrics, sort_keys=True),
            "license": self.license,
            "description": self.description,
            "quantization": json.dumps(self.quantization, sort_keys=True),
            "grammar_mask": self.grammar_mask,
            "context": json.dumps(self.context, sort_keys=True),
            "sampling": json.dumps(self.sampling, sort_keys=True),
        }
        return {KEY_PREFIX + key: value for key, value in values.items()}

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, str], path: str = "<model>") -> ModelInfo:
        """Parse ``metadata_props``; refuses a file that is not an rnnmusic model or is too new."""
        props = {k[len(KEY_PREFIX):]: v for k, v in metadata.items() if k.startswith(KEY_PREFIX)}
        if "format_version" not in props:
            raise ModelFileError(path, "is not an rnnmusic model (its metadata has no rnnmusic.format_version)")
        version = fields.check_format_version(props["format_version"], FORMAT_VERSION, path)
        missing = [key for key in ("encoding", "tokens", "architecture") if key not in props]
        if missing:
            raise ModelFileError(path, f"lacks required metadata: {', '.join(KEY_PREFIX + m for m in missing)}")
        raw_arch = fields.check_architecture(fields.json_field(props, "architecture", dict, path, True), CELLS, path)
        try:
            arch = Architecture(**raw_arch)
        except TypeError as exc:  # an unknown field
            raise ModelFileError(path, f"has malformed {KEY_PREFIX}architecture ({exc})") from None
        info = cls(
            name=fields.check_name(props.get("name", ""), path),
            encoding=fields.check_encoding(fields.json_field(props, "encoding", dict, path, True), path),
            tokens=fields.check_tokens(fields.json_field(props, "tokens", list, path, True), path),
            architecture=arch,
            training_data=fields.check_training_data(fields.json_field(props, "training_data", dict, path), path),
            metrics=fields.check_numbers(fields.json_field(props, "metrics", dict, path), "metrics", path),
            license=props.get("license", ""),
            description=props.get("description", ""),
            quantization=fields.check_quantization(fields.json_field(props, "quantization", dict, path), path),
            grammar_mask=fields.check_grammar_mask(props.get("grammar_mask", "none"), path),
            context=fields.json_field(props, "context", dict, path),  # its fields: ContextSpec.from_dict
            sampling=fields.check_sampling(fields.json_field(props, "sampling", dict, path), path),
            format_version=version,
        )
        if len(info.tokens) != arch.vocab_size:
            raise ModelFileError(path, f"lists {len(info.tokens)} tokens but its vocabulary has {arch.vocab_size}")
        return info


def check_graph_io(input_names, output_names, path: str = "<model>") -> None:
    """Refuse a graph whose inputs or outputs are not the contract's."""
    missing_in = [n for n in INPUT_NAMES if n not in set(input_names)]
    missing_out = [n for n in OUTPUT_NAMES if n not in set(output_names)]
    if missing_in or missing_out:
        parts = []
        if missing_in:
            parts.append(f"input(s) {', '.join(missing_in)}")
        if missing_out:
            parts.append(f"output(s) {', '.join(missing_out)}")
        raise ModelFileError(path, f"lacks the {' and '.join(parts)} an rnnmusic model must have")

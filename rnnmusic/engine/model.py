"""A loaded model: one ONNX Runtime session plus what the file says about itself.

Loading validates in the order a user can act on: the file exists, it is ONNX, it is
an rnnmusic model of a format this version reads, it has the contract's inputs and
outputs with the shapes its metadata describes, and its token list is the one its
encoding produces. Every refusal is a :class:`ModelFileError` naming the file.

onnxruntime is imported on first load, so ``import rnnmusic.engine`` stays cheap.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rnnmusic.encodings import Encoding, encoding_from_json
from rnnmusic.engine.context import ContextSpec
from rnnmusic.engine.first_run import probe
from rnnmusic.engine.onnx_meta import NotOnnxError, external_tensors, metadata_from_bytes
from rnnmusic.errors import ConfigError, EncodingError, ModelFileError
from rnnmusic.model_file import (
    INPUT_CONTEXT,
    INPUT_IDS,
    INPUT_REPETITION,
    INPUT_STATE,
    OUTPUT_LOGITS,
    OUTPUT_STATE,
    ModelInfo,
    check_graph_io,
)

PROVIDER_CHOICES = ("auto", "cpu", "cuda")
CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
#: accelerators "auto" takes when the installed onnxruntime has them, best first
ACCELERATORS = (CUDA, "ROCMExecutionProvider", "MIGraphXExecutionProvider", "DmlExecutionProvider",
                "CoreMLExecutionProvider")
#: one intra-op thread: a recurrent step at batch 1..8 is too small to split (see docs/benchmarks.md)
DEFAULT_THREADS = 1


def choose_providers(choice: str | Sequence[str] | None, available: Sequence[str]) -> list[str]:
    """Execution providers for ``choice``: None/"cpu", "cuda", "auto" or explicit provider names."""
    if choice is None or choice == "cpu":
        return [CPU]
    if choice == "auto":
        return [p for p in ACCELERATORS if p in available] + [CPU]
    if choice == "cuda":
        if CUDA not in available:
            raise ConfigError(
                f"provider cuda: this onnxruntime has no CUDA support (it has {', '.join(available)}); "
                "install onnxruntime-gpu, or use --provider cpu"
            )
        return [CUDA, CPU]
    if isinstance(choice, str):
        raise ConfigError(f"provider {choice!r}: choose one of {', '.join(PROVIDER_CHOICES)}")
    missing = [p for p in choice if p not in available]
    if missing:
        raise ConfigError(
            f"provider(s) {', '.join(missing)} not available (this onnxruntime has {', '.join(available)})")
    return list(choice) + ([CPU] if CPU not in choice else [])


class Model:
    """An rnnmusic model ready to run: ``run(ids, state) -> (logits, state)`` on ONNX Runtime."""

    def __init__(self, path: Path, session, info: ModelInfo, encoding: Encoding, content_hash: str, threads: int):
        self.path = path
        self.info = info
        self.encoding = encoding
        self.content_hash = content_hash
        self.threads = threads
        self.name = info.name or path.stem
        self.providers: list[str] = list(session.get_providers())
        self._session = session
        self._outputs = [OUTPUT_LOGITS, OUTPUT_STATE]
        self._state_dims = info.architecture.state_shape(1)
        #: the timeline context the graph reads (None: a token-only model, e.g. format 1 files)
        self.context: ContextSpec | None = ContextSpec.from_dict(info.context, str(path)) if info.context else None

    def __repr__(self) -> str:
        arch = self.info.architecture
        shape = f"{arch.cell} {arch.layers}x{arch.hidden}"
        return f"Model({self.name!r}, {self.encoding.name}, {shape}, {self.content_hash})"

    @property
    def vocab_size(self) -> int:
        return self.info.architecture.vocab_size

    def initial_state(self, batch: int) -> np.ndarray:
        """The zero state for ``batch`` rows: float32 ``[state_parts, layers, batch, hidden]``."""
        return np.zeros(self.info.architecture.state_shape(batch), dtype=np.float32)

    def run(self, ids: np.ndarray, state: np.ndarray, context: np.ndarray | None = None,
            repetition: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Logits ``[batch, time, vocab]`` and the state after the last token, for int64 ids ``[batch, time]``.

        A model with a :attr:`context` also reads ``context`` ``[batch, time, width]`` (from
        :mod:`rnnmusic.engine.context`) and ``repetition`` ``[batch]`` (gate bias; 0 when None);
        a token-only model ignores both.
        """
        feeds = {INPUT_IDS: ids, INPUT_STATE: state}
        if self.context is not None:
            if context is None:
                raise ValueError(f"{self.path}: this model reads a timeline context; pass the tracker's")
            feeds[INPUT_CONTEXT] = np.asarray(context, dtype=np.int64)
            feeds[INPUT_REPETITION] = (np.zeros(len(ids), dtype=np.float32) if repetition is None
                                       else np.asarray(repetition, dtype=np.float32))
        logits, new_state = self._session.run(self._outputs, feeds)
        return logits, new_state


def load_model(name_or_path: str | os.PathLike, providers: str | Sequence[str] | None = None,
               threads: int | None = None) -> Model:
    """Load a shipped or user model by name, or any model file by path, and validate it."""
    from rnnmusic.engine.catalog import resolve_model

    path = resolve_model(name_or_path)
    return load_model_file(path, providers=providers, threads=threads)


def load_model_file(path: str | os.PathLike, providers: str | Sequence[str] | None = None,
                    threads: int | None = None) -> Model:
    """Load the model file at ``path`` (no name lookup)."""
    path = Path(path)
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise ConfigError(f"threads must be a whole number >= 1, not {threads!r}")
    data = _read(path)
    try:
        metadata = metadata_from_bytes(data)
    except NotOnnxError as exc:
        raise ModelFileError(path, f"is not an ONNX model ({exc})") from None
    info = ModelInfo.from_metadata(metadata, str(path))
    encoding = _encoding_of(info, path)
    if info.context and not encoding.uses_grid:
        raise ModelFileError(path, f"describes a timeline context, but its {encoding.name} encoding has no step grid")
    _check_self_contained(data, path)

    import onnxruntime as ort

    chosen = choose_providers(providers, ort.get_available_providers())
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or DEFAULT_THREADS
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # warnings about unused initialisers etc. are not the user's business
    try:
        session = ort.InferenceSession(data, sess_options=options, providers=chosen)
    except Exception as exc:  # ORT raises its own Fail / InvalidGraph / InvalidProtobuf types
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ModelFileError(path, f"ONNX Runtime cannot load it ({detail})") from None
    _check_graph(session, info, path)
    probe(session, info, path)
    digest = hashlib.sha256(data).hexdigest()  # all of it: a take's record names exactly these bytes
    return Model(path, session, info, encoding, digest, options.intra_op_num_threads)


def _read(path: Path) -> bytes:
    if path.is_dir():
        raise ModelFileError(path, "is a directory, not a model file")
    if not path.exists():
        raise ModelFileError(path, "no such model file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    if not data:
        raise ModelFileError(path, "is empty (0 bytes)")
    return data


def _check_self_contained(data: bytes, path: Path) -> None:
    """Refuse weights kept in another file: ONNX Runtime would look for it relative to the current folder."""
    try:
        external = external_tensors(data)
    except NotOnnxError as exc:
        raise ModelFileError(path, f"is not an ONNX model ({exc})") from None
    if external:
        raise ModelFileError(path, f"keeps {len(external)} tensor(s) in another file (e.g. {external[0]!r}); an "
                                   "rnnmusic model is one self-contained .onnx file: export it without external data")


def _encoding_of(info: ModelInfo, path: Path) -> Encoding:
    try:
        encoding = encoding_from_json(json.dumps(info.encoding))
    except EncodingError as exc:
        raise ModelFileError(path, f"describes an encoding this rnnmusic cannot build ({exc})") from None
    if [str(t) for t in encoding.tokens] != list(info.tokens):
        raise ModelFileError(
            path,
            f"was made with a different {encoding.name} vocabulary than this rnnmusic builds "
            f"({len(info.tokens)} tokens in the file, {encoding.vocab_size} here)",
        )
    return encoding


def _check_graph(session, info: ModelInfo, path: Path) -> None:
    inputs = {i.name: i for i in session.get_inputs()}
    outputs = {o.name: o for o in session.get_outputs()}
    check_graph_io(inputs, outputs, str(path))
    _check_context_inputs(inputs, info, path)
    arch = info.architecture
    expected = {
        INPUT_IDS: (["tensor(int64)"], 2, None),
        INPUT_STATE: (["tensor(float)"], 4, arch.state_shape(1)),
        OUTPUT_LOGITS: (["tensor(float)"], 3, (None, None, arch.vocab_size)),
        OUTPUT_STATE: (["tensor(float)"], 4, arch.state_shape(1)),
    }
    for name, (types, rank, dims) in expected.items():
        node = inputs[name] if name in inputs else outputs[name]  # check_graph_io: every name is there
        if node.type not in types:
            raise ModelFileError(path, f"has {name} of type {node.type}, expected {types[0]}")
        if len(node.shape) != rank:
            raise ModelFileError(path, f"has {name} of rank {len(node.shape)}, expected {rank}")
        if dims is None:
            continue
        for axis, (got, want) in enumerate(zip(node.shape, dims)):
            # the batch axis (2 for state, 0/1 for logits) is dynamic; fixed axes must match the metadata
            dynamic_axis = (name in (INPUT_STATE, OUTPUT_STATE) and axis == 2) or want is None
            if not dynamic_axis and isinstance(got, int) and got != want:
                raise ModelFileError(
                    path, f"has {name} shape {list(node.shape)}, but its metadata describes {list(dims)}"
                )


def _check_context_inputs(inputs: dict, info: ModelInfo, path: Path) -> None:
    """A model whose metadata names a timeline context has both context inputs, of the right kind;
    one without has neither (a graph the engine could not feed is refused at load, not mid-take)."""
    present = [name for name in (INPUT_CONTEXT, INPUT_REPETITION) if name in inputs]
    if not info.context:
        if present:
            raise ModelFileError(path, f"has input(s) {', '.join(present)} but its metadata describes no context")
        return
    spec = ContextSpec.from_dict(info.context, str(path))
    missing = [name for name in (INPUT_CONTEXT, INPUT_REPETITION) if name not in inputs]
    if missing:
        raise ModelFileError(path, f"describes a timeline context but lacks the input(s) {', '.join(missing)}")
    context, repetition = inputs[INPUT_CONTEXT], inputs[INPUT_REPETITION]
    width = context.shape[2] if len(context.shape) == 3 else None
    if context.type != "tensor(int64)" or len(context.shape) != 3 or (isinstance(width, int) and width != spec.width):
        raise ModelFileError(path, f"has {INPUT_CONTEXT} {context.type} {list(context.shape)}, expected "
                                   f"int64 [batch, time, {spec.width}]")
    if repetition.type != "tensor(float)" or len(repetition.shape) != 1:
        raise ModelFileError(path, f"has {INPUT_REPETITION} {repetition.type} {list(repetition.shape)}, "
                                   "expected float [batch]")

"""Read an ONNX file's ``metadata_props`` without ONNX Runtime or the onnx package.

Listing models and choosing a default one must not build an inference session per
file (or import the onnx package, which the runtime does not depend on). An ONNX
file is a protobuf ``ModelProto``; its metadata is the repeated field 14 of
``StringStringEntryProto`` (key = field 1, value = field 2). This module walks the
top-level fields of that message and skips everything else (the graph included).

:func:`external_tensors` walks the graph too, for one question only: does any tensor keep
its data outside the file? ONNX Runtime would read such data from a path relative to the
current folder, so a model file is not the whole model then and the loader refuses it.
"""

from __future__ import annotations

import os
from pathlib import Path

_METADATA_FIELD = 14
_GRAPH_FIELD = 7
_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5


class NotOnnxError(ValueError):
    """The bytes are not a protobuf ModelProto."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise NotOnnxError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise NotOnnxError("varint longer than 10 bytes")


def _fields(data: bytes, start: int = 0, end: int | None = None):
    """Yield (field number, wire type, value) of one message; length-delimited values as (start, end)."""
    pos, end = start, len(data) if end is None else end
    while pos < end:
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise NotOnnxError("field number 0")
        value: int | tuple[int, int] | None
        if wire == _VARINT:
            value, pos = _varint(data, pos)
        elif wire == _FIXED64:
            value, pos = None, pos + 8
        elif wire == _FIXED32:
            value, pos = None, pos + 4
        elif wire == _LENGTH:
            length, pos = _varint(data, pos)
            value, pos = (pos, pos + length), pos + length
        else:
            raise NotOnnxError(f"unsupported wire type {wire}")
        if pos > end:
            raise NotOnnxError("field runs past the end of the message")
        yield number, wire, value


def metadata_from_bytes(data: bytes) -> dict[str, str]:
    """The ``metadata_props`` of a serialised ModelProto; raises NotOnnxError when it is not one."""
    metadata: dict[str, str] = {}
    has_graph = False
    for number, wire, value in _fields(data):
        if number == _GRAPH_FIELD and wire == _LENGTH:
            has_graph = True
        if number != _METADATA_FIELD or wire != _LENGTH:
            continue
        key = text = ""
        for inner, inner_wire, span in _fields(data, *value):
            if inner_wire == _LENGTH and inner in (1, 2):
                try:
                    decoded = data[span[0] : span[1]].decode("utf-8")
                except UnicodeDecodeError:
                    raise NotOnnxError("metadata is not UTF-8") from None
                key, text = (decoded, text) if inner == 1 else (key, decoded)
        metadata[key] = text
    if not has_graph:
        raise NotOnnxError("no graph")
    return metadata


# field numbers of onnx.proto walked by external_tensors: message -> {field: message it holds}
_TENSOR, _SPARSE, _GRAPH, _NODE, _ATTRIBUTE, _FUNCTION, _TRAINING = range(7)
_HOLDS = {
    "model": {7: _GRAPH, 20: _TRAINING, 25: _FUNCTION},
    _TRAINING: {1: _GRAPH, 2: _GRAPH},
    _FUNCTION: {7: _NODE},
    _GRAPH: {1: _NODE, 5: _TENSOR, 15: _SPARSE},
    _NODE: {5: _ATTRIBUTE},
    _ATTRIBUTE: {5: _TENSOR, 6: _GRAPH, 10: _TENSOR, 11: _GRAPH, 22: _SPARSE, 23: _SPARSE},
    _SPARSE: {1: _TENSOR, 2: _TENSOR},
}
_TENSOR_NAME, _TENSOR_EXTERNAL_DATA, _TENSOR_DATA_LOCATION = 8, 13, 14
_MAX_DEPTH = 64  # subgraphs inside subgraphs; a real model nests two or three deep


def external_tensors(data: bytes) -> list[str]:
    """Names of the tensors (initialisers, constants, in subgraphs and functions too) whose data is external."""
    found: list[str] = []
    _walk(data, 0, len(data), "model", found, 0)
    return found


def _walk(data: bytes, start: int, end: int, kind, found: list[str], depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise NotOnnxError("subgraphs nested too deeply")
    if kind == _TENSOR:
        name, external = "", False
        for number, wire, value in _fields(data, start, end):
            if number == _TENSOR_NAME and wire == _LENGTH:
                name = data[value[0] : value[1]].decode("utf-8", "replace")
            elif number == _TENSOR_EXTERNAL_DATA or (number == _TENSOR_DATA_LOCATION and wire == _VARINT and value):
                external = True
        if external:
            found.append(name or "<unnamed tensor>")
        return
    holds = _HOLDS[kind]
    for number, wire, value in _fields(data, start, end):
        if wire == _LENGTH and number in holds:
            _walk(data, value[0], value[1], holds[number], found, depth + 1)


def read_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The ``metadata_props`` of the ONNX file at ``path`` (NotOnnxError or OSError when it cannot)."""
    return metadata_from_bytes(Path(path).read_bytes())

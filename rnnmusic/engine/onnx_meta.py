"""Read an ONNX file's ``metadata_props`` without ONNX Runtime or the onnx package.

Listing models and choosing a default one must not build an inference session per
file (or import the onnx package, which the runtime does not depend on). An ONNX
file is a protobuf ``ModelProto``; its metadata is the repeated field 14 of
``StringStringEntryProto`` (key = field 1, value = field 2). This module walks the
top-level fields of that message and skips everything else (the graph included).
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


def read_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The ``metadata_props`` of the ONNX file at ``path`` (NotOnnxError or OSError when it cannot)."""
    return metadata_from_bytes(Path(path).read_bytes())

"""Type and range checks of the metadata fields of a model file (see :mod:`rnnmusic.model_file`).

A model file can come from anywhere, and every part of rnnmusic that shows or uses its
metadata (the model list, the GUI's model card, the loader, the exporter's summary)
trusts these types once the file has loaded. So each field is checked here, once, and a
wrong one is refused with a one-line :class:`ModelFileError` naming the file and the field.
JSON's NaN and Infinity are not JSON and are refused too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from rnnmusic.errors import ModelFileError

KEY_PREFIX = "rnnmusic."
GRAMMAR_MASKS = ("in_graph", "none")
#: generous bounds: far above any model rnnmusic trains, far below sizes that cannot be allocated
MAX_LAYERS = 64
MAX_WIDTH = 1 << 16  # hidden and embedding sizes
MAX_VOCAB = 1 << 20
MAX_NAME = 200
_KINDS: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}


def json_field(props: Mapping[str, str], key: str, kind: type, path: str, required: bool = False) -> Any:
    """``props[key]`` parsed as JSON of type ``kind`` (its empty value when absent and not required)."""
    text = props.get(key)
    if text is None or (text == "" and not required):
        if required:
            raise ModelFileError(path, f"lacks required metadata: {KEY_PREFIX}{key}")
        return kind()
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ModelFileError(path, f"has unreadable {KEY_PREFIX}{key} (not JSON: {reason})") from None
    if not isinstance(value, kind):
        raise ModelFileError(path, f"has {KEY_PREFIX}{key} that is {_kind(value)}, expected {_KINDS[kind]}")
    return value


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def _kind(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return _KINDS.get(type(value), f"a {type(value).__name__}")


def _fail(path: str, key: str, problem: str) -> None:
    raise ModelFileError(path, f"has {KEY_PREFIX}{key} {problem}")


def is_number(value: Any) -> bool:
    """A finite int or float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_format_version(text: str, newest: int, path: str) -> int:
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()):
        raise ModelFileError(path, f"has an unreadable format version {text[:40]!r}")
    version = int(digits)
    if version < 1:
        raise ModelFileError(path, f"has format version {version}; versions start at 1")
    if version > newest:
        raise ModelFileError(
            path, f"uses model format {version}, newer than this rnnmusic reads ({newest}); upgrade rnnmusic")
    return version


def check_name(name: str, path: str) -> str:
    """The model's name: shown on one line and in lists (in a file name only through :func:`file_stem`)."""
    if len(name) > MAX_NAME:
        _fail(path, "name", f"of {len(name)} characters (at most {MAX_NAME})")
    if any(not ch.isprintable() for ch in name):
        _fail(path, "name", f"{name[:40]!r} with control characters")
    return name


def check_encoding(value: dict, path: str) -> dict:
    if not isinstance(value.get("name"), str) or not value["name"]:
        _fail(path, "encoding", "without a \"name\" string")
    if not isinstance(value.get("config", {}), dict):
        _fail(path, "encoding", f"whose \"config\" is {_kind(value['config'])}, expected an object")
    return value


def check_tokens(value: list, path: str) -> tuple[str, ...]:
    bad = next((t for t in value if not isinstance(t, str)), None)
    if bad is not None:
        _fail(path, "tokens", f"holding {_kind(bad)} {json.dumps(bad)[:40]}, expected token names (strings)")
    if not value:
        _fail(path, "tokens", "that is empty")
    return tuple(value)


def check_architecture(value: dict, cells: tuple[str, ...], path: str) -> dict:
    """The Architecture fields: cell known, sizes whole numbers in range, dropout in [0, 1), tied a bool."""
    if value.get("cell") not in cells:
        _fail(path, "architecture", f"with unknown cell {value.get('cell')!r} (expected one of {', '.join(cells)})")
    limits = (("layers", MAX_LAYERS), ("hidden", MAX_WIDTH), ("embedding", MAX_WIDTH), ("vocab_size", MAX_VOCAB))
    for key, high in limits:
        size = value.get(key)
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= high:
            _fail(path, "architecture", f"with {key} {json.dumps(size)} (expected a whole number 1..{high})")
    dropout = value.get("dropout", 0.0)
    if not is_number(dropout) or not 0 <= dropout < 1:
        _fail(path, "architecture", f"with dropout {json.dumps(dropout)} (expected a number in [0, 1))")
    if not isinstance(value.get("tied", False), bool):
        _fail(path, "architecture", f"with tied {json.dumps(value['tied'])} (expected true or false)")
    return value


def check_training_data(value: dict, path: str) -> dict:
    """files and tokens: counts (or counts per split); content_hash, source, license: strings."""
    for key in ("files", "tokens"):
        if key in value:
            counts = value[key] if isinstance(value[key], dict) else {"": value[key]}
            if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts.values()):
                _fail(path, "training_data", f"with {key} {json.dumps(value[key])[:60]} (expected counts >= 0)")
    for key in ("content_hash", "source", "license"):
        if key in value and not isinstance(value[key], str):
            _fail(path, "training_data", f"with {key} that is {_kind(value[key])}, expected a string")
    return value


def check_numbers(value: dict, key: str, path: str, non_negative: tuple[str, ...] = ()) -> dict:
    """metrics / quantization: every entry a finite number, a string or a bool; NLLs >= 0."""
    for name, entry in value.items():
        if not (is_number(entry) or isinstance(entry, (str, bool))):
            _fail(path, key, f"with {name} {json.dumps(entry)[:60]} (expected a number or a string)")
        if (name in non_negative or name.endswith("_nll") or "_nll_" in name) and not (is_number(entry) and entry >= 0):
            _fail(path, key, f"with {name} {json.dumps(entry)[:60]} (expected a number >= 0)")
    return value


def check_quantization(value: dict, path: str) -> dict:
    check_numbers(value, "quantization", path)
    if "int8" in value and not isinstance(value["int8"], bool):
        _fail(path, "quantization", f"with int8 {json.dumps(value['int8'])} (expected true or false)")
    if "nll_change" in value and not is_number(value["nll_change"]):
        _fail(path, "quantization", f"with nll_change {json.dumps(value['nll_change'])} (expected a number)")
    return value


#: the sampling defaults a model file may name, with their allowed range
SAMPLING_RANGES = {"repetition": (0.0, 1.0)}


def check_sampling(value: dict, path: str) -> dict:
    """A model's own sampling defaults: only known options, each a number in its range."""
    for key, item in value.items():
        if key not in SAMPLING_RANGES:
            _fail(path, "sampling", f"names an unknown option {key!r} (known: {', '.join(SAMPLING_RANGES)})")
        low, high = SAMPLING_RANGES[key]
        if not is_number(item) or not low <= item <= high:
            _fail(path, "sampling", f"gives {key} {item!r}; it must be a number in [{low:g}, {high:g}]")
    return value


def check_grammar_mask(value: str, path: str) -> str:
    if value not in GRAMMAR_MASKS:
        _fail(path, "grammar_mask", f"{value[:40]!r} (expected one of {', '.join(GRAMMAR_MASKS)})")
    return value


def file_stem(name: str, fallback: str = "model") -> str:
    """``name`` made safe as part of a file name: no folder separators, no "..", no leading dot.

    A model's name is whatever its file's metadata says, so "../../x" or "a/b" must not choose
    where a take is written: every file name built from a model name goes through here.
    """
    safe = "".join(ch if ch.isalnum() or ch in "-_+=,." else "-" for ch in name)
    while ".." in safe:
        safe = safe.replace("..", ".")
    return safe.strip(".-")[:80].rstrip(".-") or fallback

"""The rules for every path a command writes, in one place, checked before any work starts.

One rule for every command:

- the folder an output goes into must exist: rnnmusic creates only the output itself (a file,
  or the folder named by ``train -o`` / ``dataset build -o``), never missing parent folders,
  so a typo in a path is an error instead of a new folder tree;
- an output never replaces an input the command still reads (the seed, the checkpoint, the
  MIDI source folder), nor a file or folder of another kind (``export -o best.pt``);
- a folder output is never an input folder or inside one;
- a path that cannot be written (a folder, ``/proc/x``, a read-only place) is refused with
  one line, before minutes of training or generation are spent.

Every refusal is an :class:`~rnnmusic.errors.OutputError` naming the path and the reason.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rnnmusic.atomic import PART_SUFFIX
from rnnmusic.errors import OutputError

PathLike = str | os.PathLike


def _starts_with(*magic: bytes) -> Callable[[Path], bool]:
    def check(path: Path) -> bool:
        with open(path, "rb") as f:
            head = f.read(max(len(m) for m in magic))
        return any(head.startswith(m) for m in magic)

    return check


_NOT_JSON = object()


def _json_of(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return _NOT_JSON


def _is_json(path: Path) -> bool:
    return _json_of(path) is not _NOT_JSON


def _is_control_map(path: Path) -> bool:
    data = _json_of(path)
    return isinstance(data, dict) and "controls" in data


def _is_onnx(path: Path) -> bool:
    # an ONNX ModelProto starts with its ir_version (field 1, varint): byte 0x08; a zip (.pt) starts "PK"
    return _starts_with(b"\x08")(path)


@dataclass(frozen=True)
class FileKind:
    """A kind of file rnnmusic writes: the names it takes and how to recognise one already there."""

    name: str  # with its article, as messages use it: "a MIDI file"
    suffixes: tuple[str, ...]
    recognise: Callable[[Path], bool]


@dataclass(frozen=True)
class FolderKind:
    """A kind of folder rnnmusic fills: an existing one is reused only if it holds one of ``marks``."""

    name: str
    marks: tuple[str, ...]


MIDI = FileKind("a MIDI file", (".mid", ".midi"), _starts_with(b"MThd"))
WAV = FileKind("a WAV file", (".wav",), _starts_with(b"RIFF"))
PNG = FileKind("a PNG picture", (".png",), _starts_with(b"\x89PNG\r\n\x1a\n"))
ONNX = FileKind("an ONNX model", (".onnx",), _is_onnx)
CONTROL_MAP = FileKind("a control map", (".json",), _is_control_map)
JSON_REPORT = FileKind("a JSON file", (".json",), _is_json)
RUN_FOLDER = FolderKind("a run folder", ("last.pt", "best.pt", "train.log", "metrics.jsonl"))
DATASET_FOLDER = FolderKind("a dataset folder", ("manifest.json", "cache"))


def check_output_file(
    path: PathLike, kind: FileKind, inputs: Mapping[Path, str] | Mapping[str, str] | None = None
) -> Path:
    """``path`` if a command may write a ``kind`` file there; else OutputError.

    ``inputs`` maps each file the command reads to what it is ("the seed file"), so the
    output cannot replace it.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(path, f"is a folder; give the name of {kind.name} (e.g. {path / ('out' + kind.suffixes[0])})")
    if path.suffix.lower() not in kind.suffixes:
        raise OutputError(path, f"must end {' or '.join(kind.suffixes)} (the output is {kind.name})")
    for source, what in (inputs or {}).items():
        if _same(path, Path(source)):
            raise OutputError(path, f"is {what}, which this command reads; choose another output name")
    folder = _parent(path)
    if path.exists() or path.is_symlink():
        if not path.is_file():
            raise OutputError(path, "exists and is not a regular file")
        if path.stat().st_size > 0 and not kind.recognise(path):
            raise OutputError(path, f"exists and is not {kind.name}; rnnmusic replaces only a file of the "
                                    "kind it writes (delete it or choose another name)")
    _probe(path, folder)
    return path


def check_output_folder(path: PathLike, kind: FolderKind, inputs: Mapping[PathLike, str] | None = None) -> Path:
    """``path`` if a command may create or fill a ``kind`` folder there; else OutputError.

    ``inputs`` maps each folder the command reads to what it is ("the MIDI source folder"):
    the output may be neither that folder nor inside it.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(path, f"is a file; give the name of {kind.name} (the folder is created)")
    for source, what in (inputs or {}).items():
        source = Path(source)
        if _same(path, source):
            raise OutputError(path, f"is {what}, which this command reads; give a new folder elsewhere")
        if _inside(path, source):
            raise OutputError(path, f"is inside {what} {source}, which this command reads; "
                                    "give a new folder elsewhere")
    if path.is_dir():
        names = {entry.name for entry in path.iterdir()}
        if names and not names & set(kind.marks):
            raise OutputError(path, f"is a folder of other files, not {kind.name}; give a new or empty folder")
        _probe(path / ".probe", path)
    else:
        _probe(path, _parent(path))
    return path


def _parent(path: Path) -> Path:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise OutputError(path, f"cannot be written: folder {folder} does not exist (create it first)")
    if not folder.is_dir():
        raise OutputError(path, f"cannot be written: {folder} is not a folder")
    return folder


def _probe(path: Path, folder: Path) -> None:
    """Create and remove one temporary of the atomic writer's kind: the write itself will then work."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PART_SUFFIX, dir=folder)
    except OSError as exc:
        raise OutputError(path, f"cannot be written in {folder} ({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(name)


def _same(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def _inside(path: Path, folder: Path) -> bool:
    return folder.resolve() in path.resolve().parents

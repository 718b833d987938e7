"""Atomic file output: write beside the target, then rename, so a failure never leaves half a file."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

PART_SUFFIX = ".part"
#: the temporary names atomic_output makes (mkstemp: 8 characters of [a-z0-9_]), with any suffix a writer adds
_PART_NAME = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]{8}\.part(?:\.[A-Za-z0-9]+)?$")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success rename it onto ``path``.

    On any exception the temporary file is removed and ``path`` is left as it was.
    The file gets ordinary permissions (0666 less the umask), not mkstemp's 0600.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PART_SUFFIX, dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        _flush_to_disk(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _flush_to_disk(path: Path) -> None:
    # without fsync a crash just after the rename can leave an empty file under the final name
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def stale_part_target(name: str) -> str | None:
    """The final file name a temporary of :func:`atomic_output` was for, or None for any other name."""
    match = _PART_NAME.match(name)
    return match["target"] if match else None


def remove_stale_parts(folder: str | os.PathLike, targets: Iterable[str] | None = None,
                       recursive: bool = False) -> list[Path]:
    """Delete the temporaries a killed writer left in ``folder`` (only names :func:`atomic_output` makes).

    ``targets`` limits it to the temporaries of those final names; ``recursive`` looks in subfolders
    too. Call it where one process owns the outputs (a run folder at the start of training): a live
    writer's temporary would go too.
    """
    folder = Path(folder)
    wanted = None if targets is None else set(targets)
    removed: list[Path] = []
    if not folder.is_dir():  # no folder yet: nothing left over
        return removed
    for entry in sorted(folder.rglob("*.part*") if recursive else folder.glob("*.part*")):
        target = stale_part_target(entry.name)
        if target is None or (wanted is not None and target not in wanted) or not entry.is_file():
            continue
        entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed

"""Build a token dataset from a folder of MIDI files (``rnnmusic dataset build``).

Each file is read, encoded and cached by the sha256 of its bytes (in
``DATA_DIR/cache/<encoding key>/``), so a re-run only reads files it has not seen
with this encoding config. The split of a file is a function of its hash alone,
so the same file lands in the same split on every machine, whatever the order or
the number of jobs, and an exact duplicate can never sit in two splits (it is
kept once). Files that cannot be read or encoded are skipped and listed, with the
reason, in the manifest; the run goes on. The format is described in
:mod:`rnnmusic.evaluate`, which reads it.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rnnmusic import __version__
from rnnmusic.atomic import atomic_write_bytes
from rnnmusic.encodings import Encoding, get_encoding
from rnnmusic.errors import ConfigError, RnnmusicError
from rnnmusic.evaluate import SPLITS
from rnnmusic.grid import StepGrid
from rnnmusic.midi.folder import find_midi_files
from rnnmusic.midi.read import read_midi_bytes
from rnnmusic.progress import ProgressLine
from rnnmusic.training.token_store import save_npy, write_token_dataset


@dataclass(frozen=True)
class FileResult:
    path: str  # relative to the source folder, with forward slashes
    sha256: str = ""
    tokens: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    error: str = ""  # non-empty: the file is skipped, this is why
    meters: tuple[tuple[int, int, int], ...] = ()  # meter map in grid steps (grid encodings), for the context


def split_of(sha256: str, valid_fraction: float, test_fraction: float) -> str:
    """The split a file belongs to, from its content hash only (uniform in [0, 1) from 64 bits)."""
    u = int(sha256[:16], 16) / 2.0**64
    if u < test_fraction:
        return "test"
    if u < test_fraction + valid_fraction:
        return "valid"
    return "train"


def encoding_key(encoding: Encoding) -> str:
    """Short hash of the encoding config and rnnmusic version: names the cache of token files made with them.

    The version is part of it so that an upgraded encoder never reuses tokens an older one made.
    """
    return hashlib.sha256(f"{__version__}\n{encoding.config_json()}".encode()).hexdigest()[:16]


# -- worker (runs in a pool process) ---------------------------------------------
_worker: dict[str, Any] = {}


def _init_worker(encoding_json: str, cache_dir: str) -> None:
    data = json.loads(encoding_json)
    _worker["encoding"] = get_encoding(data["name"], data["config"])
    _worker["cache"] = Path(cache_dir)


def _process(args: tuple[str, str]) -> FileResult:
    path, rel = args
    try:
        data = Path(path).read_bytes()
    except OSError as exc:  # not cached: it may read next time
        return FileResult(rel, error=f"cannot be read ({exc.strerror or exc})")
    sha = hashlib.sha256(data).hexdigest()
    cache: Path = _worker["cache"]
    ids_file, info_file = cache / f"{sha}.npy", cache / f"{sha}.json"
    if info_file.exists():  # seen before with this encoding config
        try:
            info = json.loads(info_file.read_text())
            if info["error"] or ids_file.exists():
                meters = tuple(tuple(m) for m in info["meters"])
                return FileResult(rel, sha, info["tokens"], info["dropped"], info["error"], meters)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache entry is simply rebuilt
    result, ids = _encode(data, sha, rel, _worker["encoding"])
    if ids is not None:
        save_npy(ids_file, ids)
    # the info file goes last: it is what marks the entry complete
    info = {"tokens": result.tokens, "dropped": result.dropped, "error": result.error,
            "meters": [list(m) for m in result.meters]}
    atomic_write_bytes(info_file, json.dumps(info).encode())
    return result


def _encode(data: bytes, sha: str, rel: str, encoding: Encoding) -> tuple[FileResult, np.ndarray | None]:
    """Parse and encode one file; failures are results (with a reason), never exceptions."""
    try:
        seq = read_midi_bytes(data, source=rel)
        report = encoding.encode_report(seq)
    except RnnmusicError as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        if not reason.startswith(("is ", "has ")):
            reason = f"is not encodable: {reason}"
        return FileResult(rel, sha, error=reason), None
    except Exception as exc:  # a bug in a parser or encoder must not stop a build of thousands of files
        return FileResult(rel, sha, error=f"is not encodable (unexpected {type(exc).__name__}: {str(exc)[:120]})"), None
    ids = np.asarray(report.ids, dtype=np.int64)
    dropped = {k: int(v) for k, v in report.dropped.items() if v}
    if len(ids) == 0:
        return FileResult(rel, sha, dropped=dropped, error="has no notes the encoding can represent"), None
    if not encoding.is_valid(ids):
        reason = "is not encodable: the encoder made an invalid token sequence"
        return FileResult(rel, sha, dropped=dropped, error=reason), None
    return FileResult(rel, sha, len(ids), dropped, meters=_meters(seq, encoding)), ids.astype(np.int32)


def _meters(seq, encoding: Encoding) -> tuple[tuple[int, int, int], ...]:
    """The piece's meter map on the encoding's step grid (empty for encodings without one)."""
    if not encoding.uses_grid:
        return ()
    config: Any = encoding.config  # every encoding that uses the grid has steps_per_quarter
    grid = StepGrid.for_sequence(seq, int(config.steps_per_quarter))
    return tuple((int(s), int(n), int(d)) for s, n, d in grid.meter_steps)


# -- the build -------------------------------------------------------------------
def build_dataset(
    src_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    encoding: str,
    encoding_config: dict[str, Any] | None = None,
    jobs: int | None = None,
    valid_fraction: float = 0.05,
    test_fraction: float = 0.05,
    license: str = "",
    progress: ProgressLine | None = None,
    assigned: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Scan, encode (in parallel, cached), split and write a dataset; returns its manifest.

    ``assigned`` (relative path -> split, see :func:`read_split_list`) puts the files it names in
    those splits whatever their hash: a held-out piece stays held out when its conversion changes.
    """
    src, out = Path(src_dir), Path(out_dir)
    if not src.is_dir():
        raise ConfigError(f"{src}: no such folder")
    if not (0 <= valid_fraction < 1 and 0 <= test_fraction < 1 and valid_fraction + test_fraction < 1):
        raise ConfigError("valid and test fractions must be in [0, 1) and leave some data for training")
    enc = get_encoding(encoding, encoding_config or {})
    if enc.vocab_size > 2**31 - 1:
        raise ConfigError(f"{enc.describe()}: vocabulary too large")
    files = find_midi_files(src)
    if not files:
        raise ConfigError(f"{src}: no .mid or .midi files found (searched all subfolders)")
    out.mkdir(parents=True, exist_ok=True)
    cache = out / "cache" / encoding_key(enc)
    cache.mkdir(parents=True, exist_ok=True)
    progress = progress if progress is not None else ProgressLine()

    results = _run_pool(files, src, enc, cache, jobs, progress)
    return _write(out, src, enc, results, cache, valid_fraction, test_fraction, license, progress, assigned or {})


def read_split_list(path: str | os.PathLike) -> dict[str, str]:
    """A split list: JSON ``{"train": [paths], "valid": [...], "test": [...]}`` (relative to the source
    folder, forward slashes) as path -> split; one line naming the file for anything else."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such split list") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable JSON split list ({exc})") from None
    if not isinstance(data, dict) or not set(data) <= set(SPLITS) or not all(
            isinstance(v, list) and all(isinstance(p, str) for p in v) for v in data.values()):
        raise ConfigError(f"{path}: a split list maps train, valid and test to lists of file paths")
    assigned: dict[str, str] = {}
    for split, paths in data.items():
        for rel in paths:
            if assigned.setdefault(rel, split) != split:
                raise ConfigError(f"{path}: {rel} is listed in both {assigned[rel]} and {split}")
    return assigned


def _run_pool(files: list[Path], src: Path, enc: Encoding, cache: Path, jobs: int | None,
              progress: ProgressLine) -> list[FileResult]:
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(files)))
    tasks = [(str(p), p.relative_to(src).as_posix()) for p in files]
    results: list[FileResult] = []
    start = time.monotonic()

    def show(force: bool = False) -> None:
        rate = len(results) / max(time.monotonic() - start, 1e-9)
        bad = sum(1 for r in results if r.error)
        progress.update(f"dataset: {len(results)}/{len(tasks)} files | {rate:,.0f} files/s | {bad} skipped", force)

    if jobs == 1:
        _init_worker(enc.config_json(), str(cache))
        for task in tasks:
            results.append(_process(task))
            show()
    else:
        ctx = multiprocessing.get_context("spawn" if os.name == "nt" else "fork")
        with ctx.Pool(jobs, initializer=_init_worker, initargs=(enc.config_json(), str(cache))) as pool:
            for result in pool.imap_unordered(_process, tasks, chunksize=max(1, min(64, len(tasks) // (jobs * 8)))):
                results.append(result)
                show()
    show(force=True)
    progress.close()
    return sorted(results, key=lambda r: r.path)


def _write(out: Path, src: Path, enc: Encoding, results: list[FileResult], cache: Path, valid_fraction: float,
           test_fraction: float, license: str, progress: ProgressLine, assigned: dict[str, str]) -> dict[str, Any]:
    kept: dict[str, FileResult] = {}
    duplicates, skipped = [], []
    for r in results:  # sorted by path, so the first path of a duplicate group is kept
        if r.error:
            skipped.append({"path": r.path, "reason": r.error})
        elif r.sha256 in kept:
            duplicates.append({"path": r.path, "same_as": kept[r.sha256].path})
        else:
            kept[r.sha256] = r
    def split(r: FileResult) -> str:
        return assigned.get(r.path) or split_of(r.sha256, valid_fraction, test_fraction)

    by_split: dict[str, list[FileResult]] = {s: [] for s in SPLITS}
    for sha in sorted(kept):  # order within a split: by hash, independent of paths and jobs
        by_split[split(kept[sha])].append(kept[sha])

    def cached_ids(members: list[FileResult]):
        for r in members:
            ids = np.load(cache / f"{r.sha256}.npy", allow_pickle=False)
            if len(ids) != r.tokens:
                raise ConfigError(f"{cache}: cache entry for {r.path} is damaged; delete the cache folder and rebuild")
            yield ids

    dropped_total: dict[str, int] = {}
    for r in kept.values():
        for k, v in r.dropped.items():
            dropped_total[k] = dropped_total.get(k, 0) + v
    listed = "".join(f"\n{r.path}={split(r)}" for r in sorted(kept.values(), key=lambda r: r.path)
                     if r.path in assigned)  # an assignment changes the splits, so it is part of the content
    content = hashlib.sha256((enc.config_json() + "\n" + "\n".join(sorted(kept)) + listed).encode()).hexdigest()
    return write_token_dataset(
        out, enc, {name: ([r.tokens for r in members], cached_ids(members)) for name, members in by_split.items()},
        source=str(src.resolve()), license=license, content_hash=content,
        split_fractions={"valid": valid_fraction, "test": test_fraction},
        dropped_notes=dropped_total,
        files=[{"path": r.path, "sha256": r.sha256, "split": split(r),
                "tokens": r.tokens, "dropped": r.dropped} for r in sorted(kept.values(), key=lambda r: r.path)],
        duplicates=duplicates, skipped=skipped,
        meters={name: [r.meters for r in members] for name, members in by_split.items()} if enc.uses_grid else None)


def summary_lines(manifest: dict[str, Any]) -> list[str]:
    """What a user reads after a build: counts per split, then every skipped file with its reason."""
    s = manifest["splits"]
    lines = [
        f"dataset: {len(manifest['files'])} files kept, {len(manifest['duplicates'])} duplicate(s) dropped, "
        f"{len(manifest['skipped'])} skipped; encoding {manifest['encoding']['name']} "
        f"({manifest['vocab_size']} tokens)",
        "  " + ", ".join(f"{name} {s[name]['pieces']} pieces / {s[name]['tokens']:,} tokens" for name in SPLITS),
    ]
    if manifest["dropped_notes"]:
        lines.append("  dropped notes: " + ", ".join(f"{k} {v}" for k, v in sorted(manifest["dropped_notes"].items())))
    for item in manifest["skipped"]:
        lines.append(f"  skipped {item['path']}: {item['reason']}")
    return lines


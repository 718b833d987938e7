"""Convert pieces of music21's bundled (public-domain) corpus to MIDI files, in parallel.

A :class:`Piece` names one work: a tune inside an ABC collection file (by its
position in the file, so two tunes that share an ``X:`` number both count) or one
score file. :func:`convert` parses each piece with music21, turns it into a
NoteSequence with :mod:`.music21_convert` and writes it with
:func:`rnnmusic.midi.write.write_midi`. Pieces that fail are skipped, counted and
listed with the reason in ``conversion.json``; files already written are kept, so
a second run only does what is missing.
"""

from __future__ import annotations

import functools
import json
import re
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

FOLK_COLLECTIONS = ("essenFolksong", "oneills1850", "ryansMammoth")
CHORALE_PARTS = ("Soprano", "Alto", "Tenor", "Bass")
REPORT_NAME = "conversion.json"
_TUNE_START = re.compile(r"^X:", re.MULTILINE)


@dataclass(frozen=True)
class Piece:
    collection: str  # e.g. "essenFolksong" or "bach"
    path: str  # path inside music21's corpus, e.g. "essenFolksong/han1.abc"
    index: int  # position of the tune in an ABC file (0-based); 0 for a one-work file
    kind: str  # "folk" (first part, one melody line) or "chorale" (the four voices)

    @property
    def out_name(self) -> str:
        if self.kind == "folk":
            return f"{self.collection}/{Path(self.path).stem}-{self.index + 1:04d}.mid"
        return f"{self.collection}/{Path(self.path).stem}.mid"


@dataclass
class ConversionReport:
    pieces: int
    converted: int
    failed: int
    per_collection: dict[str, dict[str, int]]
    failures: list[dict[str, str]]
    seconds: float

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1) + "\n")


def corpus_root() -> Path:
    """The folder of music21's bundled corpus."""
    from music21 import corpus

    return Path(corpus.__file__).parent


def split_abc(text: str) -> list[str]:
    """The tunes of an ABC file, each from its ``X:`` line to the next."""
    starts = [m.start() for m in _TUNE_START.finditer(text)]
    return [text[a:b].strip() + "\n" for a, b in zip(starts, starts[1:] + [len(text)])]


def folk_pieces(collections: Iterable[str] = FOLK_COLLECTIONS) -> list[Piece]:
    """Every tune of the named ABC collections, in a fixed order."""
    collections = tuple(collections)
    root = corpus_root()
    pieces: list[Piece] = []
    for collection in collections:
        for file in sorted((root / collection).glob("*.abc")):
            count = len(split_abc(file.read_text(encoding="utf-8", errors="replace")))
            rel = f"{collection}/{file.name}"
            pieces.extend(Piece(collection, rel, i, "folk") for i in range(count))
    return pieces


def chorale_pieces(collections: Iterable[str] = ("bach",)) -> list[Piece]:
    """Bach's four-part chorales (Riemenschneider's numbering, as music21 lists them), one file per work.

    Each work is read from its MusicXML file; a work music21 holds only as Humdrum (``.krn``) is left
    out, because those encodings carry a copyright notice of their encoders (CCARH).
    """
    from music21 import corpus

    root = corpus_root()
    seen, pieces = set(), []
    for name in corpus.chorales.Iterator(returnType="filename"):
        found = corpus.getWork(name)
        paths = found if isinstance(found, list) else [found]
        xml = sorted(Path(p) for p in paths if Path(p).suffix in (".mxl", ".xml", ".musicxml"))
        if not xml:
            continue
        exact = [p for p in xml if p.stem == Path(name).name]  # "bwv112.5", not its variant "bwv112.5-sc"
        rel = (exact or xml)[0].relative_to(root).as_posix()
        if rel not in seen:
            seen.add(rel)
            pieces.append(Piece("bach", rel, 0, "chorale"))
    return pieces


def spread_subset(pieces: list[Piece], limit: int | None) -> list[Piece]:
    """``limit`` pieces spread evenly over the list (deterministic), or all of them."""
    if limit is None or limit >= len(pieces):
        return list(pieces)
    step = len(pieces) / limit
    return [pieces[int(i * step)] for i in range(limit)]


@functools.lru_cache(maxsize=8)
def _abc_tunes(path: str) -> tuple[str, ...]:
    return tuple(split_abc((corpus_root() / path).read_text(encoding="utf-8", errors="replace")))


def _parse(piece: Piece):
    from music21 import converter, corpus, stream

    if piece.kind == "folk":
        parsed = converter.parse(_abc_tunes(piece.path)[piece.index], format="abc")
        if isinstance(parsed, stream.Opus):
            parsed = parsed.scores[0]
        return as_played(parsed)
    return as_played(corpus.parse(piece.path))


#: an expanded score longer than this many times the written one is a misreading, kept as written
MAX_EXPANSION = 2.5


def _open_each_section(score) -> None:
    """Give a repeated strain without a start mark one, where the strain before it ended.

    Fiddle-tune transcriptions write ``A :| B :|``: each strain is played twice, AABB. music21
    sends the second ``:|`` back to the very start (AABAB); a start mark after the first ``:|``
    says what a player reads.
    """
    from music21 import bar

    parts = list(score.parts) if hasattr(score, "parts") and len(score.parts) else [score]
    for part in parts:
        measures = list(part.getElementsByClass("Measure"))
        section_start, opened = 0, False
        for index, measure in enumerate(measures):
            left, right = measure.leftBarline, measure.rightBarline
            if isinstance(left, bar.Repeat) and left.direction == "start":
                opened = True
            if isinstance(right, bar.Repeat) and right.direction == "end":
                if not opened and 0 < section_start <= index:
                    measures[section_start].leftBarline = bar.Repeat(direction="start")
                section_start, opened = index + 1, False


def as_played(score):
    """The score with its repeats and first/second endings written out, as it is played.

    A model learns a tune's form (AABB) only from the form as heard; a score whose repeat
    marks music21 cannot resolve (unbalanced marks in a transcription) is kept as written.
    """
    from music21 import meter

    _open_each_section(score)
    try:
        expanded = score.expandRepeats()
    except Exception:  # music21 raises several types for marks it cannot pair
        return score
    if expanded.highestTime > MAX_EXPANSION * max(score.highestTime, 1e-9):
        return score  # nested or stray marks music21 reads as loops; no tune here is played thrice over
    # expansion gives a repeated pickup bar a meter of its own length (1/16, 1/8): that is no meter
    # of the tune, and bar lines must keep following the written one
    written = {ts.ratioString for ts in score.recurse().getElementsByClass(meter.TimeSignature)}
    for ts in list(expanded.recurse().getElementsByClass(meter.TimeSignature)):
        if ts.ratioString not in written and ts.activeSite is not None:
            ts.activeSite.remove(ts)
    return expanded


def convert_piece(piece: Piece, out_dir: str) -> tuple[str, str]:
    """Convert one piece; returns ("ok" | "kept" | "failed", reason)."""
    from rnnmusic.midi.write import write_midi

    from .music21_convert import score_to_sequence

    target = Path(out_dir) / piece.out_name
    if target.exists():
        return "kept", ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            score = _parse(piece)
            if piece.kind == "folk":
                seq = score_to_sequence(score, melody=True, source=piece.path)
            else:
                seq = score_to_sequence(score, part_names=CHORALE_PARTS, source=piece.path)
        title = (score.metadata.title if score.metadata is not None else "") or ""
        target.parent.mkdir(parents=True, exist_ok=True)
        note = f"music21 corpus {piece.path} #{piece.index + 1} {title}".strip()
        write_midi(seq, target, text_events=(note[:200], "public domain"))
    except Exception as exc:  # a piece music21 cannot read, or with nothing to keep
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return "failed", f"{type(exc).__name__}: {text[:160]}"
    return "ok", ""


def _convert_star(args: tuple[Piece, str]) -> tuple[str, str]:
    return convert_piece(*args)


def convert(
    pieces: list[Piece], out_dir: str | Path, jobs: int = 2, log: Callable[[str], None] = print
) -> ConversionReport:
    """Convert ``pieces`` into ``out_dir`` over ``jobs`` processes; write and return the report."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    counts: dict[str, Counter] = {}
    failures: list[dict[str, str]] = []
    work = [(piece, str(out_dir)) for piece in pieces]
    log(f"converting {len(pieces)} pieces to MIDI in {out_dir} ({jobs} process{'es' if jobs > 1 else ''})")
    if jobs > 1:
        executor = ProcessPoolExecutor(max_workers=jobs)
        results = executor.map(_convert_star, work, chunksize=16)
    else:
        executor, results = None, map(_convert_star, work)
    try:
        for done, (piece, (status, reason)) in enumerate(zip(pieces, results), start=1):
            counts.setdefault(piece.collection, Counter())[status] += 1
            if status == "failed":
                failures.append({"piece": f"{piece.path}#{piece.index + 1}", "reason": reason})
            if done % 500 == 0 or done == len(pieces):
                rate = done / max(time.perf_counter() - started, 1e-9)
                log(f"  {done}/{len(pieces)} pieces, {len(failures)} failed, {rate:.0f} pieces/s")
    finally:
        if executor is not None:
            executor.shutdown()
    per_collection = {
        name: {"pieces": sum(c.values()), "converted": c["ok"] + c["kept"], "kept": c["kept"], "failed": c["failed"]}
        for name, c in sorted(counts.items())
    }
    report = ConversionReport(
        pieces=len(pieces),
        converted=sum(v["converted"] for v in per_collection.values()),
        failed=len(failures),
        per_collection=per_collection,
        failures=failures,
        seconds=round(time.perf_counter() - started, 1),
    )
    report.save(out_dir / REPORT_NAME)
    log(f"converted {report.converted} of {report.pieces} pieces, "
        f"{report.failed} skipped (see {out_dir / REPORT_NAME})")
    return report


def prune(out_dir: str | Path, pieces: list[Piece], log: Callable[[str], None] = print) -> int:
    """Delete MIDI files under ``out_dir`` that are not one of ``pieces`` (left by a run with other choices),
    so the folder holds exactly the pieces a dataset is built from; returns how many went."""
    out_dir = Path(out_dir)
    wanted = {(out_dir / p.out_name).resolve() for p in pieces}
    stale = [f for f in out_dir.rglob("*.mid") if f.resolve() not in wanted]
    for f in stale:
        f.unlink()
    if stale:
        log(f"removed {len(stale)} MIDI files of pieces not chosen this time from {out_dir}")
    return len(stale)

"""What a piece holds, and how an encoding sees it: the logic behind `rnnmusic info`.

:func:`summarize` describes a NoteSequence (tracks, tempos, meters, keys, notes,
duration, pitch range); :func:`summarize_encoding` runs an encoding on it and checks
the round trip; :func:`format_summary` turns both into the lines the CLI prints.
The GUI or a notebook can use the same values without parsing text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnnmusic.encodings import Encoding
from rnnmusic.midi.names import instrument_name, key_name, pitch_name
from rnnmusic.notes import NoteSequence

TIME_TOLERANCE = 1e-3  # seconds: a note within this of the original counts as unchanged


@dataclass(frozen=True)
class TrackSummary:
    index: int
    name: str
    program: int
    is_drum: bool
    notes: int

    @property
    def instrument(self) -> str:
        return instrument_name(self.program, self.is_drum)


@dataclass(frozen=True)
class EncodingSummary:
    """How an encoding sees a piece: its tokens, the round trip, and what it changed or dropped."""

    name: str
    vocab_size: int
    tokens: int
    exact: bool  # decode(encode(x), template=x) has the same music as normalize(x)
    notes_in: int
    dropped: dict[str, int]
    unchanged: int  # encoded notes whose pitch, velocity and times (within 1 ms) are as they were
    velocity_only: int  # encoded notes with their pitch and times but another velocity
    moved: int  # encoded notes whose time or pitch changed (quantised, shortened, mapped)

    @property
    def encoded(self) -> int:
        return self.unchanged + self.velocity_only + self.moved


@dataclass(frozen=True)
class Summary:
    source: str
    tracks: tuple[TrackSummary, ...]
    tempos: tuple[tuple[float, float], ...]  # (seconds, qpm)
    meters: tuple[tuple[float, int, int], ...]  # (seconds, numerator, denominator)
    keys: tuple[tuple[float, str], ...]  # (seconds, "G major")
    notes: int
    duration: float
    pitch_range: tuple[int, int] | None  # lowest and highest pitched (non-drum) note
    encoding: EncodingSummary | None = field(default=None)


def summarize(seq: NoteSequence, encoding: Encoding | None = None) -> Summary:
    """Describe ``seq``; with an encoding, also how that encoding sees it."""
    notes = seq.notes
    count = max(len(seq.tracks), int(notes["track"].max()) + 1 if len(notes) else 0)
    tracks = []
    for index in range(count):
        mine = notes[notes["track"] == index]
        info = seq.tracks[index] if index < len(seq.tracks) else None
        program = info.program if info else int(mine["program"][0]) if len(mine) else 0
        is_drum = info.is_drum if info else bool(len(mine) and mine["is_drum"][0])
        tracks.append(TrackSummary(index, info.name if info else "", program, is_drum, len(mine)))
    pitched = notes["pitch"][~notes["is_drum"]]
    return Summary(
        source=seq.source,
        tracks=tuple(tracks),
        tempos=tuple((t.time, t.qpm) for t in seq.tempos),
        meters=tuple((m.time, m.numerator, m.denominator) for m in seq.time_signatures),
        keys=tuple((k.time, key_name(k.key, k.minor)) for k in seq.key_signatures),
        notes=len(notes),
        duration=seq.total_time,
        pitch_range=(int(pitched.min()), int(pitched.max())) if len(pitched) else None,
        encoding=summarize_encoding(seq, encoding) if encoding is not None else None,
    )


def summarize_encoding(seq: NoteSequence, encoding: Encoding) -> EncodingSummary:
    """Encode ``seq``, decode it back onto its own grid, and compare with the encoding's normalised ``seq``."""
    report = encoding.encode_report(seq)
    normalized = encoding.normalize(seq)
    decoded = encoding.decode(report.ids, template=seq)
    same_times = _matched(seq.notes, normalized.notes, with_velocity=False)
    unchanged = _matched(seq.notes, normalized.notes, with_velocity=True)
    return EncodingSummary(
        name=encoding.name,
        vocab_size=encoding.vocab_size,
        tokens=len(report.ids),
        exact=decoded.same_music(normalized),
        notes_in=len(seq.notes),
        dropped={reason: int(n) for reason, n in sorted(report.dropped.items()) if n},
        unchanged=unchanged,
        velocity_only=same_times - unchanged,
        moved=len(normalized.notes) - same_times,
    )


def _matched(original: np.ndarray, kept: np.ndarray, with_velocity: bool) -> int:
    """How many notes of ``kept`` pair one-to-one with an original note of the same pitch and times (1 ms)."""
    fields = ["is_drum", "pitch", "velocity"] if with_velocity else ["is_drum", "pitch"]
    pool: dict[tuple, list[tuple[float, float]]] = {}
    for row in original[fields + ["start", "end"]].tolist():
        pool.setdefault(tuple(row[:-2]), []).append((row[-2], row[-1]))
    matched = 0
    for row in kept[fields + ["start", "end"]].tolist():
        candidates = pool.get(tuple(row[:-2]), [])
        for i, (start, end) in enumerate(candidates):
            if abs(start - row[-2]) <= TIME_TOLERANCE and abs(end - row[-1]) <= TIME_TOLERANCE:
                matched += 1
                del candidates[i]
                break
    return matched


# ---------------------------------------------------------------------------
# text


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


def _changes(label: str, items: list[str], times: list[float], limit: int = 8) -> list[str]:
    if len(items) == 1:
        return [f"{label}: {items[0]}"]
    shown = [f"{item} at {_clock(t)}" for item, t in zip(items[:limit], times[:limit])]
    more = f", ... {len(items) - limit} more" if len(items) > limit else ""
    return [f"{label}s ({len(items)}): " + ", ".join(shown) + more]


def format_summary(summary: Summary) -> list[str]:
    """The lines `rnnmusic info` prints."""
    lines = [f"file: {summary.source}"]
    span = "none"
    if summary.pitch_range:
        low, high = summary.pitch_range
        span = f"{pitch_name(low)} ({low}) to {pitch_name(high)} ({high})"
    duration = f"{_clock(summary.duration)} ({summary.duration:.2f} s)"
    lines.append(f"duration: {duration}   notes: {summary.notes}   pitch range: {span}")
    lines += _changes("tempo", [f"{q:g} qpm" for _, q in _rounded(summary.tempos)], [t for t, _ in summary.tempos])
    lines += _changes("meter", [f"{n}/{d}" for _, n, d in summary.meters], [t for t, _, _ in summary.meters])
    if summary.keys:
        lines += _changes("key", [k for _, k in summary.keys], [t for t, _ in summary.keys])
    else:
        lines.append("key: none given")
    lines.append(f"tracks ({len(summary.tracks)}):")
    width = max([4] + [len(t.name) for t in summary.tracks])
    lines.append(f"  {'#':>3}  {'name':<{width}}  {'program':<32}  drum  notes")
    for t in summary.tracks:
        program = f"{t.program:>3} {t.instrument}"
        drum = "yes" if t.is_drum else "no"
        lines.append(f"  {t.index:>3}  {t.name:<{width}}  {program:<32}  {drum:<4}  {t.notes:>5}")
    if summary.encoding:
        lines += _format_encoding(summary.encoding)
    return lines


def _rounded(tempos):
    return [(t, round(q, 2)) for t, q in tempos]


def _format_encoding(e: EncodingSummary) -> list[str]:
    dropped = sum(e.dropped.values())
    reasons = ", ".join(f"{reason} {n}" for reason, n in e.dropped.items())
    return [
        f"encoding {e.name} ({e.vocab_size} tokens in its vocabulary):",
        f"  tokens: {e.tokens}",
        "  round trip: " + ("exact (decode(encode(x)) equals the encoding's normalised x)" if e.exact else "NOT exact"),
        f"  notes: {e.notes_in} in, {e.encoded} encoded, {dropped} dropped" + (f" ({reasons})" if reasons else ""),
        f"  encoded notes: {e.unchanged} as they were, {e.moved} changed in time or pitch, "
        f"{e.velocity_only} in velocity only",
    ]

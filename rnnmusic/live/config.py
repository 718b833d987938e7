"""Live engine settings, and what they do to generated notes on their way to the scheduler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rnnmusic.errors import ConfigError
from rnnmusic.live.scheduler import Entry
from rnnmusic.notes import Note

MODES = ("continuous", "call-response")


@dataclass(frozen=True)
class LiveConfig:
    """How the engine plays. Times in beats are quarter notes; ``channel`` is 0-15."""

    mode: str = "continuous"
    lookahead_bars: float = 1.0
    latency_ms: float = 0.0  # positive: send this much earlier, to make up for the synth's latency
    channel: int = 0
    program: int | None = None
    velocity_scale: float = 1.0
    silence_beats: float = 2.0
    answer_bars: float = 2.0
    pass_through: bool = False
    max_note_beats: float = 8.0
    chunk_beats: float = 1.0
    regenerate_bars: float = 4.0  # a regenerate press makes this many bars again, from the next bar line
    realtime: bool = True  # ask for real-time priority for the sender thread
    record: int = 0  # keep the timing of this many sent messages (benchmarks)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        checks = [
            ("lookahead-bars", self.lookahead_bars, 0.0, 64.0, True),
            ("latency-ms", self.latency_ms, -1000.0, 1000.0, False),
            ("velocity-scale", self.velocity_scale, 0.0, 10.0, False),
            ("silence-beats", self.silence_beats, 0.0, 256.0, True),
            ("answer-bars", self.answer_bars, 0.0, 1024.0, True),
            ("max-note-beats", self.max_note_beats, 0.0, 1024.0, True),
            ("chunk beats", self.chunk_beats, 0.0, 64.0, True),
            ("regenerate-bars", self.regenerate_bars, 0.0, 64.0, True),
        ]
        for name, value, low, high, open_low in checks:
            if not (low < value <= high if open_low else low <= value <= high):
                raise ConfigError(
                    f"{name} must be {'above' if open_low else 'at least'} {low:g} "
                    f"and at most {high:g}, not {value:g}"
                )
        if not 0 <= self.channel <= 15:
            raise ConfigError(f"channel must be 1-16, not {self.channel + 1}")
        if self.program is not None and not 0 <= self.program <= 127:
            raise ConfigError(f"program must be 0-127, not {self.program}")


def note_entries(notes: list[Note], offset: float, config: LiveConfig, ids: Callable[[], int]) -> list[Entry]:
    """Scheduler entries for ``notes`` moved by ``offset`` beats: channel, velocity scale, length cap."""
    entries: list[tuple[float, int, bytes, int]] = []
    status_on, status_off = 0x90 | config.channel, 0x80 | config.channel
    for note in notes:
        start = note.start + offset
        end = start + min(max(note.end - note.start, 1.0 / 128), config.max_note_beats)
        velocity = min(127, max(1, round(note.velocity * config.velocity_scale)))
        note_id = ids()
        entries.append((start, 1, bytes((status_on, note.pitch, velocity)), note_id))
        entries.append((end, 0, bytes((status_off, note.pitch, 0)), note_id))
    entries.sort(key=lambda e: (e[0], e[1]))  # at one beat a note-off goes before a note-on
    return [(beat, data, note_id) for beat, _, data, note_id in entries]



"""A one-line progress display on stderr, the only one (dataset builds, training, generate, eval --music):
redrawn in place on a terminal, a line now and then otherwise (a log file gets no carriage returns)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


def format_duration(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):  # nan or inf: not known yet
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class ProgressLine:
    """Throttled status line; ``update`` is cheap to call every iteration."""

    def __init__(self, stream: TextIO | None = None, interval: float | None = None, enabled: bool = True):
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        # on a terminal redraw often; in a log file write a line only now and then
        self.interval = interval if interval is not None else (0.2 if self.tty else 10.0)
        self.enabled = enabled
        self._last = float("-inf")
        self._width = 0

    def due(self) -> bool:
        """True when an update would be shown now (so a caller can skip formatting the text)."""
        return self.enabled and time.monotonic() - self._last >= self.interval

    def update(self, text: str, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        if self.tty:
            pad = max(0, self._width - len(text))
            self.stream.write("\r" + text + " " * pad)
            self._width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        """A permanent line (the progress line is redrawn below it)."""
        if not self.enabled:
            return
        self.close()
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0


def terminal_progress(label: str, stream: TextIO | None = None) -> Callable[[float], None] | None:
    """A progress callback (fraction done, 0 to 1) drawing ``label`` and a percentage on a terminal, or
    None when the stream is not one: these runs are short, and a log wants their result, not percentages."""
    line = ProgressLine(stream)
    if not line.tty:
        return None

    def show(fraction: float) -> None:
        line.update(f"{label} {fraction:4.0%}", force=fraction >= 1.0)
        if fraction >= 1.0:
            line.close()

    return show

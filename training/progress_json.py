"""A machine-readable progress stream of a training run: one JSON object per report (``train --progress-json``).

The app reads it from the training process's stdout to draw its progress bar, time left and
learning curve. Every record has the same keys, so a reader needs no case per event:

``event``
    ``start`` (once, before the first step; ``step`` is where a resumed run picks up),
    ``train`` (at most every ``interval`` seconds), ``valid`` (after each validation, once the
    checkpoint of that step is written, so a run killed from then on resumes at or after it) or ``done``.
``step``, ``total``, ``epoch``, ``epochs``
    steps done, steps the run will take, epochs done (``step / steps_per_epoch``, a float) and
    the epochs the run will take (``total / steps_per_epoch``).
``loss``
    the mean training loss (nats per token) of the steps since the previous record, or null.
``valid_loss``
    the validation NLL (nats per token) in ``valid`` records (null when there is no validation split).
``elapsed``, ``eta``
    seconds this process has trained, and the estimated seconds left (null until a step is done).
``resumed``
    whether the run continues from a checkpoint.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

#: what receives each record
Emit = Callable[[dict[str, Any]], None]


def json_lines(stream: TextIO | None = None) -> Emit:
    """An Emit that writes each record as one JSON line and flushes (a pipe reader sees it at once)."""
    out = stream if stream is not None else sys.stdout

    def emit(record: dict[str, Any]) -> None:
        out.write(json.dumps(record) + "\n")
        out.flush()

    return emit


class TrainingReport:
    """Turns the trainer's per-step facts into throttled records for ``emit``."""

    def __init__(self, emit: Emit, total: int, steps_per_epoch: int, step: int, resumed: bool,
                 interval: float = 0.5, clock: Callable[[], float] = time.monotonic):
        self.emit, self.total, self.steps_per_epoch = emit, total, max(1, steps_per_epoch)
        self.resumed, self.interval, self.clock = resumed, interval, clock
        self.started_at, self.first_step = clock(), step
        self._last_emit = float("-inf")
        self._losses: list[float] = []
        self._record("start", step)

    def trained(self, step: int, loss: float) -> None:
        """After every step; emits a ``train`` record when ``interval`` has passed (or at the last step)."""
        self._losses.append(loss)
        if step >= self.total or self.clock() - self._last_emit >= self.interval:
            self._record("train", step)

    def validated(self, step: int, valid_loss: float | None) -> None:
        if self._losses:  # the training loss up to this point first, so the curve has both at this step
            self._record("train", step)
        self._record("valid", step, valid_loss=valid_loss)

    def finished(self, step: int) -> None:
        self._record("done", step)

    def _record(self, event: str, step: int, valid_loss: float | None = None) -> None:
        now = self.clock()
        elapsed = now - self.started_at
        done = step - self.first_step
        eta = (self.total - step) * elapsed / done if done > 0 else None
        loss = sum(self._losses) / len(self._losses) if self._losses else None
        self._losses = []
        self._last_emit = now
        self.emit({"event": event, "step": step, "total": self.total, "epoch": step / self.steps_per_epoch,
                   "epochs": self.total / self.steps_per_epoch,
                   "loss": loss, "valid_loss": valid_loss, "elapsed": elapsed, "eta": eta,
                   "resumed": self.resumed})

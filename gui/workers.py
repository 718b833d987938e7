"""Run engine calls off the GUI thread and hear about them as Qt signals.

The engine knows nothing of Qt: it takes a ``progress(fraction)`` callable and a
``threading.Event`` to cancel. :class:`BackgroundTask` adapts exactly that pair:
it runs a function on a pool thread, turns its progress calls into a signal
(queued to the GUI thread by Qt, since the signals object lives there) and
reports the result, a user-facing error, or cancellation.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from rnnmusic.errors import RnnmusicError

log = logging.getLogger(__name__)

#: the work: called with a progress callback and a cancel event, returns the result
Work = Callable[[Callable[[float], None], threading.Event], Any]

# at most this many progress signals per task: the engine may report every token
PROGRESS_STEPS = 200


class TaskSignals(QObject):
    progress = Signal(float)  # 0.0 .. 1.0
    finished = Signal(object)  # the work's return value
    failed = Signal(str)  # a message for the user
    cancelled = Signal()
    done = Signal()  # after any of the three above


class BackgroundTask(QRunnable):
    """One call of ``work`` on a QThreadPool thread, reported through :class:`TaskSignals`."""

    def __init__(self, work: Work, signals: TaskSignals):
        super().__init__()
        self.work = work
        self.signals = signals
        self.cancel_event = threading.Event()
        self._last_step = -1

    def report(self, fraction: float) -> None:
        """The progress callback handed to the engine; runs on the worker thread."""
        step = int(max(0.0, min(1.0, float(fraction))) * PROGRESS_STEPS)
        if step != self._last_step:  # flooding the GUI thread's queue would make it sluggish
            self._last_step = step
            self.signals.progress.emit(step / PROGRESS_STEPS)

    def run(self) -> None:
        try:
            result = self.work(self.report, self.cancel_event)
        except RnnmusicError as exc:
            if self.cancel_event.is_set():
                self.signals.cancelled.emit()
            else:
                self.signals.failed.emit(str(exc))
        except Exception as exc:
            if self.cancel_event.is_set():  # the engine stops a cancelled run by raising
                self.signals.cancelled.emit()
            else:  # a bug: the user still gets a message, the log gets the traceback
                log.exception("background task failed")
                self.signals.failed.emit(f"Unexpected error: {type(exc).__name__}: {exc}")
        else:
            if self.cancel_event.is_set():
                self.signals.cancelled.emit()
            else:
                self.signals.finished.emit(result)
        self.signals.done.emit()


class TaskRunner(QObject):
    """Runs one background task at a time and re-emits its signals; what the window talks to."""

    started = Signal()
    progress = Signal(float)
    partial = Signal(object)  # work in progress (e.g. notes so far); emit it from the work function
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    done = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._task: BackgroundTask | None = None
        self._signals: TaskSignals | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self, work: Work) -> bool:
        """Start ``work`` unless a task is running already (returns whether it started)."""
        if self._task is not None:
            return False
        signals = TaskSignals(self)
        signals.progress.connect(self.progress)
        signals.finished.connect(self.finished)
        signals.failed.connect(self.failed)
        signals.cancelled.connect(self.cancelled)
        signals.done.connect(self._on_done)
        task = BackgroundTask(work, signals)
        task.setAutoDelete(False)  # Python owns it; Qt must not free it under our reference
        self._task, self._signals = task, signals
        self.started.emit()
        self.pool.start(task)
        return True

    def cancel(self) -> None:
        """Ask the running task to stop; it reports ``cancelled`` when it has."""
        if self._task is not None:
            self._task.cancel_event.set()

    def wait(self, msecs: int = -1) -> bool:
        """Block until the pool is idle (for shutting down)."""
        return self.pool.waitForDone(msecs)

    def _on_done(self) -> None:
        signals = self._signals
        self._task, self._signals = None, None
        if signals is not None:
            signals.deleteLater()
        self.done.emit()

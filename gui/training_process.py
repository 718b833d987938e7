"""Run `rnnmusic` commands one after another in a child process and hear about them as Qt signals.

Training runs in its own process, never in the app's: the window stays responsive, torch
is never loaded into the app, and Cancel kills the process at once. That is safe because
the trainer writes its checkpoints atomically (a kill keeps the last whole one, which a
resumed run continues from). The training command's ``--progress-json`` lines arrive as
``record`` signals; any other output is a ``line`` for the log.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QProcess, QProcessEnvironment, Signal

from rnnmusic.errors import RnnmusicError

#: one step: what the dialog shows while it runs, and the `rnnmusic` arguments
Command = tuple[str, list[str]]
#: run after a step exits cleanly: a line for the log ("" for none); raises RnnmusicError when its result is unusable
AfterStep = Callable[[int], str]

#: one torch (and OpenMP) thread: the app and the user's other work keep the rest of the machine
THREAD_LIMITS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
ERROR_MARK = ": error: "  # how `rnnmusic` starts the one line that says what is wrong


class TrainingProcess(QObject):
    """Runs a list of commands in order; reports ``finished``, ``failed(message)`` or ``cancelled`` once."""

    step_started = Signal(int, str)  # index, what the step does
    record = Signal(dict)  # a progress record of `rnnmusic train --progress-json`
    line = Signal(str)  # any other output line
    finished = Signal()
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None, python: str = sys.executable):
        super().__init__(parent)
        self.python = python
        self._commands: list[Command] = []
        self._after: AfterStep | None = None
        self._index = -1
        self._process: QProcess | None = None
        self._cancelling = False
        self._error = ""
        self._stdout = b""
        app = QCoreApplication.instance()
        if app is not None:  # quitting the app must not leave a training process behind
            app.aboutToQuit.connect(self.cancel)

    @property
    def running(self) -> bool:
        return self._process is not None

    def start(self, commands: list[Command], after: AfterStep | None = None) -> bool:
        """Run ``commands`` in order (returns False when a run is going already)."""
        if self.running or not commands:
            return False
        self._commands, self._after, self._index, self._cancelling = list(commands), after, -1, False
        self._next()
        return True

    def cancel(self) -> None:
        """Stop now: the child is killed (its last checkpoint stays), then ``cancelled`` is emitted."""
        if self._process is not None:
            self._cancelling = True
            self._process.kill()

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the current child has exited (for tests and shutting down)."""
        return self._process is None or self._process.waitForFinished(msecs)

    # -- one step after another ---------------------------------------------------------
    def _next(self) -> None:
        self._index += 1
        if self._index >= len(self._commands):
            self._process = None
            self.finished.emit()
            return
        label, args = self._commands[self._index]
        self._error, self._stdout = "", b""
        process = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        for key, value in THREAD_LIMITS.items():
            environment.insert(key, value)
        process.setProcessEnvironment(environment)
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._on_exit)
        process.errorOccurred.connect(self._on_error)
        self._process = process
        self.step_started.emit(self._index, label)
        process.start(self.python, ["-m", "rnnmusic", *args])

    def _read_stdout(self) -> None:
        if self._process is None:
            return
        self._stdout += bytes(self._process.readAllStandardOutput().data())
        *lines, self._stdout = self._stdout.split(b"\n")
        for raw in lines:
            self._stdout_line(raw.decode("utf-8", errors="replace"))

    def _stdout_line(self, text: str) -> None:
        try:
            record = json.loads(text)
        except ValueError:
            record = None
        if isinstance(record, dict) and "event" in record:
            self.record.emit(record)
        elif text.strip():
            self.line.emit(text)

    def _read_stderr(self) -> None:
        if self._process is None:
            return
        text = bytes(self._process.readAllStandardError().data()).decode("utf-8", errors="replace")
        for line in text.splitlines():
            if ERROR_MARK in line:
                self._error = line.split(ERROR_MARK, 1)[1].strip()
            if line.strip():
                self.line.emit(line)

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and not self._cancelling:
            self._process = None
            self.failed.emit(f"The training program could not start ({self.python} -m rnnmusic).")

    def _on_exit(self, code: int, status: QProcess.ExitStatus) -> None:
        self._read_stdout()  # what is left in the pipes, while the process is still known
        self._read_stderr()
        if self._stdout:
            self._stdout_line(self._stdout.decode("utf-8", errors="replace"))
        process, self._process = self._process, None
        if process is not None:
            process.deleteLater()
        if self._cancelling:
            self.cancelled.emit()
            return
        if status != QProcess.ExitStatus.NormalExit or code != 0:
            what = self._commands[self._index][0].rstrip("…").lower()
            self.failed.emit(self._error or f"{what} stopped unexpectedly (exit code {code}); see the log.")
            return
        if self._after is not None:
            try:
                note = self._after(self._index)
            except RnnmusicError as exc:
                self.failed.emit(str(exc))
                return
            if note:
                self.line.emit(note)
        self._next()

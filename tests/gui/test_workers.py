"""The background-task adapter: progress as signals, results, plain errors, and cancellation."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from rnnmusic.errors import MidiFileError
from rnnmusic.gui.workers import PROGRESS_STEPS, TaskRunner


def test_result_and_progress_arrive_on_the_gui_thread(qtbot):
    runner = TaskRunner()
    seen: list[tuple[float, bool]] = []
    gui_thread = QThread.currentThread()
    runner.progress.connect(lambda f: seen.append((f, QThread.currentThread() is gui_thread)))
    worker_threads = []

    def work(progress, cancel):
        worker_threads.append(threading.current_thread())
        for i in range(1001):  # far more calls than signals we want
            progress(i / 1000)
        return "done"

    with qtbot.waitSignal(runner.finished) as finished:
        assert runner.start(work)
    assert finished.args == ["done"]
    qtbot.waitUntil(lambda: not runner.running)
    assert worker_threads[0] is not threading.main_thread()
    assert all(on_gui for _, on_gui in seen)
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len(fractions) <= PROGRESS_STEPS + 1


def test_user_errors_become_a_message(qtbot, tmp_path):
    runner = TaskRunner()

    def work(progress, cancel):
        raise MidiFileError(tmp_path / "x.mid", "has no notes")

    with qtbot.waitSignal(runner.failed) as failed:
        runner.start(work)
    assert failed.args[0].endswith("x.mid: has no notes")


def test_bugs_become_a_message_too(qtbot):
    runner = TaskRunner()
    with qtbot.waitSignal(runner.failed) as failed:
        runner.start(lambda progress, cancel: 1 / 0)
    assert "ZeroDivisionError" in failed.args[0]


def test_cancel_reports_cancelled_not_a_result(qtbot):
    runner = TaskRunner()
    started = threading.Event()
    results = []
    runner.finished.connect(results.append)

    def work(progress, cancel):
        started.set()
        cancel.wait(30)
        if cancel.is_set():
            raise RuntimeError("stopped early")  # what an engine does when told to stop
        return "too late"

    with qtbot.waitSignal(runner.done):
        with qtbot.waitSignal(runner.cancelled):
            runner.start(work)
            assert started.wait(10)
            runner.cancel()
    assert results == []
    assert not runner.running


def test_only_one_task_at_a_time(qtbot):
    runner = TaskRunner()
    gate = threading.Event()
    assert runner.start(lambda p, c: gate.wait(10))
    assert not runner.start(lambda p, c: None)
    with qtbot.waitSignal(runner.done):
        gate.set()
    assert runner.start(lambda p, c: None)
    runner.wait(5000)

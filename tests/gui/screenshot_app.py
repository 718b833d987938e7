"""Run the real app on an X display, make takes, and screenshot it with ImageMagick's `import`.

Used by test_screenshots.py as ``python screenshot_app.py OUT_DIR MODEL SEED``
with DISPLAY pointing at a private Xvfb. It prints one line per picture written
(and the ruler's place and highlight colour, which marks the selected bars).
The live panel runs the real LiveEngine into the live engine's list-backed fake
port (there is no synth to send to on a test machine).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from rnnmusic.gui.app import application, create_window
from rnnmusic.gui.live_session import LiveSession
from rnnmusic.gui.ports import MidiPorts
from rnnmusic.gui.settings import Settings
from rnnmusic.live import LiveConfig, LiveEngine
from rnnmusic.live.ports import PortList
from rnnmusic.live.recording import RecordingOutput
from rnnmusic.live.setup import make_clock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: tests/ holds the fakes
from live_fakes import FakeOutput, PatternSource  # noqa: E402

WIDTH, HEIGHT = 1400, 860


def wait_until(condition, timeout_ms: int = 60_000) -> None:
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: condition() and loop.quit())
    timer.start(20)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    timer.stop()
    if not condition():
        raise SystemExit("timed out waiting for the window")


def settle(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def snap(path: Path, geometry: str | None = None) -> None:
    """A real X screenshot of the root window (optionally cropped to WxH+X+Y)."""
    command = ["import", "-window", "root"] + (["-crop", geometry] if geometry else []) + [str(path)]
    subprocess.run(command, check=True, timeout=60)
    print(f"wrote {path}", flush=True)


def pattern_live(request) -> LiveSession:
    """The real engine and the app's recorder over a fake synth port (the notes played are drawn in the roll)."""
    output = FakeOutput("Synth")
    clock = make_clock(request.clock, request.bpm, request.meter, request.seed)
    recording = RecordingOutput(output, clock)
    engine = LiveEngine(PatternSource(pitches=(60, 64, 67, 72), step=0.5, length=0.4), recording, clock,
                        LiveConfig(realtime=False))
    engine.start()
    return LiveSession(engine, output, recording)


def snap_region(window, out: Path) -> None:
    """Bars 6-9 of the first take written anew three times: the region selected, one variation shown and
    another compared with it."""
    window.takes_panel.select_row(0)
    first = window.takes.rowCount()
    window.roll.scene.set_bar_selection(6, 10)
    window.regions.regenerate_action.trigger()
    wait_until(lambda: window.takes.rowCount() == first + 3 and not window.runner.running)
    for row in range(first):  # the main picture's comparison would cover the region's
        window.takes.setData(window.takes.index(row, 0), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    window.takes.setData(window.takes.index(first + 1, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    window.takes_panel.select_row(first)
    window.roll.fit()
    window.roll.center_on_notes()
    settle()
    print(f"highlight {window.roll.ruler.palette().color(QPalette.ColorRole.Highlight).name()}", flush=True)
    snap(out / "region-variations.png")


def main(out_dir: str, model: str, seed: str) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    application()
    names = PortList(("Keyboard", "Bitwig Studio:MIDI out"), ("FluidSynth:Synth input", "Bitwig Studio:MIDI in"))
    ports = MidiPorts(lister=lambda api: names)
    with tempfile.TemporaryDirectory() as home:
        window = create_window(Settings(Path(home) / "settings.ini"), ports=ports)
        window.setGeometry(0, 0, WIDTH, HEIGHT)
        window.show()
        window.live_dock.hide()
        if not window.models.add_file(model) or not window.open_file(seed):
            return 1
        controls = window.controls
        controls.bars.setValue(8)
        controls.variations.setValue(3)
        controls.temperature.setValue(0.9)
        controls.seed.setValue(2024)
        controls.seed_lock.setChecked(True)
        window.generate_action.trigger()
        wait_until(lambda: window.takes.rowCount() == 3 and not window.runner.running)
        window.takes.setData(window.takes.index(1, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
        window.takes_panel.select_row(0)
        window.transport.set_target("FluidSynth:Synth input")
        window.roll.fit()
        window.roll.center_on_notes()
        settle()
        snap(out / "main-window.png")

        # editing: two bars of the take selected on the ruler, and the take's notes in them selected
        scene = window.roll.scene
        take = window.current_take()
        first_bar = scene.bar_at(float(scene.to_quarters(take.continuation_start)))
        scene.set_bar_selection(first_bar, first_bar + 2)
        start, end = scene.bar_selection_seconds()
        scene.select_notes([n for n in take.generated_part.iter_notes() if start <= n.start < end])
        settle()
        snap(out / "editing.png")
        ruler = window.roll.ruler
        corner = ruler.mapToGlobal(ruler.rect().topLeft())
        print(f"ruler {corner.x()} {corner.y()} {ruler.width()} {ruler.height()}", flush=True)
        scene.clear_bar_selection()
        scene.select_notes([])

        window.live_dock.show()
        window.live.factory = pattern_live
        window.live.output.setCurrentIndex(1)
        window.live.start()
        wait_until(lambda: window.live.display.text().startswith("bar 2"))
        settle(100)
        dock = window.live_dock.geometry()
        top_left = window.live_dock.mapToGlobal(dock.topLeft() - dock.topLeft())
        snap(out / "live-panel.png", f"{dock.width()}x{dock.height()}+{top_left.x()}+{top_left.y()}")
        window.live.stop()
        window.live_dock.hide()
        snap_region(window, out)
        window.close()
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))

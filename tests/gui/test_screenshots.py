"""Under a real X server (a private Xvfb), the app runs with generated takes and its screenshots go to docs/.

The screenshots are what the README shows, so they are made by the real window on
a real display and checked: the right size, not blank, and the generated notes'
colour really on screen.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gui_support import has_colour_near
from PySide6.QtGui import QColor, QImage
from support import require

from rnnmusic.gui.loss_curve import TRAIN_COLOUR, VALID_COLOUR
from rnnmusic.pianoroll import CONTINUATION_COLOUR

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
SCRIPT = Path(__file__).with_name("screenshot_app.py")
TRAINING_SCRIPT = Path(__file__).with_name("screenshot_training.py")


@pytest.fixture
def xvfb():
    """A private Xvfb; yields its DISPLAY value."""
    require(shutil.which("Xvfb") is not None, "Xvfb (package xvfb)")
    require(shutil.which("import") is not None, "ImageMagick's import (package imagemagick)")
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1400x860x24", "-nolisten", "tcp"],
                              pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()  # Xvfb writes its display number once it accepts clients
    if not number:
        server.kill()
        pytest.fail(f"Xvfb did not start: {server.stderr.read().decode(errors='replace')[-1000:]}")
    try:
        display = f":{number}"
        require(_xcb_works(display), "Qt's xcb platform plugin and its libraries (libxcb-cursor0, libxcb-icccm4, "
                "libxcb-keysyms1)")
        yield display
    finally:
        server.terminate()
        server.wait(timeout=20)
        server.stderr.close()


def _xcb_works(display: str) -> bool:
    """Whether Qt can open a window on ``display`` (its xcb plugin needs a few X libraries beyond Xvfb's)."""
    probe = "from PySide6.QtGui import QGuiApplication; QGuiApplication([])"
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, timeout=60)
    return done.returncode == 0


def shipped_or(test_file: Path, shipped: Path) -> Path:
    """The shipped model or seed when it exists (a nicer picture), else the test's own."""
    return shipped if shipped.is_file() else test_file


@pytest.mark.xvfb
def test_screenshots_of_the_main_window_editing_live_panel_and_a_region(xvfb, tiny_model, seed_file):
    model = shipped_or(tiny_model, ROOT / "models" / "folk.onnx")
    seed = shipped_or(seed_file, ROOT / "examples" / "seed_folk.mid")
    env = {**os.environ, "DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb", "RNNMUSIC_MODELS": str(tiny_model.parent / "none")}
    started = time.time()
    done = subprocess.run([sys.executable, str(SCRIPT), str(SHOTS), str(model), str(seed)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr[-3000:]}"
    assert "wrote" in done.stdout and "main-window.png" in done.stdout and "editing.png" in done.stdout

    main = QImage(str(SHOTS / "main-window.png"))
    assert (main.width(), main.height()) == (1400, 860)
    colours = {main.pixel(x, y) for x in range(0, main.width(), 7) for y in range(0, main.height(), 7)}
    assert len(colours) > 50  # a drawn window, not an empty screen
    generated = QColor(*CONTINUATION_COLOUR)  # the generated notes' colour in a light palette
    assert has_colour_near(main, generated), "no generated notes visible in the screenshot"

    editing = QImage(str(SHOTS / "editing.png"))
    assert (editing.width(), editing.height()) == (1400, 860)
    said = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines() if line.strip()}
    highlight, (x, y, width, height) = QColor(said["highlight"][0]), map(int, said["ruler"])
    # the selected bars are shaded on the ruler in the editing picture, and only there
    assert has_colour_near(editing.copy(x, y, width, height), highlight, tolerance=8), "no bar selection shown"
    assert not has_colour_near(main.copy(x, y, width, height), highlight, tolerance=8)
    assert has_colour_near(editing, generated)
    assert (SHOTS / "editing.png").stat().st_mtime >= started - 1  # written by this run, not left over
    assert "docs/screenshots/editing.png" in (ROOT / "README.md").read_text(encoding="utf-8")

    live = QImage(str(SHOTS / "live-panel.png"))
    assert live.width() > 300 and live.height() > 100
    assert (SHOTS / "live-panel.png").stat().st_mtime >= started - 1  # written by this run, not left over
    assert "docs/screenshots/live-panel.png" in (ROOT / "README.md").read_text(encoding="utf-8")

    region = QImage(str(SHOTS / "region-variations.png"))
    assert (region.width(), region.height()) == (1400, 860)
    assert has_colour_near(region, generated), "no region notes visible in the region screenshot"
    assert has_colour_near(region, highlight, tolerance=8), "the selected bars are not marked on the ruler"


@pytest.mark.xvfb
@pytest.mark.slow
def test_screenshot_of_the_training_dialog_mid_training(xvfb, tmp_path):
    require(_torch_installed(), "torch (the training extra)")
    folder = tmp_path / "My Reels"
    folder.mkdir()
    for path in sorted((ROOT / "tests" / "data").glob("*.mid")):  # written by tests/data/make_test_midi.py
        shutil.copy(path, folder / path.name)
    env = {**os.environ, "DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb", "RNNMUSIC_TRAINING": str(tmp_path / "training"),
           "RNNMUSIC_MODELS": str(tmp_path / "models"), "HOME": str(tmp_path)}  # the folder shows as ~/My Reels
    done = subprocess.run([sys.executable, str(TRAINING_SCRIPT), str(SHOTS), str(folder)], env=env,
                          capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr[-3000:]}"
    assert "training-dialog.png" in done.stdout and "mid-training at step" in done.stdout

    shot = QImage(str(SHOTS / "training-dialog.png"))
    assert (shot.width(), shot.height()) == (760, 640)
    assert has_colour_near(shot, TRAIN_COLOUR, 20), "no training loss curve in the screenshot"
    assert has_colour_near(shot, VALID_COLOUR, 20), "no validation curve in the screenshot"
    assert not list((tmp_path / "models").glob("*.onnx")), "the picture is taken mid-training (then cancelled)"


def _torch_installed() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True

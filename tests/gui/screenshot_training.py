"""Screenshot the training dialog mid-training, its learning curve drawn, on a real X display.

Used by test_screenshots.py as ``python screenshot_training.py OUT_DIR MIDI_FOLDER`` with DISPLAY
pointing at a private Xvfb (and RNNMUSIC_TRAINING, RNNMUSIC_MODELS at scratch folders). It trains a
real small model on the folder, takes the picture once a few validations are on the curve, then
cancels. It prints one line per picture written and one saying where training was.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication
from screenshot_app import settle, snap, wait_until  # this script's folder is on sys.path

from rnnmusic.gui.app import application
from rnnmusic.gui.train_dialog import TrainDialog

WIDTH, HEIGHT = 760, 640
VALIDATIONS = 30  # points on the validation curve before the picture


def main(out_dir: str, folder: str) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    application()
    dialog = TrainDialog()
    dialog.setGeometry(0, 0, WIDTH, HEIGHT)
    dialog.show()
    dialog.set_folder(folder)
    dialog.name.setText("my-reels")
    dialog.kind.setCurrentIndex(dialog.kind.findData("melody"))
    dialog.network.setCurrentIndex(1)  # small: LSTM 1 x 128
    dialog.epochs.setValue(400)
    if not dialog.start():
        return 1
    wait_until(lambda: len(dialog.curve.valid) >= VALIDATIONS or not dialog.process.running, timeout_ms=240_000)
    if not dialog.process.running:
        print("training ended before the picture", file=sys.stderr)
        return 1
    settle(200)
    record = dialog.last_record
    snap(out / "training-dialog.png", f"{WIDTH}x{HEIGHT}+0+0")
    print(f"mid-training at step {record['step']} of {record['total']}", flush=True)
    dialog.process.cancel()
    dialog.process.wait()
    dialog.close()
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))

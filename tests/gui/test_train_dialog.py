"""Training from the app, with real widgets: real MIDI files (tests/data) -> the dialog -> `rnnmusic` in a
child process -> an exported ONNX model that the model list shows and the window generates with.

The runs are tiny (LSTM 1 x 32 on tests/data's dozen files, one step per epoch), so each takes seconds.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gui_support import has_colour_near
from PySide6.QtCore import Qt
from support import require

from rnnmusic.gui.loss_curve import TRAIN_COLOUR, VALID_COLOUR, LossCurve
from rnnmusic.gui.train_dialog import TrainDialog, status_text

DATA = Path(__file__).resolve().parents[1] / "data"
RUN_TIMEOUT_MS = 240_000  # a loaded 2-core machine; the runs take seconds when it is quiet

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def torch_installed():
    try:
        import torch  # noqa: F401
    except ImportError:
        torch = None
    require(torch is not None, "torch (the training extra, which the dialog's child process runs)")


@pytest.fixture
def midi_folder(tmp_path: Path) -> Path:
    """The readable files of tests/data (written by tests/data/make_test_midi.py), as a user's folder."""
    folder = tmp_path / "My Tunes"
    folder.mkdir()
    for path in sorted(DATA.glob("*.mid")):
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture
def places(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """The user models folder and the training folder, both fresh (the app finds them by these variables)."""
    models, training = tmp_path / "user-models", tmp_path / "training"
    monkeypatch.setenv("RNNMUSIC_MODELS", str(models))
    monkeypatch.setenv("RNNMUSIC_TRAINING", str(training))
    return models, training


@pytest.fixture
def dialog(qtbot, places, dialogs):
    models, training = places
    made = TrainDialog(root=training, models_dir=models)
    qtbot.addWidget(made)
    made.show()
    yield made
    made.process.cancel()
    made.process.wait()


def choose(dialog: TrainDialog, folder: Path, kind: str = "melody", epochs: int = 6, name: str = "") -> None:
    dialog.set_folder(folder)
    dialog.kind.setCurrentIndex(dialog.kind.findData(kind))
    dialog.network.setCurrentIndex(0)  # tiny
    dialog.epochs.setValue(epochs)
    if name:
        dialog.name.setText(name)


def checkpoint_step(run_dir: Path) -> int:
    import torch

    return int(torch.load(run_dir / "last.pt", weights_only=True)["step"])


def test_a_folder_of_midi_files_becomes_a_model_in_the_list_that_generates(window, qtbot, places, midi_folder,
                                                                          dialogs):
    models, training = places
    file_menu = window.menuBar().actions()[0].menu()
    assert window.train_action in file_menu.actions()  # File > Train a Model…
    window.train_action.trigger()
    dialog = window.train_dialog
    assert dialog is not None and dialog.isVisible()
    choose(dialog, midi_folder, epochs=6)
    assert dialog.name.text() == "my-tunes"  # suggested by the folder's name
    records = []
    dialog.process.record.connect(records.append)

    with qtbot.waitSignal(dialog.model_exported, timeout=RUN_TIMEOUT_MS) as exported:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        assert dialog.process.running and not dialog.start_button.isEnabled() and dialog.cancel_button.isEnabled()
    assert dialogs.shown == []
    model = models / "my-tunes.onnx"
    assert exported.args == [model] and model.is_file()

    # the progress stream: a fresh start, every epoch trained and validated, then done
    assert records[0]["event"] == "start" and records[0]["step"] == 0 and not records[0]["resumed"]
    assert records[-1]["event"] == "done" and records[-1]["step"] == records[-1]["total"] == 6
    assert [r["step"] for r in records if r["event"] == "valid"] == [1, 2, 3, 4, 5, 6]
    assert all(r["valid_loss"] > 0 for r in records if r["event"] == "valid")  # the folder's valid share
    assert dialog.progress.value() == dialog.progress.maximum()
    assert "Epoch 6 of 6" in dialog.status.text() and "finished" in dialog.status.text()
    assert [s for s, _ in dialog.curve.valid] == [1, 2, 3, 4, 5, 6]
    assert [s for s, _ in dialog.curve.train] == [1, 2, 3, 4, 5, 6]
    picture = dialog.curve.grab().toImage()
    assert has_colour_near(picture, TRAIN_COLOUR, 30, 2) and has_colour_near(picture, VALID_COLOUR, 30, 2)
    assert (training / "my-tunes" / "run" / "best.pt").is_file()
    assert "Skipped 1 of 13 files: drums.mid has no notes the encoding can represent" in dialog.log.toPlainText()

    # the model list shows the new model, chosen, and the window generates with it
    current = window.models.current()
    assert current is not None and current.path == model and not current.shipped
    assert "my-tunes (melody, yours)" in window.models.combo.currentText()
    assert window.open_file(DATA / "pickup.mid")
    window.controls.bars.setValue(2)
    window.generate()
    qtbot.waitUntil(lambda: window.takes.rowCount() >= 1 and not window.runner.running, timeout=60_000)
    take = window.current_take()
    assert take is not None and len(take.generated_part.notes) > 0
    assert dialogs.shown == []


def test_cancel_keeps_the_checkpoint_and_start_resumes_from_it(dialog, qtbot, places, midi_folder, dialogs):
    models, training = places
    choose(dialog, midi_folder, epochs=500, name="resumed")
    run_dir = training / "resumed" / "run"
    assert dialog.start_button.text() == "Start"
    assert dialog.start()
    dialog.close()  # only hides it: the training goes on in the background
    assert not dialog.isVisible() and dialog.process.running
    qtbot.waitUntil(lambda: dialog.last_record.get("event") == "valid" and dialog.last_record["step"] >= 3,
                    timeout=RUN_TIMEOUT_MS)
    dialog.show()
    with qtbot.waitSignal(dialog.process.cancelled, timeout=10_000):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.process.running and dialog.start_button.isEnabled()
    assert dialog.start_button.text() == "Resume"
    assert "Cancelled" in dialog.stage.text()
    saved = checkpoint_step(run_dir)
    assert 3 <= saved < 500, "cancelled part way, after a checkpoint"
    assert not (models / "resumed.onnx").exists()  # nothing exported from a cancelled run
    curve_before = list(dialog.curve.train)

    # the same name with another kind of model is not continued: one message, nothing started
    dialog.kind.setCurrentIndex(dialog.kind.findData("chords"))
    assert not dialog.start()
    assert dialogs.shown == [("Cannot train on this folder",
                              "The model “resumed” was being trained from other choices: kind melody (now chords). "
                              "Tick Start over to train it afresh, or choose another name.")]
    assert not dialog.process.running and checkpoint_step(run_dir) == saved
    dialogs.shown.clear()
    dialog.kind.setCurrentIndex(dialog.kind.findData("melody"))

    records = []
    dialog.process.record.connect(records.append)
    dialog.epochs.setValue(saved + 2)  # a resumed run may be given another length
    with qtbot.waitSignal(dialog.model_exported, timeout=RUN_TIMEOUT_MS):
        assert dialog.start()
    assert dialogs.shown == []
    assert records[0]["event"] == "start" and records[0]["resumed"]
    assert records[0]["step"] == saved and records[0]["epoch"] == saved  # one step per epoch here
    assert [r["step"] for r in records if r["event"] == "valid"] == [saved + 1, saved + 2]
    assert dialog.resumed_at == saved and f"resumed at step {saved}" in dialog.status.text()
    assert f"resumed at epoch {saved}, step {saved}" in dialog.log.toPlainText()
    assert checkpoint_step(run_dir) == saved + 2
    # the curve keeps the first session's points up to the checkpoint and goes on from there
    assert dialog.curve.train[: len([p for p in curve_before if p[0] <= saved])] == [
        p for p in curve_before if p[0] <= saved]
    assert [s for s, _ in dialog.curve.train][-2:] == [saved + 1, saved + 2]
    assert (models / "resumed.onnx").is_file()


def test_a_folder_without_midi_files_gets_one_message(dialog, tmp_path, dialogs):
    empty = tmp_path / "Notes"
    empty.mkdir()
    (empty / "readme.txt").write_text("not music")
    choose(dialog, empty)
    assert not dialog.start()
    assert len(dialogs.shown) == 1
    title, text = dialogs.shown[0]
    assert title == "Cannot train on this folder"
    assert text == (f"There are no MIDI files (.mid, .midi) in {empty} or its subfolders. "
                    "Choose the folder that holds the MIDI files to learn from.")
    assert not dialog.process.running and dialog.start_button.isEnabled()


def test_a_folder_of_unreadable_midi_files_gets_one_message(dialog, qtbot, tmp_path, places, dialogs):
    models, training = places
    broken = tmp_path / "Broken"
    shutil.copytree(DATA / "broken", broken)
    choose(dialog, broken, name="broken")
    with qtbot.waitSignal(dialog.process.failed, timeout=RUN_TIMEOUT_MS):
        assert dialog.start()
    assert len(dialogs.shown) == 1
    title, text = dialogs.shown[0]
    assert title == "Training stopped"
    assert text.startswith(f"None of the 7 MIDI file(s) in {broken} can be learnt from as melody: "
                           "absurd_ticks.mid has absurd event times")
    assert "bad_header.mid has an invalid header" in text and "(and 4 more)" in text
    assert not dialog.process.running and dialog.stage.text() == "Training stopped."
    assert not (training / "broken" / "run").exists()  # stopped before training
    assert not models.exists() or not list(models.glob("*.onnx"))


def test_the_learning_curve_draws_both_losses_and_thins_long_runs(qtbot):
    curve = LossCurve()
    qtbot.addWidget(curve)
    curve.resize(400, 220)
    for step in range(1, 5001):
        curve.add("train", step, 3.0 - step / 5000)
    curve.add("valid", 2500, 2.6)
    curve.add("valid", 5000, float("nan"))  # a diverged validation is not a point
    assert len(curve.train) == 5000 and curve.valid == [(2500, 2.6)]
    image = curve.grab().toImage()
    assert has_colour_near(image, TRAIN_COLOUR, 30, 2) and has_colour_near(image, VALID_COLOUR, 30, 2)
    curve.keep_until(100)
    assert len(curve.train) == 100 and curve.valid == []


def test_status_line_of_a_record():
    record = {"event": "train", "step": 30, "total": 200, "epoch": 3.0, "epochs": 20.0, "loss": 2.3141,
              "valid_loss": 2.4012, "eta": 80.4}
    assert status_text(record, None) == "Epoch 3 of 20 · step 30 of 200 · loss 2.314 · validation 2.401 · 1m20s left"
    done = {**record, "event": "done", "step": 200, "epoch": 20.0}
    assert status_text(done, 40).endswith("finished · resumed at step 40")

"""Train a model from the app: a folder of MIDI files and a kind of music in, a new model in the list out.

The dialog only gathers the choices and shows progress. :mod:`rnnmusic.gui.training_job`
says what to run; :mod:`rnnmusic.gui.training_process` runs it (`rnnmusic dataset build`,
`train --progress-json`, `export`) in a child process. Cancel kills that process; the
run's last checkpoint stays, and Start on the same name continues from it. Closing the dialog
only hides it: the training goes on (the app's quitting stops it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from rnnmusic.engine.catalog import user_models_dir
from rnnmusic.errors import RnnmusicError
from rnnmusic.gui.dialogs import show_error
from rnnmusic.gui.loss_curve import LossCurve
from rnnmusic.gui.training_job import KINDS, SIZES, TrainingJob, name_from_folder, training_root
from rnnmusic.gui.training_process import TrainingProcess
from rnnmusic.progress import format_duration

BUILD, TRAIN, EXPORT = 0, 1, 2  # the steps of TrainingJob.commands()


class TrainDialog(QDialog):
    """Choose a folder and a kind of model, then train it in the background with a live learning curve."""

    model_exported = Signal(object)  # the Path of the new .onnx file

    def __init__(self, parent: QWidget | None = None, root: Path | None = None, models_dir: Path | None = None):
        super().__init__(parent)
        self.setWindowTitle("Train a model")
        self.root = root if root is not None else training_root()
        self.models_dir = models_dir if models_dir is not None else user_models_dir()
        self.job: TrainingJob | None = None
        self.resumed_at: int | None = None  # the step the last start continued from (None: it began afresh)
        self.last_record: dict[str, Any] = {}
        self.process = TrainingProcess(self)
        self._build()
        self._connect()
        self._update_buttons()

    def _build(self) -> None:
        self.folder = QLineEdit(self)
        self.folder.setPlaceholderText("a folder of .mid files (subfolders too)")
        self.browse_button = QPushButton("Choose…", self)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse_button)
        self.kind = QComboBox(self)
        for key, (label, _encoding) in KINDS.items():
            self.kind.addItem(label, key)
        self.network = QComboBox(self)
        for size in SIZES:
            self.network.addItem(size.label, size)
        self.network.setCurrentIndex(1)
        self.epochs = QSpinBox(self)
        self.epochs.setRange(1, 10_000)
        self.epochs.setValue(20)
        self.epochs.setToolTip("Passes over the training files; a resumed run may be given more")
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("the new model's name")
        self.start_over = QCheckBox("Start over (forget the earlier training of this name)", self)
        form = QFormLayout()
        form.addRow("MIDI folder", folder_row)
        form.addRow("Kind of model", self.kind)
        form.addRow("Network", self.network)
        form.addRow("Epochs", self.epochs)
        form.addRow("Model name", self.name)
        form.addRow("", self.start_over)

        self.stage = QLabel("Choose a folder of MIDI files, then Start.", self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel("", self)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.curve = LossCurve(self)
        self.log = QPlainTextEdit(self)
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(500)
        self.log.setFixedHeight(70)

        self.start_button = QPushButton("Start", self)
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop now; Start continues from the last checkpoint")
        self.close_button = QPushButton("Close", self)
        self.close_button.setToolTip("Training goes on in the background; File > Train a Model… shows it again")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.stage)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.curve, 1)
        layout.addWidget(self.log)
        layout.addLayout(buttons)
        self.resize(640, 600)

    def _connect(self) -> None:
        self.browse_button.clicked.connect(self.browse)
        self.folder.textEdited.connect(self._suggest_name)
        self.name.textChanged.connect(lambda _text: self._update_buttons())
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.process.cancel)
        self.close_button.clicked.connect(self.close)
        self.process.step_started.connect(self._on_step)
        self.process.record.connect(self._on_record)
        self.process.line.connect(self.log.appendPlainText)
        self.process.finished.connect(self._on_finished)
        self.process.failed.connect(self._on_failed)
        self.process.cancelled.connect(self._on_cancelled)

    # -- choosing ----------------------------------------------------------------------
    def browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of MIDI files", self.folder.text() or str(Path.home()))
        if folder:
            self.set_folder(folder)

    def set_folder(self, folder: str | Path) -> None:
        """Show ``folder`` (under the home folder as ``~/...``, which current_job expands) and suggest a name."""
        path, home = Path(folder).expanduser(), Path.home()
        shown = f"~/{path.relative_to(home).as_posix()}" if path.is_relative_to(home) and path != home else str(path)
        self.folder.setText(shown)
        self._suggest_name(str(path))

    def _suggest_name(self, folder: str) -> None:
        if not self.name.isModified():  # a name the user typed is theirs
            self.name.setText(name_from_folder(folder))

    def current_job(self) -> TrainingJob:
        return TrainingJob(Path(self.folder.text().strip()).expanduser(), str(self.kind.currentData()),
                           self.name.text().strip(), self.network.currentData(), self.epochs.value(),
                           self.root, self.models_dir)

    # -- running -----------------------------------------------------------------------
    def start(self) -> bool:
        """Check the choices, then build, train (or resume) and export; a bad folder gets one message."""
        if self.process.running:
            return False
        if not self.folder.text().strip():
            show_error(self, "Cannot train", "Choose the folder that holds the MIDI files to learn from.")
            return False
        job = self.current_job()
        try:
            job.prepare(start_over=self.start_over.isChecked())
        except RnnmusicError as exc:
            show_error(self, "Cannot train on this folder", str(exc))
            return False
        except OSError as exc:
            show_error(self, "Cannot train", f"The training folder {job.work_dir} cannot be written "
                                             f"({exc.strerror or exc}).")
            return False
        self.job, self.resumed_at, self.last_record = job, None, {}
        self.start_over.setChecked(False)
        if not job.can_resume():
            self.curve.clear()
        self.log.appendPlainText(f"— {job.name}: {job.folder} as {KINDS[job.kind][0].lower()}, {job.size.label}")
        self.process.start(job.commands(), after=self._after_step)
        self._update_buttons()
        return True

    def _after_step(self, index: int) -> str:
        """The dataset is checked before training starts: a folder with nothing usable stops here."""
        return self.job.check_dataset() if index == BUILD and self.job is not None else ""

    def _on_step(self, index: int, label: str) -> None:
        self.stage.setText(label)
        if index != TRAIN:
            self.progress.setRange(0, 0)  # busy: the build and the export report no steps
        self._update_buttons()

    def _on_record(self, record: dict[str, Any]) -> None:
        # a record carries only the losses it measured: the status line keeps showing the latest of each
        self.last_record = {**self.last_record, **{k: v for k, v in record.items() if v is not None},
                            "event": record["event"]}
        step, total = int(record["step"]), int(record["total"])
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(step, total))
        self.curve.set_total_steps(total)
        if record["event"] == "start":
            self.curve.keep_until(step)
            if record["resumed"]:
                self.resumed_at = step
                self.log.appendPlainText(f"resumed at epoch {_epochs(record['epoch'])}, step {step}")
        elif record["event"] == "train":
            self.curve.add("train", step, record["loss"])
        elif record["event"] == "valid":
            self.curve.add("valid", step, record["valid_loss"])
        self.status.setText(status_text(self.last_record, self.resumed_at))

    def _on_finished(self) -> None:
        job = self.job
        self._update_buttons()
        if job is None:
            return
        self.stage.setText(f"Done: {job.name} is in the model list.")
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.log.appendPlainText(f"wrote {job.model_path}")
        self.model_exported.emit(job.model_path)

    def _on_failed(self, message: str) -> None:
        self.stage.setText("Training stopped.")
        self.progress.setRange(0, 1)
        self._update_buttons()
        show_error(self, "Training stopped", message)

    def _on_cancelled(self) -> None:
        self.progress.setRange(0, max(int(self.last_record.get("total", 1)), 1))
        self.stage.setText("Cancelled. Start continues from the last checkpoint.")
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.process.running
        choices = (self.folder, self.browse_button, self.kind, self.network, self.epochs, self.name, self.start_over)
        for widget in choices:
            widget.setEnabled(not running)
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        resumable = bool(self.name.text().strip()) and self.current_job().can_resume()
        self.start_button.setText("Resume" if resumable and not running else "Start")

def _epochs(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def status_text(record: dict[str, Any], resumed_at: int | None) -> str:
    """One line about a progress record: epoch, step, losses, time left (and where a resumed run began)."""
    parts = [f"Epoch {_epochs(record['epoch'])} of {_epochs(record['epochs'])}",
             f"step {record['step']:,} of {record['total']:,}"]
    if record.get("loss") is not None:
        parts.append(f"loss {record['loss']:.3f}")
    if record.get("valid_loss") is not None:
        parts.append(f"validation {record['valid_loss']:.3f}")
    if record["event"] == "done":
        parts.append("finished")
    elif record.get("eta") is not None:
        parts.append(f"{format_duration(record['eta'])} left")
    if resumed_at is not None:
        parts.append(f"resumed at step {resumed_at:,}")
    return " · ".join(parts)

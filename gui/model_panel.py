"""The model picker: shipped models, the user's models folder and any .onnx file added by hand, with its card.

The card leads with what a model plays and what music it learned from; the figures
(network, how well it fits its test music) and the model's own Markdown card sit
under Details. Opening a seed chooses the shipped model that fits it, as the command
line does, unless the user picked a model this session.

The models live in one Qt list model; the combo box is a view of it. A file the
user adds is loaded once through the engine right away, so a broken file is
reported when it is added, not at the first Generate.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from rnnmusic.engine import ModelEntry, default_model_for
from rnnmusic.errors import RnnmusicError
from rnnmusic.gui.dialogs import show_error
from rnnmusic.gui.engine_bridge import EngineBridge
from rnnmusic.gui.settings import Settings
from rnnmusic.notes import NoteSequence

EntryRole = Qt.ItemDataRole.UserRole + 1


class ModelsModel(QAbstractListModel):
    """Model files in the order shipped, user folder, added by hand; unusable ones are listed but disabled."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._entries: list[ModelEntry] = []

    def set_entries(self, entries: list[ModelEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def append(self, entry: ModelEntry) -> int:
        """Add an entry (or return the row of the same file already listed)."""
        for row, existing in enumerate(self._entries):
            if Path(existing.path).resolve() == Path(entry.path).resolve():
                return row
        row = len(self._entries)
        self.beginInsertRows(QModelIndex(), row, row)
        self._entries.append(entry)
        self.endInsertRows()
        return row

    def remove(self, row: int) -> None:
        if 0 <= row < len(self._entries):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._entries[row]
            self.endRemoveRows()

    def entry(self, row: int) -> ModelEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def entries(self) -> list[ModelEntry]:
        return list(self._entries)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            where = "shipped" if entry.shipped else "yours"
            kind = entry.encoding_name or "unusable"
            return f"{entry.name} ({kind}, {where})"
        if role == Qt.ItemDataRole.ToolTipRole:
            return entry.problem or str(entry.path)
        if role == EntryRole:
            return entry
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None or entry.info is None:
            return Qt.ItemFlag.NoItemFlags  # listed so the user sees it, but cannot be chosen
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


#: what a model of each encoding plays, in a musician's words
_PLAYS = {
    "melody": "a single melody line, one note at a time",
    "polyphony": "several voices at once: chords and part writing",
    "performance": "piano playing with its own timing and loudness",
    "drums": "drum parts",
}


def card_html(entry: ModelEntry) -> str:
    """What a musician asks first: what the model plays and what music it learned from (the figures are in
    :func:`details_html`)."""
    info = entry.info
    if info is None:
        return f"<p><b>{html.escape(entry.name)}</b> cannot be used: {html.escape(entry.problem)}</p>"
    plays = _PLAYS.get(entry.encoding_name, f"music in the {entry.encoding_name} style")
    parts = [f"<h3>{html.escape(entry.name)}</h3>", f"<p><b>Plays</b> {html.escape(plays)}.</p>"]
    if info.description:
        parts.append(f"<p>{html.escape(info.description.rstrip('.'))}.</p>")
    learned = _learned_from(info.training_data)
    if learned:
        parts.append(f"<p><b>Learned from</b> {html.escape(learned)}.</p>")
    if info.license:
        parts.append(f"<p><b>Music used</b>: {html.escape(info.license)}</p>")
    return "".join(parts)


def _learned_from(training_data: dict[str, Any]) -> str:
    """"3,068 pieces (2,769 to learn from, the rest to check it)" and where they came from, when known."""
    files = training_data.get("files")
    total = sum(v for v in files.values() if isinstance(v, int)) if isinstance(files, dict) else files
    text = f"{total:,} pieces" if isinstance(total, int) and total else ""
    if isinstance(files, dict) and isinstance(files.get("train"), int) and total != files["train"]:
        text += f" ({files['train']:,} to learn from, the rest to check it)"
    source = training_data.get("source")
    if isinstance(source, str) and source and not source.startswith("/"):  # a trainer's folder says nothing
        text = f"{text} of {source}" if text else source
    return text


def details_html(entry: ModelEntry) -> str:
    """The facts a model file states about itself, as a small HTML table, for Details."""
    info = entry.info
    if info is None:
        return ""
    arch = info.architecture
    rows = [
        ("Encoding", f"{info.encoding.get('name', '?')} ({arch.vocab_size} tokens)"),
        ("Network", f"{arch.cell.upper()}, {arch.layers} × {arch.hidden}, {info.parameter_count():,} parameters"),
    ]
    for key, value in info.training_data.items():
        # the hash is for machines; an absolute path is where the trainer's files were, not the user's
        if key == "content_hash" or (key == "source" and str(value).startswith("/")):
            continue
        rows.append((f"Training {_label(key)}", _value(value)))
    numbers = {k: v for k, v in info.metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    if numbers:
        rows.append(("Metrics", " · ".join(f"{_label(k)} {_value(v)}" for k, v in numbers.items())))
    if isinstance(info.metrics.get("nll_unit"), str):
        rows.append(("NLL unit", info.metrics["nll_unit"]))
    if info.quantization:
        rows.append(("Quantization", " · ".join(f"{_label(k)} {_value(v)}" for k, v in info.quantization.items())))
    if info.license:
        rows.append(("Licence", info.license))
    rows.append(("File", str(entry.path)))
    table = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table cellspacing='2'>{table}</table>"


def _label(key: str) -> str:
    return key.replace("_", " ").replace("nll", "NLL")


def _value(value: Any) -> str:
    """A metadata value for people: thousands separated, three decimals, dicts as "train 2,769 · valid 158"."""
    if isinstance(value, dict):
        return " · ".join(f"{_label(str(k))} {_value(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


class ModelPanel(QWidget):
    """Choose a model; see its card; add or remove your own .onnx files."""

    model_changed = Signal(object)  # the chosen ModelEntry, or None

    def __init__(self, engine: EngineBridge, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.engine = engine
        self.settings = settings
        self.models = ModelsModel(self)
        self.combo = QComboBox(self)
        self.combo.setModel(self.models)
        self.combo.currentIndexChanged.connect(self._on_current)
        self.add_button = QPushButton("Add…", self)
        self.add_button.setToolTip("Use an .onnx model file made with `rnnmusic export`")
        self.add_button.clicked.connect(self.browse)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setToolTip("Forget a model you added (the file is kept)")
        self.remove_button.clicked.connect(self.remove_current)
        self.card = QTextBrowser(self)
        self.card.setOpenExternalLinks(True)
        # the figures (network, measured fit to its test music) and the model's own Markdown card
        self.details_button = QToolButton(self)
        self.details_button.setText("Details")
        self.details_button.setCheckable(True)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.details_button.setToolTip("How the model is built and how well it learned, in figures")
        self.details_button.toggled.connect(self._show_details)
        self.details = QTextBrowser(self)
        self.details.setOpenExternalLinks(True)
        self.details.setVisible(False)
        self._user_chose = False  # a model the user picked this session is kept whatever seed is opened
        self.combo.activated.connect(self._on_user_choice)
        row = QHBoxLayout()
        row.addWidget(self.combo, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.card, 1)
        layout.addWidget(self.details_button)
        layout.addWidget(self.details, 2)

    # -- filling -----------------------------------------------------------------------
    def reload(self) -> None:
        """List the shipped and user-folder models, then the files added before (dropping ones now gone)."""
        entries = list(self.engine.list_models())
        kept = []
        for path in self.settings.user_models():
            try:
                entries.append(self.engine.describe_file(path))
                kept.append(path)
            except RnnmusicError:
                continue  # a file the user added then moved or deleted: quietly forgotten
        self.settings.set_user_models(kept)
        wanted = self.settings.get_str("models/current")  # read first: filling the list changes the current row
        self.models.set_entries(entries)
        if not self.select_path(wanted):
            self._select_first_usable()
        self._on_current(self.combo.currentIndex())

    def add_file(self, path: str | Path) -> bool:
        """Add a model file and choose it; a bad file gets a plain dialog and changes nothing."""
        try:
            entry = self.engine.describe_file(path)
        except RnnmusicError as exc:
            show_error(self, "Cannot use this model", str(exc))
            return False
        row = self.models.append(entry)
        paths = self.settings.user_models()
        if not entry.shipped and str(entry.path) not in paths:
            self.settings.set_user_models(paths + [str(entry.path)])
        self.combo.setCurrentIndex(row)
        self._user_chose = True
        return True

    def fit_to(self, seed: NoteSequence | None) -> ModelEntry | None:
        """Choose the shipped model that fits ``seed`` (the rule `rnnmusic generate` follows without --model),
        unless the user chose a model this session; the entry chosen, or None when nothing changed."""
        if self._user_chose:
            return None
        try:
            fitting = default_model_for(seed)
        except RnnmusicError:
            return None  # no shipped model fits: the current one stays
        current = self.current()
        if current is not None and Path(current.path) == Path(fitting.path):
            return None
        return self.current() if self.select_path(fitting.path) else None

    def _on_user_choice(self, _row: int) -> None:
        self._user_chose = True

    def _show_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def browse(self) -> None:
        start = self.settings.get_str("models/last_dir", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, "Add a model", start, "rnnmusic models (*.onnx);;All files (*)")
        if path:
            self.settings.set_value("models/last_dir", str(Path(path).parent))
            self.add_file(path)

    def remove_current(self) -> None:
        entry = self.current()
        if entry is None or entry.shipped:
            return
        self.settings.set_user_models([p for p in self.settings.user_models() if Path(p) != Path(entry.path)])
        self.models.remove(self.combo.currentIndex())

    # -- choosing ------------------------------------------------------------------------
    def current(self) -> ModelEntry | None:
        return self.models.entry(self.combo.currentIndex())

    def select_path(self, path: str | Path | None) -> bool:
        if not path:
            return False
        for row, entry in enumerate(self.models.entries()):
            if entry.info is not None and Path(entry.path) == Path(path):
                self.combo.setCurrentIndex(row)
                return True
        return False

    def choose(self, path: str | Path) -> bool:
        """Select the model at ``path`` as the user's own choice (``rnnmusic gui --model``): kept whatever
        seed is opened, like a model picked in the list."""
        if not self.select_path(path):
            return False
        self._user_chose = True
        return True

    def _select_first_usable(self) -> None:
        for row, entry in enumerate(self.models.entries()):
            if entry.info is not None:
                self.combo.setCurrentIndex(row)
                return
        self.combo.setCurrentIndex(-1)

    def _on_current(self, row: int) -> None:
        entry = self.models.entry(row)
        self.remove_button.setEnabled(entry is not None and not entry.shipped)
        if entry is None:
            self.card.setHtml("<p>No model yet. Add an .onnx file made with <code>rnnmusic export</code>.</p>")
            self.details.clear()
        else:
            self.settings.set_value("models/current", str(entry.path))
            self.card.setHtml(card_html(entry))
            self.details.setHtml(details_html(entry))
            if entry.card:
                # the Markdown card goes after the figures; QTextBrowser renders Markdown itself
                cursor = self.details.textCursor()
                cursor.movePosition(cursor.MoveOperation.End)
                cursor.insertHtml("<hr/>")
                cursor.insertMarkdown(entry.card)
                self.details.moveCursor(self.details.textCursor().MoveOperation.Start)
        self.model_changed.emit(entry)

"""The MIDI ports the app can see, as two Qt string-list models every port combo box shares.

Listing goes through the live engine's :func:`~rnnmusic.live.ports.list_ports`, the
same call `rnnmusic ports` makes. Listing can fail (no MIDI system, as on a
machine without a sound card); the failure is kept as a message for the UI
rather than raised, because an empty list is a normal state for this window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QConcatenateTablesProxyModel, QObject, QStringListModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox

from rnnmusic.errors import RnnmusicError

if TYPE_CHECKING:
    from rnnmusic.live.ports import PortList


def _list_ports(api: str | None) -> PortList:
    from rnnmusic.live.ports import list_ports

    return list_ports(api)


def api_names() -> tuple[str, ...]:
    """The MIDI systems this platform has (ALSA and JACK on Linux): the only ones worth offering."""
    from rnnmusic.live.ports import platform_apis

    return platform_apis()


def api_label(api: str) -> str:
    from rnnmusic.live.ports import api_title

    return api_title(api)


def app_message(exc: RnnmusicError) -> str:
    """An error as the app says it: a MIDI system that cannot be reached points at the app's own menu."""
    from rnnmusic.live.ports import MidiSystemError

    if isinstance(exc, MidiSystemError):
        return exc.advice(lambda api: f"choosing {api_label(api)} under MIDI system")
    return str(exc)


def default_api() -> str:
    from rnnmusic.live.ports import default_api as platform_api

    return platform_api()


class MidiPorts(QObject):
    """Output and input port names of one MIDI system; ``refresh`` lists them again."""

    changed = Signal()

    def __init__(self, lister: Callable[[str | None], PortList] = _list_ports, parent: QObject | None = None):
        super().__init__(parent)
        self._lister = lister
        self.api: str | None = None
        self.outputs = QStringListModel(self)
        self.inputs = QStringListModel(self)
        self.problem = ""  # why listing failed, for a status line; empty when it worked

    def set_api(self, api: str | None) -> None:
        self.api = api or None
        self.refresh()

    def refresh(self) -> None:
        try:
            found = self._lister(self.api)
        except RnnmusicError as exc:
            self.problem = app_message(exc)
            self.outputs.setStringList([])
            self.inputs.setStringList([])
        else:
            self.problem = ""
            self.outputs.setStringList(list(found.outputs))
            self.inputs.setStringList(list(found.inputs))
        self.changed.emit()

    def output_names(self) -> list[str]:
        return self.outputs.stringList()

    def input_names(self) -> list[str]:
        return self.inputs.stringList()


# -- port choices in combo boxes ----------------------------------------------------------
ChoiceRole = Qt.ItemDataRole.UserRole + 1


def port_choices(
    ports: QStringListModel, fixed: list[tuple[str, str]], parent: QObject
) -> QConcatenateTablesProxyModel:
    """A list model of ``fixed`` (label, value) rows followed by the live port names."""
    rows = QStandardItemModel(0, 1, parent)  # one column even when empty: the join has the fewest columns
    for label, value in fixed:
        item = QStandardItem(label)
        item.setData(value, ChoiceRole)
        rows.appendRow(item)
    joined = QConcatenateTablesProxyModel(parent)
    joined.addSourceModel(rows)
    joined.addSourceModel(ports)
    return joined


def chosen(combo: QComboBox) -> str:
    """The value of a combo over :func:`port_choices`: a fixed row's value, or the port name."""
    index = combo.currentIndex()
    if index < 0:
        return ""
    value = combo.itemData(index, ChoiceRole)
    return str(value) if value is not None else combo.itemText(index)


def choose(combo: QComboBox, value: str) -> bool:
    """Select the row whose value is ``value``; False when there is none (the port is gone)."""
    for row in range(combo.count()):
        data = combo.itemData(row, ChoiceRole)
        if (data if data is not None else combo.itemText(row)) == value:
            combo.setCurrentIndex(row)
            return True
    return False

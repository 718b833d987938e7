"""The installed Qt binding keeps Python's reference counts right in the drawing calls the app makes.

PySide6-Essentials 6.12.0 takes one reference off ``None`` on every void call such as
``QPen.setWidth``; Python before 3.12 then aborts ("Fatal Python error: none_dealloc")
once ``None``'s count reaches zero, which drawing a large piano roll does within seconds.
Each probe below calls one method the piano roll (or the dark palette) uses, on real Qt
objects, and counts the references ``None`` lost. A lost reference is given back at
once, so a leaking binding fails these tests instead of aborting pytest.
"""

from __future__ import annotations

import ctypes
import gc
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from packaging.requirements import Requirement
from packaging.version import Version
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPalette, QPen, QTransform
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QGridLayout,
    QSizePolicy,
    QWidget,
)
from support import require

ROOT = Path(__file__).resolve().parents[2]
GUI = ROOT / "gui"
# bindings measured to lose references to None, and the first Python whose None is immortal (so they do not crash)
KNOWN_LEAKING = {"6.12.0": "3.12"}
# the modules that draw: they run once per note or per paint, so a leak there multiplies
DRAWING_MODULES = ("pianoroll_scene.py", "pianoroll_view.py", "roll_mouse.py", "loss_curve.py")
CALLS = 200  # a leak of one reference per call shows as 200; None's count is far above that
DRAWING_CALL = re.compile(r"\.((?:set|draw|add|remove)[A-Z]\w*|fillRect|ensureVisible|centerOn)\(")


class Probe(NamedTuple):
    name: str  # Class.method(the arguments' kind, where gui/ calls it more than one way)
    call: Callable[[], object]

    @property
    def method(self) -> str:
        return self.name.split("(", 1)[0].rsplit(".", 1)[-1]


def none_references_lost(call: Callable[[], object], times: int = CALLS) -> int:
    """How many references ``None`` lost over ``times`` calls; any lost are given back before returning."""
    gc.disable()  # a collection in the loop would free objects that hold None
    try:
        start = sys.getrefcount(None)
        call()  # a first call may fill a cache that keeps a reference; that is not a leak
        before = sys.getrefcount(None)
        for _ in range(times):
            call()
        after = sys.getrefcount(None)
    finally:
        gc.enable()
    for _ in range(max(start - after, 0)):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(None))
    return before - after


@pytest.fixture
def probes(qapp) -> Iterator[list[Probe]]:
    """One probe per way gui/ calls a drawing method, on objects like the ones the app makes."""
    scene = QGraphicsScene()
    view = QGraphicsView(scene)
    rect = QGraphicsRectItem(QRectF(0, 60, 2, 1))
    line = QGraphicsLineItem(0, 0, 0, 128)
    scene.addItem(rect)
    scene.addItem(line)
    spare = QGraphicsRectItem(QRectF(0, 0, 1, 1))
    pen, color, font, palette = QPen(QColor("#d01010")), QColor("#1e8a4c"), QFont(), QPalette()
    widget, layout = QWidget(), QGridLayout()
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    painter = QPainter(image)

    def add_and_remove() -> None:
        scene.addItem(spare)
        scene.removeItem(spare)

    found = [
        Probe("QPen.setCosmetic", lambda: pen.setCosmetic(True)),
        Probe("QPen.setWidth", lambda: pen.setWidth(2)),
        Probe("QPen.setStyle", lambda: pen.setStyle(Qt.PenStyle.DashLine)),
        Probe("QColor.setAlphaF", lambda: color.setAlphaF(0.5)),
        Probe("QFont.setPixelSize", lambda: font.setPixelSize(9)),
        Probe("QGraphicsRectItem.setPen", lambda: rect.setPen(pen)),
        Probe("QGraphicsLineItem.setPen", lambda: line.setPen(pen)),
        Probe("QGraphicsRectItem.setBrush", lambda: rect.setBrush(QBrush(color))),
        Probe("QGraphicsRectItem.setBrush(style)", lambda: rect.setBrush(Qt.BrushStyle.NoBrush)),
        Probe("QGraphicsRectItem.setToolTip", lambda: rect.setToolTip("C4 (60) · velocity 80")),
        Probe("QGraphicsRectItem.setZValue", lambda: rect.setZValue(2)),
        Probe("QGraphicsRectItem.setRect", lambda: rect.setRect(QRectF(1, 60, 2, 1))),
        Probe("QPainterPath.addRect", lambda: QPainterPath().addRect(QRectF(0, 60, 2, 1))),
        Probe("QGraphicsRectItem.setPos", lambda: rect.setPos(0.25, -1)),
        Probe("QGraphicsRectItem.setFlag",
              lambda: rect.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)),
        Probe("QGraphicsRectItem.setSelected", lambda: rect.setSelected(True)),
        Probe("QGraphicsLineItem.setVisible", lambda: line.setVisible(True)),
        Probe("QGraphicsLineItem.setLine", lambda: line.setLine(1.5, 0, 1.5, 128)),
        Probe("QGraphicsScene.setSceneRect", lambda: scene.setSceneRect(QRectF(0, 0, 24, 128))),
        Probe("QGraphicsScene.addItem", add_and_remove),
        Probe("QGraphicsScene.removeItem", add_and_remove),
        Probe("QGraphicsView.setTransform", lambda: view.setTransform(QTransform.fromScale(40, 10))),
        Probe("QGraphicsView.setRenderHint", lambda: view.setRenderHint(QPainter.RenderHint.Antialiasing, False)),
        Probe("QGraphicsView.setAlignment",
              lambda: view.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)),
        Probe("QGraphicsView.setViewportUpdateMode",
              lambda: view.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)),
        Probe("QGraphicsView.setDragMode", lambda: view.setDragMode(QGraphicsView.DragMode.RubberBandDrag)),
        Probe("QGraphicsView.setRubberBandSelectionMode",
              lambda: view.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)),
        Probe("QGraphicsView.setHorizontalScrollBarPolicy",
              lambda: view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)),
        Probe("QGraphicsView.setVerticalScrollBarPolicy",
              lambda: view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)),
        Probe("QGraphicsView.setMouseTracking", lambda: view.setMouseTracking(True)),
        Probe("QGraphicsView.setFocusPolicy", lambda: view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)),
        Probe("QGraphicsView.setFocus", lambda: view.setFocus(Qt.FocusReason.MouseFocusReason)),
        Probe("QGraphicsView.ensureVisible", lambda: view.ensureVisible(QRectF(1, 60, 0.01, 0.01), 40, 0)),
        Probe("QGraphicsView.centerOn", lambda: view.centerOn(4, 60)),
        Probe("QScrollBar.setValue", lambda: view.horizontalScrollBar().setValue(0)),
        Probe("QWidget.setFixedWidth", lambda: widget.setFixedWidth(56)),
        Probe("QWidget.setFixedHeight", lambda: widget.setFixedHeight(20)),
        Probe("QWidget.setCursor", lambda: widget.setCursor(Qt.CursorShape.PointingHandCursor)),
        Probe("QWidget.setMinimumSize", lambda: widget.setMinimumSize(320, 200)),
        Probe("QWidget.setSizePolicy",
              lambda: widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)),
        Probe("QGridLayout.setContentsMargins", lambda: layout.setContentsMargins(0, 0, 0, 0)),
        Probe("QGridLayout.setSpacing", lambda: layout.setSpacing(0)),
        Probe("QGridLayout.addWidget", lambda: layout.addWidget(widget, 1, 1)),
        # the dark palette of gui/app.py, set whenever the system turns dark
        Probe("QPalette.setColor", lambda: palette.setColor(QPalette.ColorRole.Base, color)),
        Probe("QPalette.setColor(group)",
              lambda: palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, color)),
        Probe("QPainter.fillRect(QRectF)", lambda: painter.fillRect(QRectF(0, 0, 8, 1), color)),
        Probe("QPainter.fillRect(QRect)", lambda: painter.fillRect(image.rect(), QColor("#f4f4f4"))),
        Probe("QPainter.setPen(QPen)", lambda: painter.setPen(pen)),
        Probe("QPainter.setPen(QColor)", lambda: painter.setPen(color)),
        Probe("QPainter.setFont", lambda: painter.setFont(font)),
        Probe("QPainter.drawLine(QPointF)", lambda: painter.drawLine(QPointF(0, 1), QPointF(8, 1))),
        Probe("QPainter.drawLine(int)", lambda: painter.drawLine(63, 0, 63, 63)),
        Probe("QPainter.drawText(QRectF)",
              lambda: painter.drawText(QRectF(0, 0, 30, 10), Qt.AlignmentFlag.AlignRight, "C4")),
        Probe("QPainter.drawText(int)", lambda: painter.drawText(3, 14, "5")),
    ]
    yield found
    painter.end()


def test_every_drawing_call_in_gui_is_probed(probes):
    called = {name for module in DRAWING_MODULES for name in DRAWING_CALL.findall((GUI / module).read_text())}
    missing = called - {p.method for p in probes}
    assert not missing, f"add a probe for each drawing call gui/ makes: {sorted(missing)}"


def test_the_qt_binding_keeps_none_referenced_in_drawing_calls(probes):
    import PySide6

    losses = [(p.name, none_references_lost(p.call)) for p in probes]
    leaking = [f"{name} -{lost}" for name, lost in losses if lost > CALLS // 10]
    assert not leaking, (f"PySide6 {PySide6.__version__} loses references to None over {CALLS} calls "
                         f"(Python < 3.12 aborts with none_dealloc): {', '.join(leaking)}")


@pytest.mark.parametrize("python", ["3.10", "3.11", "3.12", "3.13"])
def test_the_gui_extra_keeps_each_python_off_the_bindings_that_crash_it(python):
    require(sys.version_info >= (3, 11), "tomllib (Python 3.11+, to read pyproject.toml)")
    import tomllib

    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["gui"]
    environment = {"python_version": python, "python_full_version": f"{python}.0"}
    pyside = [r for r in map(Requirement, extra)
              if r.name == "PySide6-Essentials" and (r.marker is None or r.marker.evaluate(environment))]
    assert len(pyside) == 1, f"one PySide6-Essentials requirement applies on Python {python}: {pyside}"
    allowed = pyside[0].specifier
    assert allowed.contains("6.11.3")
    for version, safe_from in KNOWN_LEAKING.items():
        crashes = Version(python) < Version(safe_from)
        assert allowed.contains(version) is not crashes, (
            f"PySide6-Essentials {version} must be {'refused' if crashes else 'allowed'} on Python {python}")

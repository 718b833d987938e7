"""A live learning curve: training loss and validation NLL against step, drawn with QPainter.

It only draws what it is given (``add``); the training dialog feeds it the records of
``rnnmusic train --progress-json``. A long run has more points than the widget has
pixels, so each curve is thinned to about one point per pixel column when drawn.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

TRAIN_COLOUR = QColor("#3b7dd8")
VALID_COLOUR = QColor("#d9822b")
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 52, 12, 24, 26

Point = tuple[int, float]  # (step, nats per token)


class LossCurve(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.train: list[Point] = []
        self.valid: list[Point] = []
        self.total_steps = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)

    def sizeHint(self) -> QSize:
        return QSize(560, 260)

    # -- data ----------------------------------------------------------------------------
    def add(self, kind: str, step: int, value: float | None) -> None:
        """One point of the ``train`` or ``valid`` curve (a missing or non-finite value is not drawn)."""
        if value is None or not math.isfinite(value):
            return
        (self.train if kind == "train" else self.valid).append((step, float(value)))
        self.update()

    def keep_until(self, step: int) -> None:
        """Forget points after ``step`` (a resumed run redoes the steps after its checkpoint)."""
        self.train = [p for p in self.train if p[0] <= step]
        self.valid = [p for p in self.valid if p[0] <= step]
        self.update()

    def clear(self) -> None:
        self.train, self.valid, self.total_steps = [], [], 0
        self.update()

    def set_total_steps(self, total: int) -> None:
        self.total_steps = total
        self.update()

    # -- drawing -------------------------------------------------------------------------
    def _plot_rect(self) -> QRectF:
        return QRectF(MARGIN_LEFT, MARGIN_TOP, max(1, self.width() - MARGIN_LEFT - MARGIN_RIGHT),
                      max(1, self.height() - MARGIN_TOP - MARGIN_BOTTOM))

    def _ranges(self) -> tuple[float, float, float, float]:
        points = self.train + self.valid
        # the steps so far fill the width (the progress bar tells how many are to come); a short run's
        # whole length shows from the start
        last = max([p[0] for p in points] + [1])
        if self.total_steps and self.total_steps <= 2 * last:
            last = self.total_steps
        values = [p[1] for p in points] or [0.0, 1.0]
        low, high = min(values), max(values)
        pad = (high - low) * 0.08 or 0.5
        return 0.0, float(last), max(0.0, low - pad), high + pad

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        grid = palette.color(QPalette.ColorRole.Mid)
        plot = self._plot_rect()
        x0, x1, y0, y1 = self._ranges()

        def at(step: float, value: float) -> QPointF:
            return QPointF(plot.left() + (step - x0) / (x1 - x0) * plot.width(),
                           plot.bottom() - (value - y0) / (y1 - y0) * plot.height())

        painter.setPen(QPen(grid, 1))
        for i in range(5):  # four bands of loss, labelled at their edges
            value = y0 + (y1 - y0) * i / 4
            y = at(x0, value).y()
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text)
            painter.drawText(QRectF(0, y - 8, MARGIN_LEFT - 6, 16), Qt.AlignmentFlag.AlignRight, f"{value:.2f}")
            painter.setPen(QPen(grid, 1))
        painter.setPen(text)
        painter.drawText(QRectF(plot.left(), plot.bottom() + 6, plot.width(), 18),
                         Qt.AlignmentFlag.AlignLeft, "step 0")
        painter.drawText(QRectF(plot.left(), plot.bottom() + 6, plot.width(), 18),
                         Qt.AlignmentFlag.AlignRight, f"step {int(x1):,}")
        painter.drawText(QRectF(plot.left(), plot.bottom() + 6, plot.width(), 18),
                         Qt.AlignmentFlag.AlignHCenter, "nats per token")

        self._draw_curve(painter, [at(s, v) for s, v in _thinned(self.train, int(plot.width()))], TRAIN_COLOUR, 2)
        valid = [at(s, v) for s, v in _thinned(self.valid, int(plot.width()))]
        self._draw_curve(painter, valid, VALID_COLOUR, 2)
        for point in valid:  # validations are few: each one marked
            painter.fillRect(QRectF(point.x() - 3, point.y() - 3, 6, 6), VALID_COLOUR)
        self._draw_legend(painter, plot)

    @staticmethod
    def _draw_curve(painter: QPainter, points: list[QPointF], colour: QColor, width: int) -> None:
        painter.setPen(QPen(colour, width))
        for a, b in zip(points, points[1:]):
            painter.drawLine(a, b)

    def _draw_legend(self, painter: QPainter, plot: QRectF) -> None:
        x = plot.left()
        for label, colour, shown in (("training loss", TRAIN_COLOUR, self.train),
                                     ("validation NLL", VALID_COLOUR, self.valid)):
            painter.fillRect(QRectF(x, 8, 14, 4), colour)
            painter.setPen(self.palette().color(QPalette.ColorRole.Text))
            suffix = f" {shown[-1][1]:.3f}" if shown else ""
            painter.drawText(QRectF(x + 18, 0, 200, 20), Qt.AlignmentFlag.AlignVCenter, label + suffix)
            x += 190


def _thinned(points: list[Point], columns: int) -> list[Point]:
    """About ``columns`` evenly spaced points of ``points`` (the first and the last kept)."""
    if len(points) <= max(columns, 2):
        return points
    stride = len(points) / columns
    kept = [points[int(i * stride)] for i in range(columns)]
    return kept + [points[-1]] if kept[-1] != points[-1] else kept

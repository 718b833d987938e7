"""Helpers the GUI tests share (a module of its own: `conftest` is an ambiguous name to import)."""

from __future__ import annotations

from live_fakes import FakeOutput
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QMessageBox

from rnnmusic.errors import PortError
from rnnmusic.notes import Note, NoteSequence, TempoChange, TimeSignature, make_notes


def ruler_x(roll, quarters: float) -> int:
    """Ruler x of a scene position in a PianoRoll (the ruler and the notes share the view's mapping)."""
    return int(round(roll.ruler._widget_x(quarters)))


def melody(bars: int = 2, qpm: float = 120.0, track: int = 0, low: int = 60) -> NoteSequence:
    """A plain eighth-note melody (C major scale up and down) in 4/4."""
    beat = 60.0 / qpm
    scale = [0, 2, 4, 5, 7, 9, 11, 12, 11, 9, 7, 5, 4, 2, 0, 2]
    notes = [Note(low + scale[i % 16], 80 + i % 3 * 10, i * beat / 2, (i + 1) * beat / 2, track=track)
             for i in range(bars * 8)]
    return NoteSequence(notes=make_notes(notes), tempos=(TempoChange(0.0, qpm),),
                        time_signatures=(TimeSignature(0.0, 4, 4),))


class Dialogs:
    """Records what would have been shown in message boxes."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def record(self, _parent, title, text, *args, **kwargs):
        self.shown.append((str(title), str(text)))
        return QMessageBox.StandardButton.Ok

    @property
    def titles(self) -> list[str]:
        return [title for title, _ in self.shown]


class FakeLister:
    """Port listing as the MIDI system would answer (python-rtmidi needs ALSA or JACK to really list)."""

    def __init__(self, outputs=("Synth A", "DAW in"), inputs=("Keyboard",)):
        self.outputs, self.inputs = tuple(outputs), tuple(inputs)

    def __call__(self, api):
        from rnnmusic.live.ports import PortList

        return PortList(self.inputs, self.outputs)


class FakeOpener:
    """Opens fake outputs by name, like open_output would open real ones."""

    def __init__(self, refuse: bool = False):
        self.opened: list[FakeOutput] = []
        self.refuse = refuse

    def __call__(self, name: str) -> FakeOutput:
        if self.refuse:
            raise PortError(f"no MIDI output port matches {name!r}; output ports: none")
        port = FakeOutput(name)
        self.opened.append(port)
        return port


def has_colour_near(image: QImage, colour: QColor, tolerance: int = 40, stride: int = 3) -> bool:
    """Whether some pixel (every ``stride``-th) is within ``tolerance`` per channel of ``colour``
    (drawn things are antialiased or drawn with some alpha)."""
    for y in range(0, image.height(), stride):
        for x in range(0, image.width(), stride):
            pixel = QColor(image.pixel(x, y))
            if max(abs(pixel.red() - colour.red()), abs(pixel.green() - colour.green()),
                   abs(pixel.blue() - colour.blue())) <= tolerance:
                return True
    return False


def roll_point(roll, quarters: float, pitch: float):
    """The viewport pixel of a scene position in a piano roll (x in quarters, the middle of ``pitch``'s row),
    scrolled into view first so a mouse event there reaches the roll."""
    from PySide6.QtCore import QPointF, QRectF

    y = 127 - pitch + 0.5
    roll.view.ensureVisible(QRectF(quarters, y, 0.01, 0.01), 60, 60)
    return roll.view.mapFromScene(QPointF(quarters, y))


def drag(qtbot, widget, start, end, modifier=None, steps: int = 4) -> None:
    """Press the left button at ``start``, move to ``end`` in a few steps, release there."""
    from PySide6.QtCore import QPoint, Qt

    modifiers = modifier or Qt.KeyboardModifier.NoModifier
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, modifiers, start)
    for i in range(1, steps + 1):
        qtbot.mouseMove(widget, QPoint(start.x() + (end.x() - start.x()) * i // steps,
                                       start.y() + (end.y() - start.y()) * i // steps))
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, modifiers, end)

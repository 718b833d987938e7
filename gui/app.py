"""Start the desktop app: `rnnmusic gui [SEED.mid] [--model NAME|PATH]` or the `rnnmusic-gui` launcher.

Colours follow the system: the app starts with the palette of the system's
light or dark scheme and switches when the system does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from rnnmusic import __version__
from rnnmusic.gui.settings import APPLICATION, ORGANIZATION, Settings

if TYPE_CHECKING:
    from rnnmusic.gui.engine_bridge import EngineBridge
    from rnnmusic.gui.main_window import MainWindow
    from rnnmusic.gui.ports import MidiPorts

# the icon in a source checkout; an installed app gets it from the icon theme (packaging/rnnmusic.desktop)
_SOURCE_ICON = Path(__file__).resolve().parent.parent / "packaging" / "icons" / "rnnmusic.svg"


def dark_palette() -> QPalette:
    """A dark palette for when the system asks for dark but the style only knows light."""
    p = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    for r, color in (
        (role.Window, "#2b2d31"), (role.WindowText, "#e6e6e6"), (role.Base, "#1e1f22"),
        (role.AlternateBase, "#2a2c30"), (role.ToolTipBase, "#3a3d42"), (role.ToolTipText, "#e6e6e6"),
        (role.Text, "#e6e6e6"), (role.Button, "#35373c"), (role.ButtonText, "#e6e6e6"),
        (role.BrightText, "#ff6b6b"), (role.Highlight, "#3d8ee0"), (role.HighlightedText, "#ffffff"),
        (role.Link, "#6cb4ff"), (role.PlaceholderText, "#8a8d93"), (role.Mid, "#45484e"),
        (role.Dark, "#18191b"), (role.Light, "#4a4d53"), (role.Shadow, "#000000"),
    ):  # fmt: skip
        p.setColor(r, QColor(color))
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(group.Disabled, r, QColor("#7a7d83"))
    return p


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def follow_color_scheme(app: QApplication) -> None:
    """Use the palette of the system's colour scheme now and whenever the system changes it."""

    def apply(scheme: Qt.ColorScheme) -> None:
        if scheme == Qt.ColorScheme.Dark and not is_dark(app.palette()):
            app.setPalette(dark_palette())
        elif scheme == Qt.ColorScheme.Light and is_dark(app.palette()):
            app.setPalette(app.style().standardPalette())

    hints = app.styleHints()
    hints.colorSchemeChanged.connect(apply)
    apply(hints.colorScheme())


def app_icon() -> QIcon:
    fallback = QIcon(str(_SOURCE_ICON)) if _SOURCE_ICON.is_file() else QIcon()
    return QIcon.fromTheme("rnnmusic", fallback)


def application(argv: Sequence[str] = ()) -> QApplication:
    """The QApplication (made once), named so QSettings and the desktop file find it."""
    app = cast(QApplication | None, QApplication.instance())  # made here or by an earlier call: a QApplication
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "rnnmusic", *argv])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("rnnmusic")
    app.setWindowIcon(app_icon())
    follow_color_scheme(app)
    return app


def create_window(settings: Settings | None = None, engine: EngineBridge | None = None,
                  audio_factory: Callable | str | None = "auto", ports: MidiPorts | None = None,
                  open_output: Callable | None = None) -> MainWindow:
    """The main window with the real engine, ports and player; ``audio_factory`` "auto" finds FluidSynth.

    Tests pass their own settings file, port lister and port opener; everything else is the real thing.
    """
    from rnnmusic.gui.engine_bridge import EngineBridge
    from rnnmusic.gui.main_window import MainWindow
    from rnnmusic.gui.playback import Player

    if audio_factory == "auto":
        audio_factory = _audio_factory()
    player = Player(open_output=open_output, audio_factory=audio_factory)
    window = MainWindow(engine or EngineBridge(), settings or Settings(), ports=ports, player=player)
    player.setParent(window)
    return window


def _audio_factory():
    """A FluidSynth audio player when rnnmusic.audio says one can run here, else None (no Audio entry)."""
    try:
        from rnnmusic.gui.audio_preview import audio_player_factory
    except ImportError:
        return None
    return audio_player_factory()


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="rnnmusic gui", description="the rnnmusic desktop app")
    parser.add_argument("seed", nargs="?", help="a MIDI file to open")
    parser.add_argument("--model", help="model name or .onnx path to select")
    known, _qt_args = parser.parse_known_args(list(argv))
    return known


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    app = application(argv)
    window = create_window()
    if args.model:
        _select_model(window, args.model)
    if args.seed:
        window.open_file(args.seed)
    window.show()
    return int(app.exec())


def _select_model(window, model: str) -> None:
    if model.endswith(".onnx") or "/" in model:
        window.models.add_file(model)
        return
    from rnnmusic.engine.catalog import resolve_model
    from rnnmusic.errors import ConfigError

    try:  # the command line's rule: the exact name, then in any case; a near miss gets "did you mean"
        path = resolve_model(model)
    except ConfigError as exc:
        from rnnmusic.gui.dialogs import show_error

        show_error(window, "No such model", f"{exc}; choose one from the list or add an .onnx file")
        return
    if not window.models.choose(path):
        window.models.add_file(str(path))


if __name__ == "__main__":
    sys.exit(main())

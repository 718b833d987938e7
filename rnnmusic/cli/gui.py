"""`rnnmusic gui [SEED.mid] [--model NAME|PATH]`: open the desktop app.

The app is an optional part (PySide6): without it this command says, in one
line, how to install it, instead of failing on an import.
"""

from __future__ import annotations

import argparse

from rnnmusic.errors import RnnmusicError

INSTALL_HINT = "the desktop app needs PySide6, which is not installed: pip install 'rnnmusic[gui]'"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("seed", nargs="?", metavar="SEED.mid", help="a MIDI file to open")
    parser.add_argument("--model", metavar="NAME|PATH",
                        help="the model to select (shipped name or .onnx file; default: the app's own choice)")


def pyside_installed() -> bool:
    try:
        import PySide6  # noqa: F401  (the bare package is small; Qt itself loads later)
    except ImportError:
        return False
    return True


def run(args: argparse.Namespace) -> int:
    if not pyside_installed():
        raise RnnmusicError(INSTALL_HINT)
    from rnnmusic.gui.app import main

    argv = ([args.seed] if args.seed else []) + (["--model", args.model] if args.model else [])
    return main(argv)

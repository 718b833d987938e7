"""Entry point of the `rnnmusic` command: parses arguments, runs one subcommand, maps errors to exit codes.

Exit codes: 0 done, 1 bad input (one line naming the thing and the problem),
2 usage error, 130 interrupted. Each subcommand lives in its own module under
rnnmusic/cli/ with ``register(subparsers)`` and ``run(args) -> int``; modules are
imported only when the command line needs them, so start-up stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from rnnmusic import __version__
from rnnmusic.errors import RnnmusicError

# command name -> (module under rnnmusic.cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "info": ("info", "describe a MIDI file (and how an encoding sees it)"),
    "dataset": ("dataset", "build a token dataset from a folder of MIDI files"),
    "train": ("train", "train an RNN/LSTM/GRU on a token dataset"),
    "export": ("export", "export a trained run as one self-describing ONNX model file"),
    "eval": ("eval", "NLL of a model file on a dataset's test split, or with --music its continuations "
                     "measured as music (ONNX Runtime)"),
    "generate": ("generate", "continue a MIDI seed with a model (writes MIDI, and optionally WAV and a piano roll)"),
    "models": ("models", "list the shipped and user models with their cards"),
    "bench": ("bench", "benchmarks against the literature (polyphonic music NLL)"),
    "gui": ("gui", "open the desktop app"),
    "ports": ("ports", "list the MIDI input and output ports"),
    "live": ("live", "play generated MIDI live to a port, in time with a clock or a DAW"),
    "serve": ("serve", "feed the rnnmusic LV2 plugin in a DAW (notes in beats, played at the host's samples)"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rnnmusic", description="Music generation with recurrent neural networks.")
    parser.add_argument("--version", action="version", version=f"rnnmusic {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a full traceback on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        if only is not None and name != only:
            subparsers.add_parser(name, help=help_text)  # listed in --help without importing it
            continue
        module = importlib.import_module(f"rnnmusic.cli.{module_name}")
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        module.register(sub)
        sub.set_defaults(_run=module.run)
    return parser


def _chosen_command(argv: Sequence[str]) -> str | None:
    for arg in argv:
        if arg in COMMANDS:
            return arg
        if not arg.startswith("-"):
            return None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = _chosen_command(argv)
    parser = build_parser(only=chosen if chosen else "\0")
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except RnnmusicError as exc:
        if args.debug:
            raise
        print(f"rnnmusic {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"rnnmusic {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0

"""Entry point of the `rnnmusic` command: parses arguments, runs one subcommand, maps errors to exit codes.

Exit codes: 0 done, 1 bad input (one line naming the thing and the problem),
2 usage error, 130 interrupted. Each subcommand lives in its own module under
rnnmusic/cli/ with ``register(subparsers)`` and ``run(args) -> int``; modules are
imported only when the command line needs them, so start-up stays fast.

Every parser is a :class:`CommandParser`: its help shows each option's default, and a
mistyped option is answered with the usage of the (sub)command it was given to, with the
nearest real option suggested.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from rnnmusic import __version__
from rnnmusic.errors import RnnmusicError
from rnnmusic.suggest import did_you_mean, nearest

# command name -> (module under rnnmusic.cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "info": ("info", "describe a MIDI file (and how an encoding sees it)"),
    "dataset": ("dataset", "build a token dataset from a folder of MIDI files"),
    "train": ("train", "train an RNN/LSTM/GRU on a token dataset"),
    "export": ("export", "export a trained run as one self-describing ONNX model file"),
    "eval": ("eval", "NLL of a model file on a dataset's test split, or with --music its continuations "
                     "measured as music (ONNX Runtime)"),
    "generate": ("generate", "continue a MIDI seed, or start from nothing, with a model "
                             "(writes MIDI, and optionally WAV and a piano roll)"),
    "examples": ("examples", "list the example seeds shipped with rnnmusic, or copy them out"),
    "models": ("models", "list the shipped and user models with their cards"),
    "bench": ("bench", "benchmarks against the literature (polyphonic music NLL)"),
    "gui": ("gui", "open the desktop app"),
    "ports": ("ports", "list the MIDI input and output ports"),
    "live": ("live", "play generated MIDI live to a port, in time with a clock or a DAW"),
    "serve": ("serve", "feed the rnnmusic LV2 plugin in a DAW (notes in beats, played at the host's samples)"),
}


class DefaultsHelpFormatter(argparse.HelpFormatter):
    """Help that ends each option's text with its default, unless the text already says it.

    An option that takes a value and has none by default reads "(default: none)": it is then
    not applied at all. Flags (on when given) and required options are left as written.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if (not action.option_strings or action.nargs == 0 or action.required or action.default is argparse.SUPPRESS
                or "default" in text):
            return action.help
        shown = "none" if action.default in (None, "", [], ()) else "%(default)s"
        return f"{text} (default: {shown})" if text else f"(default: {shown})"


class CommandParser(argparse.ArgumentParser):
    """An ArgumentParser whose help shows defaults and whose own usage answers a mistyped option.

    argparse hands the arguments a subcommand does not know back up to the top-level parser,
    which then prints its own usage; here each parser refuses them itself, naming the
    nearest option it does have. Subcommand parsers are made of the same class.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", DefaultsHelpFormatter)
        super().__init__(*args, **kwargs)

    def parse_known_args(self, args=None, namespace=None):
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(self._unrecognized(extras))
        return parsed, extras

    def _unrecognized(self, extras: list[str]) -> str:
        message = f"unrecognized arguments: {' '.join(extras)}"
        options = [o for o in extras if o.startswith("-")]
        if options:
            return message + did_you_mean(options[0].split("=")[0], self._option_string_actions)
        return message


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = CommandParser(prog="rnnmusic", description="Music generation with recurrent neural networks.")
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


def _mistyped_command(argv: Sequence[str]) -> str | None:
    """The first word that is neither an option nor a command, when it looks like a typo of a command."""
    word = next((arg for arg in argv if not arg.startswith("-")), None)
    return word if word is not None and word not in COMMANDS and nearest(word, COMMANDS) else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = _chosen_command(argv)
    parser = build_parser(only=chosen if chosen else "\0")
    if chosen is None and (word := _mistyped_command(argv)) is not None:
        parser.error(f"no command {word!r}{did_you_mean(word, COMMANDS)} (see `rnnmusic --help`)")
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

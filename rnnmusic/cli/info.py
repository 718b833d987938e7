"""`rnnmusic info FILE.mid [--encoding NAME]`: describe a MIDI file, and how an encoding sees it.

A take that `rnnmusic generate` wrote is described with the record it carries: the model, the
seed, the sampling options and the command that makes it again (:mod:`rnnmusic.cli.take_record`).
"""

from __future__ import annotations

import argparse

from rnnmusic.encodings import ENCODING_NAMES


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.mid", help="the MIDI file to describe")
    parser.add_argument(
        "--encoding",
        choices=ENCODING_NAMES,
        help="also encode the piece: token count, whether the round trip is exact, notes changed and dropped",
    )


def run(args: argparse.Namespace) -> int:
    from rnnmusic.encodings import get_encoding
    from rnnmusic.midi.read import read_midi, read_text_events
    from rnnmusic.summary import format_summary, summarize

    seq = read_midi(args.file)
    encoding = get_encoding(args.encoding) if args.encoding else None
    print("\n".join(format_summary(summarize(seq, encoding)) + _take_lines(args.file, read_text_events(args.file))))
    return 0


def _take_lines(file: str, texts: list[str]) -> list[str]:
    """How the file was made, when rnnmusic generated it (none for any other MIDI file)."""
    from rnnmusic.cli.take_record import describe
    from rnnmusic.engine.provenance import Provenance
    from rnnmusic.errors import ConfigError

    try:
        record = Provenance.find(texts)
    except ConfigError as exc:  # the rest of the file is still worth describing
        return [f"take record: unreadable ({exc})"]
    return describe(record, file) if record is not None else []

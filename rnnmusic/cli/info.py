"""`rnnmusic info FILE.mid [--encoding NAME]`: describe a MIDI file, and how an encoding sees it."""

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
    from rnnmusic.midi.read import read_midi
    from rnnmusic.summary import format_summary, summarize

    seq = read_midi(args.file)
    encoding = get_encoding(args.encoding) if args.encoding else None
    print("\n".join(format_summary(summarize(seq, encoding))))
    return 0

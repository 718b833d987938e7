"""`rnnmusic ports`: list the MIDI ports `rnnmusic live` can open.

--in and --out take a name or a unique part of one.
"""

from __future__ import annotations

import argparse

from rnnmusic.live.ports import API_NAMES


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api", choices=API_NAMES, help="MIDI system to ask (default: the platform's own)")


def run(args: argparse.Namespace) -> int:
    from rnnmusic.cli.live import midi_system_words
    from rnnmusic.live.ports import default_api, list_ports

    with midi_system_words():
        listing = list_ports(args.api)
    print(f"MIDI API: {args.api or default_api()}")
    for title, names in (("inputs (rnnmusic live --in NAME)", listing.inputs),
                         ("outputs (rnnmusic live --out NAME)", listing.outputs)):
        print(f"{title}:")
        for name in names:
            print(f"  {name}")
        if not names:
            print("  (none)")
    return 0

"""`rnnmusic examples [NAME ...] [--copy DIR]`: the example seeds shipped with rnnmusic.

Lists each seed's name, what it is and where it lies; ``--copy DIR`` copies them into a folder of
the user's, to open in a DAW or edit. ``rnnmusic generate --example NAME`` continues one directly.
Every copy is checked before any is written, and a file of the user's is never replaced.
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="only these seeds (default: all)")
    parser.add_argument("--copy", metavar="DIR",
                        help="copy the seeds into this existing folder (default: none, only list them)")


def run(args: argparse.Namespace) -> int:
    from rnnmusic.example_seeds import examples_dir, find_example, list_examples

    examples = [find_example(name) for name in args.names] if args.names else list_examples()
    if not examples:
        print(f"no example seeds: the package has none ({examples_dir() or 'rnnmusic.examples is missing'})")
        return 0
    if args.copy:
        return _copy(examples, Path(args.copy))
    for example in examples:
        print(f"{example.name}  {example.path}")
        if description := example.description():
            print(f"  {description}")
    print("continue one with `rnnmusic generate --example NAME`, or copy them out with `rnnmusic examples --copy DIR`")
    return 0


def _copy(examples, folder: Path) -> int:
    from rnnmusic.atomic import atomic_output
    from rnnmusic.errors import OutputError
    from rnnmusic.output_paths import MIDI, check_output_file

    if not folder.is_dir():
        raise OutputError(folder, "is not an existing folder (create it first)")
    wanted = []
    for example in examples:
        target = check_output_file(folder / example.path.name, MIDI)
        data = example.path.read_bytes()
        if target.exists() and target.read_bytes() != data:
            raise OutputError(target, "exists and differs from the example seed; move it away or copy elsewhere")
        wanted.append((target, data))
    with contextlib.ExitStack() as stack:  # all or none: a failed write leaves no copy behind
        for target, data in wanted:
            stack.enter_context(atomic_output(target)).write_bytes(data)
    for target, _ in wanted:
        print(f"wrote {target}")
    return 0

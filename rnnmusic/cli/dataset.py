"""`rnnmusic dataset build SRC_DIR -o DATA_DIR --encoding NAME`: MIDI folder -> token dataset."""

from __future__ import annotations

import argparse
import json
import sys

from rnnmusic.errors import ConfigError


def register(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="scan a folder of MIDI files and write a token dataset")
    build.add_argument("src", metavar="SRC_DIR", help="folder searched recursively for .mid/.midi files")
    build.add_argument("-o", "--output", required=True, metavar="DATA_DIR", help="dataset folder (created)")
    build.add_argument("--encoding", required=True, help="melody, polyphony, performance or drums")
    build.add_argument("--encoding-config", metavar="JSON", default="{}",
                       help='encoding options as JSON, e.g. \'{"min_pitch": 36}\'')
    build.add_argument("--jobs", type=int, default=None, metavar="N", help="worker processes (default: all cores)")
    build.add_argument("--valid-fraction", type=float, default=0.05, metavar="F", help="share of files for validation")
    build.add_argument("--test-fraction", type=float, default=0.05, metavar="F",
                       help="share of files held out for test")
    build.add_argument("--license", default="", metavar="TEXT", help="licence of the source files (goes into models)")
    build.add_argument("--splits", metavar="FILE.json",
                       help='split list {"train": [...], "valid": [...], "test": [...]} of paths under SRC_DIR: '
                            "listed files go to that split, others by their content hash (default: all by hash)")
    build.add_argument("--quiet", action="store_true", help="no progress line")


def run(args: argparse.Namespace) -> int:
    from rnnmusic.atomic import remove_stale_parts
    from rnnmusic.output_paths import DATASET_FOLDER, check_output_folder
    from rnnmusic.progress import ProgressLine
    from rnnmusic.training.dataset import build_dataset, read_split_list, summary_lines

    check_output_folder(args.output, DATASET_FOLDER, {args.src: "the MIDI source folder"})
    remove_stale_parts(args.output, recursive=True)  # left by a build that was killed (its cache too)
    try:
        config = json.loads(args.encoding_config)
    except ValueError as exc:
        raise ConfigError(f"--encoding-config is not valid JSON ({exc})") from None
    if not isinstance(config, dict):
        raise ConfigError("--encoding-config must be a JSON object, e.g. '{\"min_pitch\": 36}'")
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError("--jobs must be at least 1")
    manifest = build_dataset(
        args.src,
        args.output,
        args.encoding,
        config,
        jobs=args.jobs,
        valid_fraction=args.valid_fraction,
        test_fraction=args.test_fraction,
        license=args.license,
        progress=ProgressLine(enabled=not args.quiet),
        assigned=read_split_list(args.splits) if args.splits else None,
    )
    for line in summary_lines(manifest):
        print(line, file=sys.stderr)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0

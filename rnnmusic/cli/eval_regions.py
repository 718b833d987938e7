"""`rnnmusic eval MODEL DATA --regions`: bars 5-8 of each test piece taken out and filled again
(see :mod:`rnnmusic.music_eval.regions`), printed as a table."""

from __future__ import annotations

import argparse

#: the table's columns: (metric, heading, format)
COLUMNS = (
    ("nll_after", "NLL of bars 9-12 (nats/token)", "{:.3f}"),
    ("starts_on_bar_5", "starts on bar 5", "{:.0%}"),
    ("downbeat", "bars with a downbeat note", "{:.0%}"),
    ("in_key", "notes in key", "{:.0%}"),
    ("top_leap_in", "top leap into bar 5", "{:.1f}"),
    ("top_leap_out", "top leap into bar 9", "{:.1f}"),
    ("top_big_leap_in", "> fifth into 5", "{:.0%}"),
    ("top_big_leap_out", "> fifth into 9", "{:.0%}"),
    ("empty", "empty fills", "{:.0%}"),
)
POLYPHONIC_COLUMNS = (("bass_leap_in", "bass leap into 5", "{:.1f}"), ("bass_leap_out", "bass leap into 9", "{:.1f}"))
LABELS = {"real": "real bars 5-8", "copy": "bars 1-4 again", "first": "model, no lookahead",
          "best": "model, best of N", "sir": "model, SIR over N"}


def register(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--regions", action="store_true",
                       help="the region evaluation: bars 5-8 of each piece's first 12 taken out and filled by "
                            "the model (no lookahead, best of N, SIR over N), by bars 1-4 again and by the real "
                            "bars; prints NLL of the real bars 9-12 after each and the joins' measures")
    group.add_argument("--candidates", type=int, default=32, metavar="N",
                       help="candidate fills for best of N and SIR (default 32)")


def table(result) -> str:
    """The result as a Markdown table, one row per system."""
    polyphonic = any("bass_leap_in" in m for m in result.systems.values()) and result.settings.get("polyphonic")
    columns = COLUMNS + (POLYPHONIC_COLUMNS if polyphonic else ())
    n = result.settings["candidates"]
    head = "| fill of bars 5-8 | " + " | ".join(c[1] for c in columns) + " |"
    rows = [head, "|---|" + "---:|" * len(columns)]
    for system, values in result.systems.items():
        cells = [fmt.format(values[name]) if name in values else "-" for name, _, fmt in columns]
        rows.append(f"| {LABELS[system].replace('N', str(n))} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def run(args: argparse.Namespace, overrides: dict) -> int:
    from rnnmusic.engine import GenerateOptions, load_model_file
    from rnnmusic.errors import ConfigError
    from rnnmusic.music_eval.pieces import read_piece, split_files
    from rnnmusic.music_eval.regions import evaluate_regions
    from rnnmusic.progress import terminal_progress

    if args.candidates < 1:
        raise ConfigError("--candidates must be at least 1")
    model = load_model_file(args.model)
    files = split_files(args.data, args.split)
    pieces = (read_piece(path, sha, args.data) for path, sha in files)
    show = terminal_progress("region eval: pieces done")
    total = min(len(files), args.max_pieces) if args.max_pieces else len(files)

    def progress(done: int, _: int) -> None:
        if show is not None:
            show(done / max(total, 1))

    result = evaluate_regions(model, pieces, GenerateOptions(**overrides), candidates=args.candidates,
                              random_seed=args.random_seed, max_pieces=args.max_pieces, progress=progress)
    result.settings["polyphonic"] = model.encoding.name in ("polyphony", "performance")
    if args.json:
        from rnnmusic.cli.eval import _emit_json

        _emit_json(args.json, result.to_dict())
        if args.json == "-":
            return 0
    skipped = ", ".join(f"{reason} {count}" for reason, count in sorted(result.skipped.items())) or "none"
    print(f"{model.name} on the {args.split} split of {args.data}: {result.pieces} pieces (skipped: {skipped})")
    print(table(result))
    return 0

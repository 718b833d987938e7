"""`rnnmusic eval MODEL.onnx DATA_DIR`: NLL of a model file on a dataset's test split, with ONNX Runtime only.

With ``--music``, the musical evaluation instead (:mod:`rnnmusic.music_eval`): the model
continues seeds from the split and its bars are compared with the real continuations and
two baselines in one table.
"""

from __future__ import annotations

import argparse


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL.onnx", help="an rnnmusic model file")
    parser.add_argument("data", metavar="DATA_DIR", help="dataset folder made by `rnnmusic dataset build`")
    parser.add_argument("--split", default="test", choices=("train", "valid", "test"),
                        help="which split (default test)")
    parser.add_argument("--batch-size", type=int, default=16, metavar="N", help="pieces evaluated together")
    parser.add_argument("--json", nargs="?", const="-", metavar="OUT",
                        help="the numbers as one JSON object: printed, or written to OUT")
    music = parser.add_argument_group("musical evaluation (--music)")
    music.add_argument("--music", action="store_true",
                       help="continue seeds from the split and measure the music against the real continuations")
    music.add_argument("--seed-bars", type=int, metavar="N",
                       help="bars of each seed, a pickup not counted (default 4 for melody, 2 for polyphony)")
    music.add_argument("--bars", type=int, metavar="N", help="bars generated (default 16 for melody, 8 for polyphony)")
    music.add_argument("--samples", type=int, default=4, metavar="N", help="continuations per seed (default 4)")
    music.add_argument("--random-seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    music.add_argument("--max-pieces", type=int, metavar="N",
                       help="use at most the first N usable pieces (default: all)")
    music.add_argument("--key-from", default="piece", choices=("piece", "seed"),
                       help="estimate each piece's key from the whole piece (default) or from the seed")
    music.add_argument("--temperature", type=float, metavar="T", help="sampling temperature (default: the engine's)")
    music.add_argument("--top-k", type=int, metavar="K", help="sample among the K likeliest tokens (default: off)")
    music.add_argument("--top-p", type=float, metavar="P",
                       help="sample among the tokens holding P of the mass (default: the engine's)")
    music.add_argument("--repetition", type=float, metavar="R",
                       help="the repetition control, 0 (through-composed) to 1 (default: the engine's)")
    music.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                       help="any other generation option, passed to the engine as it is (VALUE read as JSON, "
                            "else as text), e.g. --option key=auto --option max_polyphony=4; repeatable")
    from rnnmusic.cli import eval_regions

    eval_regions.register(music)


def run(args: argparse.Namespace) -> int:
    from rnnmusic.errors import ConfigError
    from rnnmusic.evaluate import MANIFEST, evaluate_model

    if args.json and args.json != "-":  # before the evaluation, which may take minutes
        from pathlib import Path

        from rnnmusic.output_paths import JSON_REPORT, check_output_file

        check_output_file(args.json, JSON_REPORT, {args.model: "the model file",
                                                   Path(args.data) / MANIFEST: "the dataset's manifest"})
    if args.regions:
        from rnnmusic.cli import eval_regions

        return eval_regions.run(args, _overrides(args))
    if args.music:
        return _run_music(args)
    if args.batch_size < 1:
        raise ConfigError("--batch-size must be at least 1")
    report = evaluate_model(args.model, args.data, split=args.split, batch_size=args.batch_size)
    r = report.result
    if args.json:
        _emit_json(args.json, {"model": report.model, "data": report.data_dir, "split": report.split,
                          "pieces": report.pieces, "tokens": r.tokens, "nll_per_token": r.per_token,
                          f"nll_per_{report.time_unit}": r.per_step, report.time_unit + "s": r.time,
                          f"nll_per_{report.time_unit}_without_first": r.per_step_without_first})
        return 0
    print(f"{report.split} split of {report.data_dir}: {report.pieces} pieces, {r.tokens:,} tokens, "
          f"{r.time:,.6g} {report.time_unit}s")
    print(f"NLL per token: {r.per_token:.4f} nats ({r.per_token / 0.6931471805599453:.4f} bits)")
    print(f"NLL per {report.time_unit}: {r.per_step:.4f} nats "
          f"({r.per_step_without_first:.4f} with each piece's first {report.time_unit} left out)")
    return 0


def _emit_json(target: str, data: dict) -> None:
    """Print ``data`` as JSON (target "-") or write it to the file ``target``."""
    import json

    from rnnmusic.atomic import atomic_write_bytes

    text = json.dumps(data)
    if target == "-":
        print(text)
        return
    try:
        atomic_write_bytes(target, (text + "\n").encode())
    except OSError as exc:
        from rnnmusic.errors import ConfigError

        raise ConfigError(f"{target}: cannot write ({exc.strerror or exc})") from None


def parse_options(items: list[str]) -> dict:
    """``NAME=VALUE`` pairs as GenerateOptions overrides (the engine validates names and values)."""
    import json

    from rnnmusic.errors import ConfigError

    out = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--option {item!r}: give NAME=VALUE, e.g. --option key=auto")
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        out[name.strip().replace("-", "_")] = tuple(value) if isinstance(value, list) else value
    return out


def _overrides(args: argparse.Namespace) -> dict:
    """The sampling options given on the command line, as GenerateOptions fields."""
    overrides = {name: getattr(args, name) for name in ("temperature", "top_k", "top_p", "repetition")
                 if getattr(args, name) is not None}
    overrides.update(parse_options(args.option))
    return overrides


def _run_music(args: argparse.Namespace) -> int:
    from rnnmusic.music_eval import evaluate_music
    from rnnmusic.music_eval.table import plain, profile_lines, summary_line
    from rnnmusic.progress import terminal_progress

    overrides = _overrides(args)

    show = terminal_progress("music eval: seeds done")

    def progress(done: int, total: int) -> None:
        if show is not None:
            show(done / max(total, 1))

    result = evaluate_music(args.model, args.data, split=args.split, seed_bars=args.seed_bars, bars=args.bars,
                            samples=args.samples, random_seed=args.random_seed, max_pieces=args.max_pieces,
                            key_from=args.key_from, progress=progress, **overrides)
    if args.json == "-":
        _emit_json("-", result.to_dict())
        return 0
    if args.json:
        _emit_json(args.json, result.to_dict())
    print(summary_line(result))
    print(plain(result))
    print("\n".join(profile_lines(result)))
    return 0

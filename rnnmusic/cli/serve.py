"""`rnnmusic serve`: the engine behind the rnnmusic LV2 plugin (docs/plugin.md).

Loads the models named with --model (the plugin's Model control picks one by its place in this
list, from 0; without --model, the shipped melody model), then serves every plugin instance of
this user until Ctrl-C or SIGTERM. Thin: all the work is in rnnmusic.serve.
"""

from __future__ import annotations

import argparse
import signal
import sys


def register(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--model", action="append", metavar="NAME|PATH",
        help="a model name or .onnx file; repeat for more (the plugin's Model control counts from 0)")
    add("--lookahead-beats", type=float, default=4.0, help="how far ahead of the host notes are written (default 4)")
    add("--channel", type=int, default=1, help="MIDI channel of the notes, 1-16 (default 1)")
    add("--seed", type=int, default=None,
        help="random seed of the first instance's stream, +1 for each further one (default: fresh ones)")
    add("--duration", type=float, default=None, help="stop after this many seconds (default: run until stopped)")
    add("--threads", type=int, default=1, help="ONNX Runtime threads per model (default 1)")
    add("--host-pid", type=int, action="append", default=[], metavar="PID",
        help="serve only the plugin instances in this host process (repeat for more; default: every host)")
    add("--quiet", action="store_true", help="print nothing while serving")


def run(args: argparse.Namespace) -> int:
    from rnnmusic.engine import GenerateOptions, Generator, default_model_for, load_model, load_model_file
    from rnnmusic.errors import ConfigError
    from rnnmusic.serve import ServeConfig, Server

    if not 1 <= args.channel <= 16:
        raise ConfigError(f"--channel must be 1-16, not {args.channel}")
    if not args.lookahead_beats > 0:
        raise ConfigError(f"--lookahead-beats must be > 0, not {args.lookahead_beats:g}")
    if args.model:
        models = [load_model(name, threads=args.threads) for name in args.model]
    else:
        models = [load_model_file(default_model_for(None).path, threads=args.threads)]
    generators = [Generator(m) for m in models]

    def make_source(index: int, options: dict, number: int):
        generator = generators[index] if 0 <= index < len(generators) else generators[0]
        seed = None if args.seed is None else args.seed + number  # two tracks never play the same line
        return generator.open_stream(None, GenerateOptions(seed=seed, **options))

    log = (lambda line: None) if args.quiet else (lambda line: print(f"rnnmusic serve: {line}", flush=True))
    server = Server(make_source, ServeConfig(lookahead_beats=args.lookahead_beats, channel=args.channel - 1,
                                                  host_pids=tuple(args.host_pid)), log)
    previous = signal.signal(signal.SIGTERM, lambda *_: server.stop())
    log(f"{len(models)} model(s) loaded; waiting for rnnmusic plugin instances")
    try:
        server.run(args.duration)
    except KeyboardInterrupt:
        pass  # run() has detached from every instance on the way out: the plugins end their notes
    finally:
        signal.signal(signal.SIGTERM, previous)
    if not args.quiet:
        print("rnnmusic serve: stopped", file=sys.stderr)
    return 0

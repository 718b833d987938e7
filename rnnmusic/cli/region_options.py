"""The region options of `rnnmusic generate`: write chosen bars anew instead of continuing the end.

``--region 5-8`` fills bars 5 to 8 (what comes after is kept and the fill leads into it),
``--from-bar 9`` continues from bar 9 (what followed on the region's tracks is dropped; the
length options say how much is written). ``--track`` picks the tracks rewritten; the other
tracks play on as they were.
"""

from __future__ import annotations

import argparse

from rnnmusic.engine.region_spec import (
    DEFAULT_CANDIDATES,
    DEFAULT_LOOKAHEAD_BARS,
    DEFAULT_METHOD,
    METHODS,
    RegionSpec,
    parse_bars,
)
from rnnmusic.errors import ConfigError


def register(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("regions (write chosen bars anew; bars count from 1)")
    where = group.add_mutually_exclusive_group()
    where.add_argument("--region", metavar="FIRST-LAST",
                       help="fill these bars (e.g. 5-8, or 6 for one bar), keeping the music before and after "
                            "note for note and leading into what follows")
    where.add_argument("--from-bar", type=int, metavar="N",
                       help="continue from bar N: the region's tracks are written anew from there, for the "
                            "length given by --bars/--seconds (default 8 bars); what followed is dropped")
    group.add_argument("--track", type=int, action="append", metavar="N",
                       help="a track to rewrite (repeat for several; `rnnmusic info` lists them); "
                            "default: every track the model plays, the others kept as they are")
    group.add_argument("--candidates", type=int, default=DEFAULT_CANDIDATES, metavar="N",
                       help="fills sampled for --region, of which the ones that lead best into the following "
                            f"bars are kept (default {DEFAULT_CANDIDATES})")
    group.add_argument("--fill-method", choices=METHODS, default=DEFAULT_METHOD,
                       help="how a fill is chosen among the candidates: sir (drawn by how well each leads into "
                            "what follows), best (the one that leads best), first (ignore what follows) "
                            f"(default {DEFAULT_METHOD})")
    group.add_argument("--lookahead-bars", type=int, default=DEFAULT_LOOKAHEAD_BARS, metavar="N",
                       help=f"bars after the region a fill is judged by (default {DEFAULT_LOOKAHEAD_BARS})")


def region_from_args(args: argparse.Namespace) -> RegionSpec | None:
    """The region the arguments ask for, or None (continue the end); refuses options that need one."""
    tracks = tuple(args.track) if args.track else None
    if args.region is None and args.from_bar is None:
        if tracks is not None:
            raise ConfigError("--track chooses the tracks of a region: give --region FIRST-LAST or --from-bar N too")
        return None
    if args.region is not None:
        if args.bars is not None or args.steps is not None or args.seconds is not None:
            raise ConfigError(f"--region {args.region}: the region's bars set the length; "
                              "leave out --bars/--steps/--seconds")
        first, end = parse_bars(args.region)
        return RegionSpec(first, end, tracks=tracks, method=args.fill_method, candidates=args.candidates,
                          lookahead_bars=args.lookahead_bars)
    return RegionSpec(args.from_bar, None, tracks=tracks, method=args.fill_method, candidates=args.candidates,
                      lookahead_bars=args.lookahead_bars)


def describe(takes) -> str:
    """One line on what a region generation did (for the terminal)."""
    region = takes.options.region
    text = f"region {region.describe_bars()} from {takes.continuation_start:.2f} s"
    if takes.lookahead_logp:
        nats = ", ".join(f"{-logp / takes.lookahead_tokens:.3f}" for logp in takes.lookahead_logp)
        text += (f", {region.method} among {max(region.candidates, takes.options.num)} candidates; "
                 f"NLL of the following bars per token: {nats}")
    return text

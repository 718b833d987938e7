"""`rnnmusic live`: stream a model's music to a MIDI port, in time with an internal or a DAW's clock.

A thin shell over :class:`rnnmusic.live.LiveEngine`: it reads the options, loads the
model and seed, opens (or creates) the ports, and runs until Ctrl-C, SIGTERM,
``--duration-bars`` or a failure. Every way out ends every sounding note.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import signal
import sys
import time
from typing import TextIO

from rnnmusic.engine.options import DEFAULT_REPETITION, DEFAULT_TEMPERATURE
from rnnmusic.errors import ConfigError, PortError, RnnmusicError
from rnnmusic.live.ports import API_NAMES, DEFAULT_VIRTUAL_NAME
from rnnmusic.live.status import LiveStatus, live_status


def register(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--model", metavar="NAME|PATH",
        help="model name or .onnx file (default: the shipped model for the seed's kind)")
    add("--seed-file", metavar="SEED.mid", help="MIDI file to continue (default: start from nothing)")
    add("--out", metavar="PORT", help="output port name or unique part of it (default: a virtual port)")
    add("--in", dest="in_port", metavar="PORT", help="input port for call-response, MIDI clock and CC control "
        "(default: a virtual port when one is needed)")
    add("--api", choices=API_NAMES, help="MIDI system (default: the platform's own)")
    add("--virtual-name", default=DEFAULT_VIRTUAL_NAME, metavar="NAME",
        help="name of the virtual ports: NAME (output) and 'NAME in' (default rnnmusic)")
    add("--clock", choices=("internal", "midi"), default="internal",
        help="internal (--bpm) or follow MIDI beat clock on the input (default internal)")
    add("--bpm", type=float, metavar="N", help="tempo of the internal clock (default: the seed's, else 120)")
    add("--meter", metavar="N/D", help="meter, e.g. 4/4, 3/4, 6/8 (default: the seed's, else 4/4)")
    add("--mode", choices=("continuous", "call-response"), default="continuous",
        help="continuous: play on and on; call-response: answer the player after a silence")
    add("--lookahead-bars", type=float, default=1.0, metavar="F", help="how far ahead to generate (default 1 bar)")
    add("--latency-ms", type=float, default=0.0, metavar="F",
        help="send this many ms early to make up for a synth's latency (negative: late)")
    add("--channel", type=int, default=1, metavar="N", help="output MIDI channel 1-16 (default 1)")
    add("--program", type=int, metavar="N", help="send this General MIDI program change (0-127) first")
    add("--velocity-scale", type=float, default=1.0, metavar="F", help="multiply note velocities (default 1)")
    add("--temperature", type=float, default=DEFAULT_TEMPERATURE, metavar="T",
        help=f"randomness (default {DEFAULT_TEMPERATURE:g}; a CC can change it live)")
    add("--repetition", type=float, metavar="R",
        help="0 through-composed .. 1 as repetitive as the model can be (default: the model's own, "
             f"{DEFAULT_REPETITION:g} for a model that names none; a CC can change it live)")
    add("--key", metavar="KEY", help="keep to a key, e.g. C:major or auto (a CC can change it live)")
    add("--seed", type=int, metavar="S", help="random seed (default: a fresh one)")
    add("--silence-beats", type=float, default=2.0, metavar="N",
        help="call-response: silence before answering (default 2)")
    add("--answer-bars", type=float, default=2.0, metavar="M", help="call-response: length of an answer (default 2)")
    add("--pass-through", action="store_true", help="send what arrives on the input to the output too")
    add("--max-note-beats", type=float, default=8.0, metavar="F",
        help="no note sounds longer than this many beats, whatever the cause (default 8)")
    add("--cc-map", metavar="FILE", help="JSON file of CC controls (temperature, repetition, regenerate, mute, key)")
    add("--regenerate-bars", type=float, default=4.0, metavar="N",
        help="a regenerate press (a CC or key of --cc-map) makes the next N bars again, from the next bar line "
             "(default 4)")
    add("--learn", action="store_true",
        help="learn the CC controls by moving each one, save them to --cc-map, then play")
    add("--duration-bars", type=float, metavar="N", help="stop after N bars (for scripts and tests)")
    add("--no-realtime", action="store_true", help="do not ask for real-time priority for the sender thread")
    add("--threads", type=int, metavar="N", help="ONNX Runtime threads (default 1)")
    add("--provider", default="cpu", choices=("auto", "cpu", "cuda"), help="execution provider (default cpu)")


def _check(args: argparse.Namespace) -> None:
    """Refuse option combinations that cannot work, before anything is loaded or opened."""
    if args.learn and not args.cc_map:
        raise ConfigError("--learn saves what it learns: give the file with --cc-map FILE")
    if args.learn:
        from rnnmusic.output_paths import CONTROL_MAP, check_output_file

        check_output_file(args.cc_map, CONTROL_MAP)  # before the learning, not after it
    if args.duration_bars is not None and not args.duration_bars > 0:
        raise ConfigError(f"--duration-bars must be above 0, not {args.duration_bars:g}")
    if not 1 <= args.channel <= 16:
        raise ConfigError(f"--channel must be 1-16, not {args.channel}")


def _open_source(args: argparse.Namespace, max_note_beats: float):
    """The model's endless stream, continuing the seed file (or starting from nothing)."""
    from rnnmusic.engine import GenerateOptions, Generator, default_model_for, load_model, load_model_file
    from rnnmusic.midi.read import read_midi

    seed = read_midi(args.seed_file) if args.seed_file else None
    if args.model:
        model = load_model(args.model, providers=args.provider, threads=args.threads)
    else:
        model = load_model_file(default_model_for(seed).path, providers=args.provider, threads=args.threads)
    options = GenerateOptions(temperature=args.temperature, repetition=args.repetition, key=args.key,
                              seed=args.seed).with_seed()
    stream = Generator(model).open_stream(seed, options, max_note_beats=max_note_beats)
    return seed, model, stream


def run(args: argparse.Namespace) -> int:
    from rnnmusic.live import ControlMap, LiveConfig, LiveEngine, learn
    from rnnmusic.live.setup import make_clock, needs_input, open_ports

    _check(args)
    config = LiveConfig(
        mode=args.mode, lookahead_bars=args.lookahead_bars, latency_ms=args.latency_ms, channel=args.channel - 1,
        program=args.program, velocity_scale=args.velocity_scale, silence_beats=args.silence_beats,
        answer_bars=args.answer_bars, pass_through=args.pass_through, max_note_beats=args.max_note_beats,
        realtime=not args.no_realtime, regenerate_bars=args.regenerate_bars,
    )
    controls = ControlMap.load(args.cc_map) if args.cc_map and not args.learn else None
    seed, model, stream = _open_source(args, config.max_note_beats)
    clock = make_clock(args.clock, args.bpm, args.meter, seed)
    with_input = needs_input(config, args.clock, args.in_port, listens=args.learn or controls is not None)
    with midi_system_words(), open_ports(args.out, args.in_port, args.api, args.virtual_name, with_input) as (
            output, port_in):
        if args.learn:
            assert port_in is not None  # needs_input opens the input for --learn
            controls = learn(port_in, prompt=lambda text: print(text, file=sys.stderr, flush=True))
            controls.save(args.cc_map)
            print(f"saved {len(controls.bindings)} control(s) to {args.cc_map}", file=sys.stderr)
        engine = LiveEngine(stream, output, clock, config, input=port_in, controls=controls)
        _describe(args, model, output, port_in, clock)
        _play(engine, args.duration_bars, clock.meter.beats_per_bar)
    return 0


@contextlib.contextmanager
def midi_system_words():
    """A MIDI system that cannot be reached is reported with the option that picks another (--api); `rnnmusic
    ports` says it the same way."""
    from rnnmusic.live.midi_api import MidiSystemError

    try:
        yield
    except MidiSystemError as exc:
        raise PortError(exc.advice(lambda api: f"--api {api}")) from None


class StatusLine:
    """The run's bar, beat, tempo and clock on stderr: rewritten in place on a terminal (``\r``), and as
    plain lines elsewhere (a log, a pipe), one when the bar changes or the clock locks or is lost."""

    def __init__(self, stream: TextIO, tty: bool | None = None) -> None:
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.last: LiveStatus | None = None
        self._shown = ""

    def show(self, status: LiveStatus) -> None:
        text = status.text()
        if self.tty:
            if text != self._shown:  # pad over what a longer text left behind
                self.stream.write("\r" + text.ljust(len(self._shown)))
                self.stream.flush()
        elif self.last is None or (status.bar, status.running) != (self.last.bar, self.last.running):
            print(text, file=self.stream, flush=True)
        self.last, self._shown = status, text

    def finish(self, why: str) -> None:
        """The line that says the run stopped, where and why (on a line of its own)."""
        if self.tty and self._shown:
            self.stream.write("\n")
        last = self.last
        where = f"at bar {last.bar}, beat {last.beat}" if last is not None and last.running else \
            "before the clock started"
        print(f"rnnmusic live: stopped {where} ({why}); every note ended", file=self.stream, flush=True)


def _describe(args, model, output, port_in, clock) -> None:
    where = f"{output.name!r}" + (" (virtual)" if output.virtual else "")
    heard = f", listening on {port_in.name!r}" + (" (virtual)" if port_in.virtual else "") if port_in else ""
    timing = "following MIDI clock" if args.clock == "midi" else f"{clock.timeline.bpm:g} BPM"
    print(f"rnnmusic live: model {model.name}, {args.mode}, {timing}, {clock.meter}; playing to {where}{heard}. "
          "Ctrl-C stops.", file=sys.stderr, flush=True)


def _play(engine, duration_bars: float | None, beats_per_bar: float, status: StatusLine | None = None) -> None:
    """Run until a signal, the duration or a failure, showing the status (on stderr unless given); always stop
    the engine (which ends every note) and say so."""
    status = status or StatusLine(sys.stderr)
    signalled: list[int] = []

    def request_stop(signum, frame):
        # Only a note for the loop below. Raising KeyboardInterrupt here could land just after a lock was
        # taken (the loop waits on the engine's Event, whose lock engine.stop() needs too): the stop then
        # waited on that lock for ever and the notes were never ended.
        signalled.append(signum)

    previous_int = signal.signal(signal.SIGINT, request_stop)
    previous_term = signal.signal(signal.SIGTERM, request_stop)
    first_bar = None
    warned = False
    why = "the engine stopped"
    try:
        engine.start()
        while not signalled and not engine.wait(0.05):
            if not warned and engine.config.realtime:
                warned = True  # the sender thread asked for it when it started, 50 ms ago
                if not engine.scheduler.realtime:
                    print("note: no real-time priority for the sender thread; timing may suffer under load "
                          "(see docs/live.md)", file=sys.stderr)
            timeline = engine.clock.timeline
            beat = timeline.beat_at(time.monotonic())
            status.show(live_status(engine.clock, beat))
            if duration_bars is None or not timeline.running:
                continue
            if first_bar is None:
                first_bar = math.floor(max(beat, 0.0) / beats_per_bar) * beats_per_bar
            if beat >= first_bar + duration_bars * beats_per_bar:
                why = f"{duration_bars:g} bars played"
                break
    except KeyboardInterrupt:
        signalled.append(signal.SIGINT)
    finally:
        # a second Ctrl-C or SIGTERM must not cut the stop short: it is what ends the notes
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            engine.stop()
        finally:
            signal.signal(signal.SIGINT, previous_int)
            signal.signal(signal.SIGTERM, previous_term)
    if signalled:
        why = "Ctrl-C" if signalled[0] == signal.SIGINT else signal.Signals(signalled[0]).name
    elif engine.failure is not None:
        why = "an error, below"
    status.finish(why)
    if engine.failure is not None:
        if isinstance(engine.failure, RnnmusicError):
            raise engine.failure
        raise RnnmusicError(f"stopped: {type(engine.failure).__name__}: {engine.failure}") from engine.failure

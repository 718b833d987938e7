"""`rnnmusic generate [SEED.mid | --example NAME]`: continue a MIDI seed with a model and write the takes.

A thin shell over :class:`rnnmusic.engine.Generator`: it turns arguments into
GenerateOptions, reads the seed (a file, a shipped example seed, or none: the model then
starts from nothing), picks the model (by the seed's kind when none is named), and writes
every output (MIDI files, WAVs, pictures) through temporary files that are renamed
only once all of them are complete, so a failure leaves nothing behind.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from rnnmusic.cli import region_options
from rnnmusic.engine.options import DEFAULT_REPETITION, DEFAULT_TEMPERATURE, DEFAULT_TOP_P
from rnnmusic.errors import ConfigError
from rnnmusic.midi.names import parse_pitch_name

if TYPE_CHECKING:
    from rnnmusic.notes import NoteSequence

#: what the outputs of a take made from nothing are named after
NO_SEED = "untitled"


def register(parser: argparse.ArgumentParser) -> None:
    seed = parser.add_mutually_exclusive_group()
    seed.add_argument("seed_file", nargs="?", metavar="SEED.mid",
                      help="the MIDI file to continue (none, and no --example: start from nothing)")
    seed.add_argument("--example", metavar="NAME",
                      help="continue a shipped example seed instead of a file, e.g. folk or chorale "
                           "(see `rnnmusic examples`; default: none)")
    parser.add_argument("-o", "--output", metavar="OUT.mid",
                        help="file to write (with --num N: OUT-1.mid ... OUT-N.mid); default "
                             f"SEED-MODEL-RANDOMSEED.mid beside the seed file, else in the current folder "
                             f"(EXAMPLE-MODEL-RANDOMSEED.mid, or {NO_SEED}-MODEL-RANDOMSEED.mid from nothing)")
    parser.add_argument("--model", metavar="NAME|PATH",
                        help="shipped or user model name, or a .onnx file "
                             "(default: the shipped model for the seed's kind)")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--bars", type=float, metavar="N", help="length of the continuation in bars (default 8)")
    length.add_argument("--steps", type=int, metavar="N", help="length in grid steps (default: --bars)")
    length.add_argument("--seconds", type=float, metavar="S", help="length in seconds (default: --bars)")
    parser.add_argument("--temperature", type=float, default=DEFAULT_TEMPERATURE, metavar="T",
                        help="randomness: below 1 safer, above 1 wilder, 0 always the likeliest "
                             f"(default {DEFAULT_TEMPERATURE:g})")
    parser.add_argument("--repetition", type=float, metavar="R",
                        help="how often to play again what was played 1-8 bars before: 0 through-composed, "
                             "1 as repetitive as the model can be (default: the model's own, measured for the "
                             f"shipped models; {DEFAULT_REPETITION:g} for a model that names none)")
    parser.add_argument("--top-k", type=int, metavar="K",
                        help="sample only among the K likeliest tokens (default: off)")
    parser.add_argument("--top-p", type=float, default=DEFAULT_TOP_P, metavar="P",
                        help="sample only among the likeliest tokens holding P of the mass "
                             f"(default {'off' if DEFAULT_TOP_P is None else f'{DEFAULT_TOP_P:g}'})")
    parser.add_argument("--num", type=int, default=1, metavar="N", help="variations, sampled together (default 1)")
    parser.add_argument("--seed", type=int, metavar="S",
                        help="random seed (default: a fresh one, recorded in the file)")
    parser.add_argument("--key", metavar="KEY",
                        help="keep to a key: auto (from the seed) or e.g. C:major, F#:minor (default: none, any key)")
    parser.add_argument("--pitch-range", metavar="LO-HI",
                        help="keep pitches in a range, e.g. 55-79 or G3-G5 (default: the model's whole range)")
    parser.add_argument("--max-polyphony", type=int, metavar="N", help="at most N notes at once (default: no limit)")
    parser.add_argument("--beam-size", type=int, default=1, metavar="N",
                        help="beam search: beams kept (default 1: off)")
    parser.add_argument("--branch-factor", type=int, default=1, metavar="N",
                        help="beam search: branches per beam (default 1)")
    parser.add_argument("--tempo", default="keep", metavar="keep|BPM",
                        help="output tempo: the seed's (keep) or a BPM (default keep)")
    parser.add_argument("--continuation-only", action="store_true", help="write the continuation without the seed")
    parser.add_argument("--wav", metavar="OUT.wav", help="also render audio (needs FluidSynth and a GM SoundFont)")
    parser.add_argument("--plot", metavar="OUT.png",
                        help="also draw a piano roll (seed and continuation in two colours)")
    parser.add_argument("--threads", type=int, metavar="N", help="ONNX Runtime threads (default 1)")
    parser.add_argument("--provider", default="cpu", choices=("auto", "cpu", "cuda"),
                        help="execution provider: cpu (default), cuda, or auto (an accelerator when installed)")
    region_options.register(parser)


def parse_pitch_range(text: str) -> tuple[int, int]:
    """'48-84' or 'C3-C6' (C4 = 60) -> (48, 84)."""
    parts = text.split("-")
    if len(parts) != 2:
        raise ConfigError(f"--pitch-range {text!r}: give LO-HI, e.g. 48-84 or C3-C6")
    return _pitch(parts[0], text), _pitch(parts[1], text)


def _pitch(part: str, text: str) -> int:
    part = part.strip()
    if part.isdigit():
        return int(part)
    try:
        return parse_pitch_name(part)
    except ValueError:
        raise ConfigError(f"--pitch-range {text!r}: {part!r} is neither a MIDI number nor a note like C4") from None


def parse_tempo(text: str) -> float | None:
    """None for 'keep', else the BPM."""
    if text == "keep":
        return None
    try:
        bpm = float(text)
    except ValueError:
        raise ConfigError(f"--tempo {text!r}: give keep or a BPM such as 96") from None
    if not 1 <= bpm <= 1000:
        raise ConfigError(f"--tempo {text!r}: a BPM must be between 1 and 1000")
    return bpm


class Seed(NamedTuple):
    notes: NoteSequence | None  # None: the model starts from nothing
    path: Path | None  # the file it was read from
    stem: str  # what the outputs are named after
    folder: Path  # where the outputs go by default


def read_seed(args: argparse.Namespace) -> Seed:
    """The seed file, the shipped example seed (``--example``) or none."""
    from rnnmusic.midi.read import read_midi

    if args.example:
        from rnnmusic.example_seeds import find_example

        example = find_example(args.example)
        # the example's folder is the package's: its takes go where the user is
        return Seed(read_midi(example.path), example.path, example.path.stem, Path.cwd())
    if args.seed_file:
        path = Path(args.seed_file)
        return Seed(read_midi(path), path, path.stem, path.parent)
    return Seed(None, None, NO_SEED, Path.cwd())


def numbered(path: Path, index: int, count: int) -> Path:
    """``path`` itself for a single take, else ``stem-INDEX.suffix``."""
    return path if count == 1 else path.with_name(f"{path.stem}-{index}{path.suffix}")


def _default_output(folder: Path, stem: str, model_name: str, random_seed: int) -> Path:
    from rnnmusic.model_fields import file_stem

    name = f"{stem}-{file_stem(model_name)}-{random_seed}.mid"  # a name from a file's metadata: no "/"
    return (folder if os.access(folder, os.W_OK) else Path.cwd()) / name


def _check_outputs(midis: list[Path], wavs: list[Path], plots: list[Path], inputs: dict[Path, str]) -> None:
    from rnnmusic.output_paths import MIDI, PNG, WAV, check_output_file

    for paths, kind in ((midis, MIDI), (wavs, WAV), (plots, PNG)):
        for path in paths:
            check_output_file(path, kind, inputs)


def run(args: argparse.Namespace) -> int:
    from rnnmusic import __version__
    from rnnmusic.engine import GenerateOptions, Generator, Provenance, default_model_for, load_model, load_model_file
    from rnnmusic.engine.provenance import seed_content_hash
    from rnnmusic.midi.write import sequence_to_midi_bytes
    from rnnmusic.progress import terminal_progress
    from rnnmusic.transforms import at_tempo

    options = GenerateOptions(
        bars=args.bars, steps=args.steps, seconds=args.seconds, temperature=args.temperature, top_k=args.top_k,
        top_p=args.top_p, num=args.num, seed=args.seed, key=args.key,
        pitch_range=parse_pitch_range(args.pitch_range) if args.pitch_range else None,
        max_polyphony=args.max_polyphony, beam_size=args.beam_size, branch_factor=args.branch_factor,
        continuation_only=args.continuation_only, repetition=args.repetition,
        region=region_options.region_from_args(args),
    ).with_seed()
    tempo = parse_tempo(args.tempo)
    source = read_seed(args)
    seed, seed_path = source.notes, source.path
    if args.model:
        model = load_model(args.model, providers=args.provider, threads=args.threads)
    else:
        model = load_model_file(default_model_for(seed).path, providers=args.provider, threads=args.threads)

    assert options.seed is not None  # with_seed above drew one
    base = Path(args.output) if args.output else _default_output(source.folder, source.stem, model.name,
                                                                 options.seed)
    count = options.num
    outputs = [numbered(base, k, count) for k in range(1, count + 1)]
    wavs = [numbered(Path(args.wav), k, count) for k in range(1, count + 1)] if args.wav else []
    plots = [numbered(Path(args.plot), k, count) for k in range(1, count + 1)] if args.plot else []
    inputs = {Path(model.path): "the model file", **({seed_path: "the seed file"} if seed_path else {})}
    _check_outputs(outputs, wavs, plots, inputs)
    audio = None
    if args.wav:
        from rnnmusic.audio import check_audio

        audio = check_audio()  # before the generation: a missing FluidSynth must not cost one

    takes = Generator(model).generate(seed, options, progress=terminal_progress("generating"))
    start = takes.continuation_start
    sequences = list(takes.sequences)
    if tempo is not None:
        from rnnmusic.grid import StepGrid

        start = float(StepGrid.for_sequence(sequences[0], 1).to_steps(start)) * 60.0 / tempo
        sequences = [at_tempo(seq, tempo) for seq in sequences]

    with contextlib.ExitStack() as stack:
        from rnnmusic.atomic import atomic_output

        for index, seq in enumerate(sequences):
            record = Provenance(model.name, model.content_hash, takes.options, index + 1,
                                seed_path.name if seed_path else "",
                                "keep" if tempo is None else f"{tempo:g}", __version__, seed_content_hash(seed))
            midi_tmp = stack.enter_context(atomic_output(outputs[index]))
            midi_tmp.write_bytes(sequence_to_midi_bytes(seq, [record.to_text()]))
            if audio is not None:
                from rnnmusic.audio import render_wav_to

                wav_tmp = stack.enter_context(atomic_output(wavs[index]))
                render_wav_to(audio[0], audio[1], midi_tmp, wav_tmp, name=str(wavs[index]))
            if plots:
                from rnnmusic.pianoroll import piano_roll_png

                stack.enter_context(atomic_output(plots[index])).write_bytes(piano_roll_png(seq, start))
    key = f", key {takes.key}" if takes.key else ""
    print(f"model {model.name} ({model.encoding.name}, {model.content_hash[:8]}), seed {options.seed}{key}",
          file=sys.stderr)
    if options.region is not None:
        print(region_options.describe(takes), file=sys.stderr)
    if takes.seed_dropped:
        dropped = sum(takes.seed_dropped.values())
        reasons = ", ".join(f"{reason.replace('_', ' ')} {count}"
                            for reason, count in sorted(takes.seed_dropped.items()))
        total = len(seed.notes) if seed is not None else 0
        print(f"the model read {total - dropped} of the seed's {total} notes ({reasons})",
              file=sys.stderr)
    for path in outputs + wavs + plots:
        print(f"wrote {path}")
    return 0


"""What `rnnmusic info` says about a take that `rnnmusic generate` wrote: its record, and how to make it again.

The record (:class:`~rnnmusic.engine.provenance.Provenance`, a text event in the file) holds the
model's name and content hash, the seed's name and content hash, and every generation option with
the concrete random seed. The command that makes the take again is built from `generate`'s own
parser: each option is written with the flag whose ``dest`` is its name, so a flag added to
`generate` for a new option is picked up here without a second table to keep in step. An option
no single flag writes (a nested one) is named beside the command instead; a region is written
with the region options of :mod:`rnnmusic.cli.region_options`.
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
from pathlib import Path

from rnnmusic.engine.provenance import Provenance, seed_content_hash
from rnnmusic.engine.region_spec import RegionSpec


def describe(record: Provenance, file: str | Path) -> list[str]:
    """The lines `rnnmusic info` prints about a take's record."""
    from rnnmusic import __version__

    options = record.options
    seed_words, seed_text = _seed(record)
    model_words, model_text = _model(record)
    again = Path(file).with_name(f"{Path(file).stem}-again.mid")
    option_words, unflagged = _option_words(record)
    words = ["rnnmusic", "generate", *seed_words, *model_words, *option_words, "-o", str(again)]
    lines = [
        f"made by rnnmusic {record.rnnmusic_version or '(version not recorded)'}: variation {record.variation} "
        f"of {options.num} (take sha256 {record.take_hash[:16]})",
        f"  model: {model_text}",
        f"  seed: {seed_text}",
        f"  temperature {options.temperature:g}, top-p {_off(options.top_p)}, top-k {_off(options.top_k)}, "
        f"key {options.key or 'any'}, repetition {_off(options.repetition)}, random seed {options.seed}",
        f"  {_length(options)}; tempo: "
        + (f"{record.tempo} qpm" if record.tempo != "keep" else "the seed's" if seed_words else "the default"),
        f"  to make it again: {shlex.join(words)}",
    ]
    if record.edited:
        lines.append("  (its notes were edited by hand after it was made: that command makes the take as it was "
                     "made, before the edits)")
    if unflagged:
        lines.append(f"  (left out of that command, as no flag of `rnnmusic generate` writes them: "
                     f"{', '.join(unflagged)})")
    if options.num > 1:
        lines.append(f"  (that command writes {options.num} variations; this take is "
                     f"{again.with_name(f'{again.stem}-{record.variation}{again.suffix}').name})")
    if record.rnnmusic_version and record.rnnmusic_version != __version__:
        lines.append(f"  (made with rnnmusic {record.rnnmusic_version}, and this is {__version__}: another version "
                     "may sample other notes)")
    return lines


def _length(options) -> str:
    region = options.region
    if region is not None and region.is_fill:
        return f"region: {region.describe_bars()} filled anew"
    length = f"length: {options.length[1]:g} {options.length[0]}"
    return f"region: {region.describe_bars()}, {length}" if region is not None else length


def _off(value: float | int | None) -> str:
    return "off" if value is None else f"{value:g}"


def _seed(record: Provenance) -> tuple[list[str], str]:
    """The seed's words of the command, and what it was."""
    if record.seed_hash == seed_content_hash(None):
        return [], "none: generated from nothing"
    if record.seed_hash:
        from rnnmusic.example_seeds import list_examples
        from rnnmusic.midi.read import read_midi

        for example in list_examples():
            if seed_content_hash(read_midi(example.path)) == record.seed_hash:
                return ["--example", example.name], f"the example seed {example.name!r} ({example.path.name})"
    content = f" (content sha256 {record.seed_hash[:16]})" if record.seed_hash else ""
    return [record.seed_file or "SEED.mid"], f"{record.seed_file or 'a file not named in the record'}{content}"


def _model(record: Provenance) -> tuple[list[str], str]:
    """The model's words of the command (its name when the installed model of that name is this very file)."""
    from rnnmusic.engine.catalog import resolve_model
    from rnnmusic.errors import ConfigError

    recorded = f"{record.model} (sha256 {record.model_hash[:16]})"
    try:
        path = resolve_model(record.model)
    except ConfigError:
        return ["--model", "MODEL.onnx"], f"{recorded}; no model of that name is installed: give its file"
    if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == record.model_hash:
        return ["--model", record.model], f"{recorded}, the installed {path}"
    return ["--model", "MODEL.onnx"], (f"{recorded}; the installed {record.model!r} ({path}) is another file: "
                                       "give the file with that sha256")


def _option_words(record: Provenance) -> tuple[list[str], list[str]]:
    """Every option that differs from `generate`'s default, as the flag that sets it, and the output tempo;
    and the options that no flag sets (``name=value``)."""
    flags = _generate_flags()
    words: list[str] = []
    unflagged: list[str] = []
    for name, value in record.options.to_dict().items():
        if name == "region" and value is not None:
            words += _region_words(value, flags)
            continue
        action = flags.get(name)
        if action is None or isinstance(value, dict):  # a nested spec is no one flag's value
            unflagged.append(f"{name}={value!r}")
            continue
        if value == action.default:
            continue
        if action.nargs == 0:  # a flag: on when given
            words += [action.option_strings[-1]] if value else []
        else:
            text = "-".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
            words += [action.option_strings[-1], text]
    if record.tempo != "keep":
        words += [flags["tempo"].option_strings[-1], record.tempo]
    return words, unflagged


def _region_words(region: dict, flags: dict[str, argparse.Action]) -> list[str]:
    """The region options (:mod:`rnnmusic.cli.region_options`) that ask for this region again."""
    spec = RegionSpec.from_dict(region)

    def flag(dest: str) -> str:
        return flags[dest].option_strings[-1]

    words = ([flag("region"), f"{spec.start_bar}-{spec.end_bar - 1}"] if spec.end_bar is not None
             else [flag("from_bar"), str(spec.start_bar)])
    for track in spec.tracks or ():
        words += [flag("track"), str(track)]
    for dest, value in (("candidates", spec.candidates), ("fill_method", spec.method),
                        ("lookahead_bars", spec.lookahead_bars)):
        if value != flags[dest].default:
            words += [flag(dest), str(value)]
    return words


def _generate_flags() -> dict[str, argparse.Action]:
    """`generate`'s options by the name they are stored under."""
    from rnnmusic.cli import generate

    parser = argparse.ArgumentParser()
    generate.register(parser)
    return {action.dest: action for action in parser._actions if action.option_strings}

"""Help and usage errors for people: every option's default in the help, a mistyped option or command
answered with the right usage and the nearest real name."""

from __future__ import annotations

import argparse
import re

import pytest
from support import require

from rnnmusic.cli.main import COMMANDS, build_parser, main


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.update(action.choices)
    return found


def every_parser():
    """(prog, parser) of every command and nested subcommand, each built as the command line builds it."""
    def walk(parser):
        yield parser.prog, parser
        for sub in _subparsers(parser).values():
            yield from walk(sub)

    for name in COMMANDS:
        yield from walk(_subparsers(build_parser(only=name))[name])


def option_help(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each option's entry in the parser's --help text: its first option string -> the text beside it."""
    blocks: dict[str, str] = {}
    current = None
    for line in parser.format_help().splitlines():
        match = re.match(r"^  (-[\w-]+)", line)
        if match:
            current = match.group(1)
            blocks[current] = line
        elif current is not None and line.startswith("    "):
            blocks[current] += " " + line.strip()
        else:
            current = None
    return blocks


def test_the_walk_sees_nested_subcommands():
    progs = {prog for prog, _ in every_parser()}
    assert {"rnnmusic dataset build", "rnnmusic bench polyphonic", "rnnmusic train", "rnnmusic live"} <= progs


@pytest.mark.parametrize("prog, parser", list(every_parser()), ids=[prog for prog, _ in every_parser()])
def test_every_option_that_takes_a_value_names_its_default(prog, parser):
    shown = option_help(parser)
    missing = []
    for action in parser._actions:
        if not action.option_strings or action.nargs == 0 or action.required or action.help == argparse.SUPPRESS:
            continue  # flags are off unless given; a required option has no default
        text = shown[action.option_strings[0]]
        if "default" not in text:
            missing.append(text)
    assert missing == [], f"{prog}: options whose help gives no default: {missing}"


def test_train_help_gives_the_training_defaults():
    from rnnmusic.training.config import TrainConfig

    config = TrainConfig()
    shown = option_help(_subparsers(build_parser(only="train"))["train"])
    for flag, value in (("--cell", config.model.cell), ("--layers", config.model.layers),
                        ("--hidden", config.model.hidden), ("--embedding", config.model.embedding),
                        ("--dropout", f"{config.model.dropout:g}"), ("--epochs", config.run.epochs),
                        ("--seed", config.run.seed), ("--batch-size", config.data.batch_size),
                        ("--lr", f"{config.optim.lr:g}")):
        assert f"(default {value}" in shown[flag], shown[flag]


def test_bench_help_gives_each_heads_preset():
    try:
        from rnnmusic.training.bench.run import DEFAULTS
    except ImportError:
        DEFAULTS = None
    require(DEFAULTS is not None, "torch (the train extra)")
    poly = _subparsers(_subparsers(build_parser(only="bench"))["bench"])["polyphonic"]
    shown = option_help(poly)
    for flag, key in (("--layers", "model.layers"), ("--epochs", "run.epochs")):
        assert (f"{DEFAULTS['bernoulli'][key]} for bernoulli, {DEFAULTS['tokens'][key]} for tokens"
                in shown[flag]), shown[flag]
    assert {DEFAULTS[h]["model.hidden"] for h in DEFAULTS} == {256} and "(default 256)" in shown["--hidden"]


def _usage_error(argv, capsys) -> str:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("argv, usage, suggestion", [
    (["generate", "seed.mid", "--temprature", "0.5"], "usage: rnnmusic generate", "--temperature"),
    (["train", "data", "-o", "run", "--hiden", "64"], "usage: rnnmusic train", "--hidden"),
    (["dataset", "build", "src", "-o", "data", "--encoding", "melody", "--jbos", "2"],
     "usage: rnnmusic dataset build", "--jobs"),
    (["info", "x.mid", "--encodng=melody"], "usage: rnnmusic info", "--encoding"),
])
def test_a_mistyped_option_gets_its_subcommands_usage_and_the_nearest_option(argv, usage, suggestion, capsys):
    err = _usage_error(argv, capsys)
    assert err.startswith(usage), err
    assert f"did you mean '{suggestion}'?" in err
    assert "Traceback" not in err


def test_an_option_far_from_any_gets_no_suggestion(capsys):
    err = _usage_error(["generate", "--zzzzzz"], capsys)
    assert err.startswith("usage: rnnmusic generate") and "unrecognized arguments: --zzzzzz" in err
    assert "did you mean" not in err


def test_a_mistyped_command_gets_the_nearest_command(capsys):
    err = _usage_error(["generat", "seed.mid"], capsys)
    assert "no command 'generat'; did you mean 'generate'?" in err


def test_a_word_far_from_any_command_is_argparses_invalid_choice(capsys):
    err = _usage_error(["qqqqqq"], capsys)
    assert "invalid choice: 'qqqqqq'" in err and "did you mean" not in err


def test_every_plain_generate_option_has_the_flag_infos_replay_command_writes():
    # `rnnmusic info` rebuilds a take's command from generate's flags by their dest: an option without
    # one would be left out of the command (and named beside it). A region is a nested spec, written
    # by the region options (see the round trip below), not one flag.
    import dataclasses

    from rnnmusic.cli.take_record import _generate_flags
    from rnnmusic.engine.options import GenerateOptions

    fields = {f.name for f in dataclasses.fields(GenerateOptions)} - {"region"}
    assert fields - set(_generate_flags()) == set()


@pytest.mark.parametrize("spec", [
    dict(start_bar=5, end_bar=9),
    dict(start_bar=2, end_bar=3, tracks=(0, 2), method="best", candidates=8, lookahead_bars=2),
    dict(start_bar=9, end_bar=None, method="first"),
])
def test_the_region_options_info_writes_ask_for_the_same_region(spec):
    from rnnmusic.cli import generate
    from rnnmusic.cli.region_options import region_from_args
    from rnnmusic.cli.take_record import _generate_flags, _region_words
    from rnnmusic.engine.region_spec import RegionSpec

    region = RegionSpec(**spec)
    words = _region_words(region.to_dict(), _generate_flags())
    parser = argparse.ArgumentParser()
    generate.register(parser)
    assert region_from_args(parser.parse_args(["seed.mid", *words])) == region

"""`rnnmusic live` and `rnnmusic ports` refuse bad options with one line before touching a model or a port."""

import sys

import pytest

from rnnmusic.cli.main import main


@pytest.mark.parametrize(
    "argv, words",
    [
        (["live", "--learn"], "--cc-map"),
        (["live", "--channel", "17"], "channel must be 1-16"),
        (["live", "--duration-bars", "0"], "duration-bars"),
        (["live", "--lookahead-bars", "0"], "lookahead-bars"),
        (["live", "--velocity-scale", "-1"], "velocity-scale"),
        (["live", "--program", "200"], "program must be 0-127"),
        (["live", "--regenerate-bars", "0"], "regenerate-bars must be above 0"),
    ],
)
def test_bad_live_options_exit_1_with_one_line(capsys, argv, words):
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rnnmusic live: error:") and words in err[0]


@pytest.mark.skipif(sys.platform == "darwin", reason="CoreMIDI is compiled in on macOS")
def test_ports_with_an_api_this_build_lacks_names_the_ones_it_has(capsys):
    assert main(["ports", "--api", "coremidi"]) == 1
    err = capsys.readouterr().err
    assert "no CoreMIDI support" in err and "available:" in err


def test_usage_errors_exit_2():
    with pytest.raises(SystemExit) as info:
        main(["live", "--mode", "jam"])
    assert info.value.code == 2


def test_a_midi_system_that_cannot_be_reached_names_the_option_for_another(capsys, monkeypatch):
    from rnnmusic.live import ports
    from rnnmusic.live.ports import MidiSystemError

    def unreachable(api=None):
        raise MidiSystemError("alsa", "ALSA error initializing MIDI client", ("jack",))

    monkeypatch.setattr(ports, "list_ports", unreachable)
    assert main(["ports", "--api", "alsa"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == ("rnnmusic ports: error: cannot use the ALSA MIDI system (ALSA error initializing MIDI client); "
                   "try --api jack")

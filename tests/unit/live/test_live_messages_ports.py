"""Raw messages, port matching and the list-backed fake ports."""

import sys

import pytest
from live_fakes import FakeInput, FakeOutput

from rnnmusic.errors import ConfigError, PortError
from rnnmusic.live import messages as m
from rnnmusic.live import midi_api, ports


@pytest.mark.parametrize("data", [b"\x90\x3c\x64", b"\xc0\x05", b"\xf8", b"\xf2\x10\x00", b"\xf0\x7e\x01\xf7"])
def test_valid_messages_pass(data):
    m.validate(data)


@pytest.mark.parametrize(
    "data, words",
    [(b"", "empty"), (b"\x3c\x64", "status"), (b"\x90\x3c", "takes 3"), (b"\x90\x3c\x80", "below 128"),
     (b"\xf0\x01", "system exclusive"), (b"\xc0\x05\x01", "takes 2")],
)
def test_bad_messages_are_refused_with_a_reason(data, words):
    with pytest.raises(ValueError, match=words):
        m.validate(data)


def test_note_on_with_velocity_zero_is_a_note_off():
    assert m.is_note_off(b"\x90\x3c\x00") and not m.is_note_on(b"\x90\x3c\x00")
    assert m.is_note_on(m.note_on(3, 60, 1)) and m.is_note_off(m.note_off(3, 60))


NAMES = ["Midi Through:Midi Through Port-0 14:0", "USB Keyboard:USB Keyboard MIDI 1 20:0", "rnnmusic:rnnmusic"]


def test_match_port_exact_then_unique_substring_ignoring_case():
    assert midi_api.match_port("rnnmusic:rnnmusic", NAMES, "output") == "rnnmusic:rnnmusic"
    assert midi_api.match_port("usb keyboard", NAMES, "output") == NAMES[1]


def test_missing_port_lists_the_ports_that_exist():
    with pytest.raises(PortError) as info:
        midi_api.match_port("Yamaha", NAMES, "output")
    text = str(info.value)
    assert "no MIDI output port matches 'Yamaha'" in text
    assert all(repr(name) in text for name in NAMES)


def test_missing_port_when_there_are_none_says_none():
    with pytest.raises(PortError, match="input ports: none"):
        midi_api.match_port("x", [], "input")


def test_ambiguous_substring_names_every_candidate():
    with pytest.raises(PortError, match="several") as info:
        midi_api.match_port("midi", NAMES, "input")
    assert NAMES[0] in str(info.value) and NAMES[1] in str(info.value)


def test_unknown_api_is_a_config_error_listing_the_choices():
    with pytest.raises(ConfigError, match="alsa, jack, coremidi, winmm"):
        ports.list_ports("oss")


@pytest.mark.parametrize("platform, api", [("linux", "alsa"), ("darwin", "coremidi"), ("win32", "winmm")])
def test_default_api_is_the_platforms(monkeypatch, platform, api):
    monkeypatch.setattr(sys, "platform", platform)
    assert ports.default_api() == api


def test_fake_output_validates_records_and_refuses_after_close():
    out = FakeOutput(now=lambda: 1.5)
    out.send(b"\x90\x3c\x64")
    assert out.sent == [(1.5, b"\x90\x3c\x64")]
    with pytest.raises(ValueError):
        out.send(b"\x90\x3c")
    out.close()
    assert out.closed and not out.is_alive()
    with pytest.raises(PortError, match="closed"):
        out.send(b"\x80\x3c\x00")


def test_fake_input_delivers_with_arrival_time_until_closed():
    port = FakeInput()
    got = []
    port.set_callback(lambda data, t: got.append((data, t)))
    port.feed([0xF8], at=2.0)
    port.close()
    port.feed([0xF8], at=3.0)
    assert got == [(b"\xf8", 2.0)]


def test_closing_an_output_waits_until_its_last_message_can_have_been_delivered():
    """JACK hands MIDI over in a later period: closing at once can lose a stop's note-offs (issue 12, item 11)."""
    from live_fakes import ManualClock

    now, slept = ManualClock(50.0), []
    out = FakeOutput(now=now, drain_seconds=0.05, sleep=slept.append)
    out.send(m.note_off(0, 60))
    now.advance(0.01)
    out.close()
    assert slept == [pytest.approx(0.04)] and out.closed


def test_closing_an_output_long_after_its_last_send_does_not_wait():
    from live_fakes import ManualClock

    now, slept = ManualClock(50.0), []
    out = FakeOutput(now=now, drain_seconds=0.05, sleep=slept.append)
    out.close()  # nothing sent
    other = FakeOutput(now=now, drain_seconds=0.05, sleep=slept.append)
    other.send(m.note_off(0, 60))
    now.advance(1.0)
    other.close()
    assert slept == []


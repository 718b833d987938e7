"""MIDI ports: pick a MIDI API, list ports, open one by name or unique substring, or create a virtual one.

The ports returned are :class:`~rnnmusic.live.port_base.MidiOutput` and
:class:`~rnnmusic.live.port_base.MidiInput` (python-rtmidi behind them, see
:mod:`rnnmusic.live.rtmidi_ports`). Messages are raw bytes so the sender thread
never builds message objects.

Virtual ports: the output is created as client ``NAME``, port ``NAME`` and the input
as ``NAME in`` (so on JACK they are ``rnnmusic:rnnmusic`` and ``rnnmusic in:rnnmusic in``
and never collide). Windows has no virtual ports; a loopback driver such as loopMIDI
stands in (docs/live.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from rnnmusic.live.midi_api import (  # noqa: F401 (re-exported)
    API_NAMES,
    DEFAULT_VIRTUAL_NAME,
    MidiSystemError,
    api_title,
    default_api,
    platform_apis,
    rtmidi_client,
)
from rnnmusic.live.port_base import InputCallback, MidiInput, MidiOutput  # noqa: F401 (re-exported)
from rnnmusic.live.rtmidi_ports import RtMidiInput, RtMidiOutput


@dataclass(frozen=True)
class PortList:
    inputs: tuple[str, ...]  # ports rnnmusic can read from (other programs' outputs)
    outputs: tuple[str, ...]  # ports rnnmusic can send to


def list_ports(api: str | None = None) -> PortList:
    """Every input and output port the chosen MIDI API can see right now."""
    midi_in, midi_out = rtmidi_client("in", api), rtmidi_client("out", api)
    try:
        return PortList(tuple(midi_in.get_ports()), tuple(midi_out.get_ports()))
    finally:
        midi_in.delete()
        midi_out.delete()


def open_output(
    name: str | None = None, api: str | None = None, virtual_name: str = DEFAULT_VIRTUAL_NAME
) -> MidiOutput:
    """Open the output port ``name`` (exact or unique substring), or create a virtual one when name is None."""
    return RtMidiOutput(name, api, virtual_name)


def open_input(name: str | None = None, api: str | None = None, virtual_name: str = DEFAULT_VIRTUAL_NAME) -> MidiInput:
    """Open the input port ``name`` (exact or unique substring), or create a virtual ``NAME in`` when name is None."""
    return RtMidiInput(name, api, virtual_name + " in")

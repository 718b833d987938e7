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

import sys
from dataclasses import dataclass
from typing import Sequence

from rnnmusic.errors import ConfigError, PortError
from rnnmusic.live.port_base import InputCallback, MidiInput, MidiOutput  # noqa: F401 (re-exported)

DEFAULT_VIRTUAL_NAME = "rnnmusic"

# --api value -> python-rtmidi constant name and a human name for messages
_APIS = {
    "alsa": ("API_LINUX_ALSA", "ALSA"),
    "jack": ("API_UNIX_JACK", "JACK"),
    "coremidi": ("API_MACOSX_CORE", "CoreMIDI"),
    "winmm": ("API_WINDOWS_MM", "Windows MultiMedia"),
}
API_NAMES = tuple(_APIS)


def default_api() -> str:
    """The platform's own MIDI API."""
    if sys.platform == "darwin":
        return "coremidi"
    if sys.platform.startswith("win"):
        return "winmm"
    return "alsa"


def import_rtmidi():
    import rtmidi  # imported on first use: listing ports is the only reason to load it

    return rtmidi


def _compiled() -> list[str]:
    rtmidi = import_rtmidi()
    return [n for n, (const, _) in _APIS.items() if getattr(rtmidi, const) in rtmidi.get_compiled_api()]


def _api_id(api: str | None) -> tuple[str, int]:
    """Validate an --api value and return (name, rtmidi constant)."""
    name = api or default_api()
    if name not in _APIS:
        raise ConfigError(f"unknown MIDI API {name!r}; choose one of: {', '.join(API_NAMES)}")
    if name not in _compiled():
        raise ConfigError(f"this python-rtmidi has no {_APIS[name][1]} support; available: {', '.join(_compiled())}")
    return name, getattr(import_rtmidi(), _APIS[name][0])


def rtmidi_client(kind: str, api: str | None, client_name: str | None = None, **options):
    """A python-rtmidi MidiIn/MidiOut, or a PortError saying why the MIDI system can't be reached."""
    name, value = _api_id(api)
    rtmidi = import_rtmidi()
    cls = rtmidi.MidiIn if kind == "in" else rtmidi.MidiOut
    try:
        return cls(rtapi=value, name=client_name, **options)
    except rtmidi.RtMidiError as exc:
        others = " or ".join(f"--api {a}" for a in _compiled() if a != name)
        hint = f"; try {others}" if others else ""
        raise PortError(f"cannot use the {_APIS[name][1]} MIDI system ({exc}){hint}") from None


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


def match_port(query: str, names: Sequence[str], direction: str) -> str:
    """The port ``query`` names: an exact name, else the only one containing it (ignoring case)."""
    if query in names:
        return query
    lowered = query.lower()
    hits = [n for n in names if lowered in n.lower()]
    if len(hits) == 1:
        return hits[0]
    exact = [n for n in hits if n.lower() == lowered]
    if len(exact) == 1:
        return exact[0]
    if hits:
        raise PortError(f"{query!r} matches several MIDI {direction} ports: {', '.join(hits)}; give more of the name")
    listing = ", ".join(repr(n) for n in names) if names else "none"
    raise PortError(f"no MIDI {direction} port matches {query!r}; {direction} ports: {listing}")


def open_output(name: str | None = None, api: str | None = None, virtual_name: str = DEFAULT_VIRTUAL_NAME) -> MidiOutput:
    """Open the output port ``name`` (exact or unique substring), or create a virtual one when name is None."""
    from rnnmusic.live.rtmidi_ports import RtMidiOutput

    return RtMidiOutput(name, api, virtual_name)


def open_input(name: str | None = None, api: str | None = None, virtual_name: str = DEFAULT_VIRTUAL_NAME) -> MidiInput:
    """Open the input port ``name`` (exact or unique substring), or create a virtual ``NAME in`` when name is None."""
    from rnnmusic.live.rtmidi_ports import RtMidiInput

    return RtMidiInput(name, api, virtual_name + " in")

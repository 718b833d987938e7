"""MIDI ports: pick a MIDI API, list ports, open one by name or unique substring, or create a virtual one.

:class:`MidiOutput` and :class:`MidiInput` are what the live engine talks to. Their
public methods validate and lock; a backend implements only ``_send``, ``_alive``
and ``_close`` (the python-rtmidi backend here, a list-backed fake in
:mod:`rnnmusic.live.fake`). Messages are raw bytes so the sender thread never
builds message objects.

Virtual ports: the output is created as client ``NAME``, port ``NAME`` and the input
as ``NAME in`` (so on JACK they are ``rnnmusic:rnnmusic`` and ``rnnmusic in:rnnmusic in``
and never collide). Windows has no virtual ports; a loopback driver such as loopMIDI
stands in (docs/live.md).
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from rnnmusic.errors import ConfigError, PortError
from rnnmusic.live.messages import validate

InputCallback = Callable[[bytes, float], None]
"""Called with each received message and the monotonic time it arrived, on the backend's thread."""

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


def _rtmidi():
    import rtmidi  # imported on first use: listing ports is the only reason to load it

    return rtmidi


def _compiled() -> list[str]:
    rtmidi = _rtmidi()
    return [n for n, (const, _) in _APIS.items() if getattr(rtmidi, const) in rtmidi.get_compiled_api()]


def _api_id(api: str | None) -> tuple[str, int]:
    """Validate an --api value and return (name, rtmidi constant)."""
    name = api or default_api()
    if name not in _APIS:
        raise ConfigError(f"unknown MIDI API {name!r}; choose one of: {', '.join(API_NAMES)}")
    if name not in _compiled():
        raise ConfigError(f"this python-rtmidi has no {_APIS[name][1]} support; available: {', '.join(_compiled())}")
    return name, getattr(_rtmidi(), _APIS[name][0])


def _client(kind: str, api: str | None, client_name: str | None = None):
    """A python-rtmidi MidiIn/MidiOut, or a PortError saying why the MIDI system can't be reached."""
    name, value = _api_id(api)
    rtmidi = _rtmidi()
    cls = rtmidi.MidiIn if kind == "in" else rtmidi.MidiOut
    try:
        return cls(rtapi=value, name=client_name)
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
    midi_in, midi_out = _client("in", api), _client("out", api)
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


class MidiOutput:
    """An open output port. ``send`` validates and locks; backends implement the private methods."""

    def __init__(self, name: str, virtual: bool) -> None:
        self.name = name
        self.virtual = virtual
        self._lock = threading.Lock()
        self._closed = False

    def send(self, data: bytes) -> None:
        """Send one raw MIDI message now; PortError if the port is closed or the backend fails."""
        validate(data)
        with self._lock:
            if self._closed:
                raise PortError(f"MIDI output {self.name!r} is closed")
            self._send(data)

    def is_alive(self) -> bool:
        """False once the port is closed or the device/port behind it has gone away."""
        with self._lock:
            return not self._closed and self._alive()

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._close()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "MidiOutput":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _send(self, data: bytes) -> None:
        raise NotImplementedError

    def _alive(self) -> bool:
        return True

    def _close(self) -> None:
        pass


class MidiInput:
    """An open input port that hands each message and its arrival time to one callback."""

    def __init__(self, name: str, virtual: bool) -> None:
        self.name = name
        self.virtual = virtual
        self._lock = threading.Lock()
        self._closed = False
        self._callback: InputCallback | None = None

    def set_callback(self, callback: InputCallback | None) -> None:
        with self._lock:
            self._callback = callback

    def is_alive(self) -> bool:
        with self._lock:
            return not self._closed and self._alive()

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._callback = None
                self._close()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "MidiInput":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _deliver(self, data: bytes, arrived: float) -> None:
        callback = self._callback  # read once: set_callback may swap it from another thread
        if callback is not None:
            callback(data, arrived)

    def _alive(self) -> bool:
        return True

    def _close(self) -> None:
        pass


class _RtMidiPort:
    """What the rtmidi input and output share: opening by name or virtually, and noticing a lost port."""

    def _open_rt(self, rt, query: str | None, virtual_name: str, direction: str) -> tuple[str, bool]:
        self._rt = rt
        self._error: str | None = None
        if query is None:
            try:
                rt.open_virtual_port(virtual_name)
            except (NotImplementedError, _rtmidi().RtMidiError) as exc:
                rt.delete()
                raise PortError(
                    f"cannot create a virtual MIDI {direction} port here ({exc}); on Windows use a loopback "
                    f"driver such as loopMIDI and name its port with --{'out' if direction == 'output' else 'in'}"
                ) from None
            name = virtual_name
        else:
            names = rt.get_ports()
            try:
                name = match_port(query, names, direction)
                rt.open_port(names.index(name))
            except PortError:
                rt.delete()
                raise
            except _rtmidi().RtMidiError as exc:
                rt.delete()
                raise PortError(f"cannot open MIDI {direction} {name!r}: {exc}") from None
        # Errors the C++ layer reports later (a device unplugged) must not raise on its thread.
        rt.set_error_callback(self._on_error)
        return name, query is None

    def _on_error(self, kind, message, data=None) -> None:
        self._error = str(message)

    def _rt_alive(self, virtual: bool, name: str) -> bool:
        if self._error is not None:
            return False
        # A port we connected to has gone when it leaves the listing; our own virtual port can't vanish that way.
        return virtual or name in self._rt.get_ports()

    def _rt_close(self) -> None:
        self._rt.close_port()
        self._rt.delete()


class RtMidiOutput(_RtMidiPort, MidiOutput):
    """An output through python-rtmidi (ALSA, JACK, CoreMIDI or Windows MultiMedia)."""

    def __init__(self, query: str | None, api: str | None = None, virtual_name: str = DEFAULT_VIRTUAL_NAME) -> None:
        name, virtual = self._open_rt(_client("out", api, virtual_name), query, virtual_name, "output")
        MidiOutput.__init__(self, name, virtual)

    def _send(self, data: bytes) -> None:
        try:
            self._rt.send_message(data)
        except _rtmidi().RtMidiError as exc:
            self._error = str(exc)
            raise PortError(f"MIDI output {self.name!r} failed: {exc}") from None

    def _alive(self) -> bool:
        return self._rt_alive(self.virtual, self.name)

    def _close(self) -> None:
        self._rt_close()


class RtMidiInput(_RtMidiPort, MidiInput):
    """An input through python-rtmidi; clock and transport messages are let through, sysex is not."""

    def __init__(
        self,
        query: str | None,
        api: str | None = None,
        virtual_name: str = DEFAULT_VIRTUAL_NAME + " in",
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        name, virtual = self._open_rt(_client("in", api, virtual_name), query, virtual_name, "input")
        MidiInput.__init__(self, name, virtual)
        self._now = now
        self._rt.ignore_types(sysex=True, timing=False, active_sense=True)
        self._rt.set_callback(self._on_message)

    def _on_message(self, event, data=None) -> None:
        # Stamped here, on arrival: the clock follower needs the time each 0xF8 came in.
        self._deliver(bytes(event[0]), self._now())

    def _alive(self) -> bool:
        return self._rt_alive(self.virtual, self.name)

    def _close(self) -> None:
        self._rt.cancel_callback()
        # On JACK the callback runs on the JACK process thread and needs the GIL, while closing the
        # port waits for the server, with the GIL held: let a callback in flight finish first.
        time.sleep(0.02)
        self._rt_close()


def open_output(name: str | None = None, api: str | None = None, virtual_name: str = DEFAULT_VIRTUAL_NAME) -> MidiOutput:
    """Open the output port ``name`` (exact or unique substring), or create a virtual one when name is None."""
    return RtMidiOutput(name, api, virtual_name)


def open_input(name: str | None = None, api: str | None = None, virtual_name: str = DEFAULT_VIRTUAL_NAME) -> MidiInput:
    """Open the input port ``name`` (exact or unique substring), or create a virtual ``NAME in`` when name is None."""
    return RtMidiInput(name, api, virtual_name + " in")

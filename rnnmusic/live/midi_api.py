"""Which MIDI system python-rtmidi talks to (--api), a client on it, and finding a port by name.

Shared by :mod:`rnnmusic.live.ports` (listing, opening) and :mod:`rnnmusic.live.rtmidi_ports`
(the port classes), which is why it sits below both of them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from rnnmusic.errors import ConfigError, PortError

DEFAULT_VIRTUAL_NAME = "rnnmusic"

# --api value -> python-rtmidi constant name and a human name for messages
_APIS = {
    "alsa": ("API_LINUX_ALSA", "ALSA"),
    "jack": ("API_UNIX_JACK", "JACK"),
    "coremidi": ("API_MACOSX_CORE", "CoreMIDI"),
    "winmm": ("API_WINDOWS_MM", "Windows MultiMedia"),
}
API_NAMES = tuple(_APIS)
#: the MIDI systems each platform has (JACK runs on every one, but is the norm only on Linux)
_PLATFORM_APIS = {"linux": ("alsa", "jack"), "darwin": ("coremidi", "jack"), "win32": ("winmm",)}


class MidiSystemError(PortError):
    """A MIDI system that cannot be reached; ``others`` are this platform's systems that might work instead.

    The message names no command-line option; :meth:`advice` says how to choose another
    system in a front end's own words (the CLI's ``--api jack``, the app's menu).
    """

    def __init__(self, system: str, reason: str, others: tuple[str, ...]) -> None:
        self.system, self.reason, self.others = system, reason, others
        super().__init__(self.advice(api_title))

    def advice(self, choose: Callable[[str], str]) -> str:
        """The message, ending with ``choose(api)`` for each system that might work instead."""
        text = f"cannot use the {api_title(self.system)} MIDI system ({self.reason})"
        return text + (f"; try {' or '.join(choose(a) for a in self.others)}" if self.others else "")


def api_title(api: str) -> str:
    """The name people know a MIDI system by: "ALSA", "JACK", "CoreMIDI", "Windows MultiMedia"."""
    return _APIS[api][1] if api in _APIS else api


def platform_apis(platform: str | None = None) -> tuple[str, ...]:
    """The MIDI systems of this platform (or of ``platform``, a ``sys.platform`` value), its own first."""
    platform = platform or sys.platform
    key = "win32" if platform.startswith("win") else "darwin" if platform == "darwin" else "linux"
    return _PLATFORM_APIS[key]


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
        others = tuple(a for a in platform_apis() if a != name and a in _compiled())
        raise MidiSystemError(name, str(exc), others) from None


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

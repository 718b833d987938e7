"""The live engine: generated MIDI streamed to a port in time with a clock, with no note left hanging.

Start with :class:`LiveEngine` (docs/live.md has the tour). python-rtmidi loads only
when a port is listed or opened.
"""

from rnnmusic.live.clock import InternalClock, Meter, MidiClockFollower, Timeline, Transport
from rnnmusic.live.config import LiveConfig
from rnnmusic.live.control import ControlMap, learn
from rnnmusic.live.engine import LiveEngine, LiveStats
from rnnmusic.live.ports import MidiInput, MidiOutput, PortList, list_ports, open_input, open_output
from rnnmusic.live.source import NoteSource

__all__ = [
    "ControlMap",
    "InternalClock",
    "LiveConfig",
    "LiveEngine",
    "LiveStats",
    "Meter",
    "MidiClockFollower",
    "MidiInput",
    "MidiOutput",
    "NoteSource",
    "PortList",
    "Timeline",
    "Transport",
    "learn",
    "list_ports",
    "open_input",
    "open_output",
]

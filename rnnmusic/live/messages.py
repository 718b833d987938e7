"""Raw MIDI messages as bytes: the live engine's wire format.

The sender thread handles bytes, not message objects, so sending a note costs no
parsing and almost no allocation. These helpers build and read the few kinds of
message the live engine speaks.
"""

from __future__ import annotations

NOTE_OFF = 0x80
NOTE_ON = 0x90
CONTROL_CHANGE = 0xB0
PROGRAM_CHANGE = 0xC0

SONG_POSITION = 0xF2
CLOCK = 0xF8
START = 0xFA
CONTINUE = 0xFB
STOP = 0xFC

SUSTAIN_PEDAL = 64
ALL_SOUND_OFF = 120
RESET_ALL_CONTROLLERS = 121
ALL_NOTES_OFF = 123

CLOCKS_PER_QUARTER = 24


def note_on(channel: int, pitch: int, velocity: int) -> bytes:
    return bytes((NOTE_ON | channel, pitch, velocity))


def note_off(channel: int, pitch: int) -> bytes:
    return bytes((NOTE_OFF | channel, pitch, 0))


def control_change(channel: int, number: int, value: int) -> bytes:
    return bytes((CONTROL_CHANGE | channel, number, value))


def program_change(channel: int, program: int) -> bytes:
    return bytes((PROGRAM_CHANGE | channel, program))


def is_note_on(data: bytes) -> bool:
    """A note-on with a velocity above 0 (velocity 0 means note-off by the MIDI spec)."""
    return len(data) == 3 and data[0] & 0xF0 == NOTE_ON and data[2] > 0


def is_note_off(data: bytes) -> bool:
    return len(data) == 3 and (data[0] & 0xF0 == NOTE_OFF or (data[0] & 0xF0 == NOTE_ON and data[2] == 0))


def validate(data: bytes) -> None:
    """Raise ValueError unless ``data`` is one well-formed MIDI message (sysex included)."""
    if not data:
        raise ValueError("empty MIDI message")
    status = data[0]
    if status < 0x80:
        raise ValueError(f"MIDI message must start with a status byte, got {status:#04x}")
    if status == 0xF0:
        if data[-1] != 0xF7 or any(b >= 0x80 for b in data[1:-1]):
            raise ValueError("malformed system exclusive message")
        return
    expected = _length(status)
    if len(data) != expected:
        raise ValueError(f"MIDI message {status:#04x} takes {expected} bytes, got {len(data)}")
    if any(b >= 0x80 for b in data[1:]):
        raise ValueError("MIDI data bytes must be below 128")


def _length(status: int) -> int:
    kind = status & 0xF0
    if kind in (0xC0, 0xD0):
        return 2
    if kind < 0xF0:
        return 3
    return {0xF1: 2, 0xF2: 3, 0xF3: 2}.get(status, 1)

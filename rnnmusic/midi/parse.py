"""The exact MIDI reader: event by event, with pretty_midi's rule for pairing notes.

Used by :mod:`rnnmusic.midi.read`, which reads most files with symusic and comes
here only for files where symusic's first-in-first-out pairing and pretty_midi's
rule may disagree (notes of one pitch stacked on one channel). It is a plain
Python loop over the bytes, about ten times faster than going through mido
objects, and it also defines the tick-level result both readers produce.
"""

from __future__ import annotations

import numpy as np

from rnnmusic.errors import MidiFileError
from rnnmusic.midi.names import tonic_from_sharps
from rnnmusic.midi.parsed import DRUM_CHANNEL, KEPT_CONTROLS, ParsedInstrument, ParsedMidi, track_name

_SYSTEM_LENGTHS = {0xF1: 1, 0xF2: 2, 0xF3: 1, 0xF6: 0, 0xF8: 0, 0xFA: 0, 0xFB: 0, 0xFC: 0, 0xFE: 0}


def read_exact(tracks: list[bytes], ticks_per_quarter: int, source: str, max_notes: int | None = None) -> ParsedMidi:
    """Read the bodies of a file's MTrk chunks; raises MidiFileError naming the track and the problem.

    A file with more than ``max_notes`` notes (when given) is refused as soon as a track takes it past that.
    """
    parsed = ParsedMidi(ticks_per_quarter)
    rows: list[tuple[int, int, int, int, int]] = []
    for number, body in enumerate(tracks, start=1):
        try:
            rows += _read_track(body, parsed)
        except IndexError:
            raise MidiFileError(source, f"is corrupt (track {number} ends inside an event)") from None
        except ValueError as exc:
            raise MidiFileError(source, f"is corrupt (track {number}: {exc})") from None
        if max_notes is not None and len(rows) > max_notes:
            reason = f"has too many notes ({len(rows):,} by track {number}; rnnmusic reads at most {max_notes:,})"
            raise MidiFileError(source, reason)
    parsed.notes = np.ascontiguousarray(np.array(rows, dtype=np.int64).reshape(-1, 5).T)
    return parsed


def _read_track(body: bytes, parsed: ParsedMidi) -> list[tuple[int, int, int, int, int]]:
    """Add the track's tempos, meters, keys and instruments to ``parsed``; return its note rows."""
    pos, end, tick, status = 0, len(body), 0, 0
    name = ""
    program = [0] * 16
    sounding: dict[tuple[int, int], list[tuple[int, int, int]]] = {}  # (channel, pitch) -> [(start, velocity, prog)]
    parts: dict[tuple[int, int], tuple[list, list]] = {}  # (channel, program) -> (notes, controls)
    stragglers: list[list] = [[] for _ in range(16)]  # controls before their instrument's first note
    while pos < end:
        byte = body[pos]
        if byte < 0x80:  # the usual one-byte delta, inlined: this loop is the slow path's hot spot
            tick += byte
            pos += 1
        else:
            pos, delta = _vlq(body, pos)
            tick += delta
        byte = body[pos]
        if byte >= 0x80:
            pos += 1
            if byte == 0xFF:
                kind = body[pos]
                pos, length = _vlq(body, pos + 1)
                start = pos
                pos += length
                if pos > end:
                    raise IndexError  # the meta event's length runs past the track
                found = _meta(kind, body, start, length, tick, parsed)
                name = name if found is None else found  # the last name event wins, an empty one too
                continue
            if byte in (0xF0, 0xF7):
                pos, length = _vlq(body, pos)
                pos += length
                if pos > end:
                    raise IndexError  # the message's length runs past the track
                status = 0  # a system exclusive message cancels running status
                continue
            if byte > 0xF0:  # system common/real-time: no place in a file, but harmless (symusic skips them)
                if byte not in _SYSTEM_LENGTHS:
                    raise ValueError(f"undefined status byte 0x{byte:02X}")
                pos += _SYSTEM_LENGTHS[byte]
                status = status if byte >= 0xF8 else 0  # only real-time messages keep running status
                continue
            status = byte
        elif status == 0:
            raise ValueError(f"data byte 0x{byte:02X} without a status byte")
        kind, channel = status >> 4, status & 0x0F
        first = body[pos]
        if kind in (0xC, 0xD):
            second, pos = 0, pos + 1
        else:
            second, pos = body[pos + 1], pos + 2
        if (first | second) > 0x7F and kind in (0x8, 0x9, 0xB, 0xC):
            # in the messages read (notes, controls, programs); in aftertouch and pitch bend, which are
            # skipped, it is skipped too (symusic does both the same)
            raise ValueError("a data byte above 127")

        if kind == 0x9 and second > 0:
            key = (channel, program[channel])
            if key not in parts:
                parts[key] = ([], stragglers[channel])
                stragglers[channel] = []
            sounding.setdefault((channel, first), []).append((tick, second, program[channel]))
        elif kind in (0x8, 0x9):
            opened = sounding.get((channel, first))
            if not opened:
                continue
            # pretty_midi: a note-off ends every note of its pitch begun before its tick; notes begun
            # at its tick stay open if something was ended, and are dropped otherwise
            ending = [n for n in opened if n[0] != tick]
            for start, velocity, prog in ending:
                parts[(channel, prog)][0].append((start, tick, first, velocity))
            staying = [n for n in opened if n[0] == tick]
            if ending and staying:
                sounding[(channel, first)] = staying
            else:
                del sounding[(channel, first)]
        elif kind == 0xC:
            program[channel] = first
        elif kind == 0xB and first in KEPT_CONTROLS:
            part = parts.get((channel, program[channel]))
            (part[1] if part else stragglers[channel]).append((tick, first, second))

    rows = []
    for (channel, prog), (notes, controls) in sorted(parts.items()):
        if notes:
            index = len(parsed.instruments)
            parsed.instruments.append(ParsedInstrument(name, prog, channel == DRUM_CHANNEL, controls))
            # ordered like symusic's: by start, end and pitch, ties in note-on order
            notes.sort(key=lambda n: n[:3])
            rows += [(start, end, pitch, velocity, index) for start, end, pitch, velocity in notes]
    return rows


def _vlq(body: bytes, pos: int) -> tuple[int, int]:
    """A variable-length quantity at pos: (position after it, value)."""
    value = 0
    for _ in range(4):
        byte = body[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return pos, value
    raise ValueError("a variable-length number longer than 4 bytes")


def _meta(kind: int, body: bytes, start: int, length: int, tick: int, parsed: ParsedMidi) -> str | None:
    """Record the tempo, meter, key or text meta event at ``body[start:]``; return the track name if this is one.

    A tempo's, meter's or key's fields are the first 3, 2 and 2 bytes from where its data starts, whatever
    length the event declares (a short one lends the bytes after it), as symusic reads them.
    """
    if kind == 0x51 and start + 3 <= len(body):
        microseconds = int.from_bytes(body[start : start + 3], "big")
        if microseconds > 0:
            parsed.tempos.append((tick, 60_000_000 / microseconds))
    elif kind == 0x58 and start + 2 <= len(body):
        denominator = (1 << (body[start + 1] & 31)) & 0xFF  # as symusic computes it: powers past 7 give 0, or wrap
        if denominator:
            parsed.meters.append((tick, body[start], denominator))
    elif kind == 0x59 and start + 2 <= len(body):
        sharps, minor = body[start] - 256 if body[start] > 127 else body[start], bool(body[start + 1])
        parsed.keys.append((tick, tonic_from_sharps(sharps, minor), minor))
    elif kind == 0x03:
        return track_name(body[start : start + length].decode("utf-8", errors="replace"))
    elif kind == 0x01:  # a text event: where rnnmusic's writer records how a take was made
        parsed.texts.append(body[start : start + length].decode("utf-8", errors="replace"))
    return None

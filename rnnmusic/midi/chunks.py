"""The chunk structure of a Standard MIDI File: the header checked, the track bodies split out.

Both readers (:mod:`rnnmusic.midi.fast` and :mod:`rnnmusic.midi.parse`) start from what
:func:`split_chunks` returns, so a truncated file or a bad header gets one clear error
whichever reader would have read it.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from rnnmusic.errors import MidiFileError

#: the largest file read: far beyond real music (a 20-minute piano piece is some 200 kB), it bounds
#: what reading costs
MAX_BYTES = 8 * 2**20


def check_size(size: int, source: str) -> None:
    if size > MAX_BYTES:
        raise MidiFileError(source, f"is too large ({size:,} bytes; rnnmusic reads MIDI files of up to {MAX_BYTES:,})")


@dataclass
class Chunks:
    header: bytes  # the whole MThd chunk
    tracks: list[bytes]  # the body of every MTrk chunk, in order
    ticks_per_quarter: int

    def assemble(self, tracks: Sequence[bytes] | None = None) -> bytes:
        """The file again, with ``tracks`` (bodies) in place of its own when given."""
        bodies = self.tracks if tracks is None else tracks
        return self.header + b"".join(b"MTrk" + struct.pack(">I", len(b)) + b for b in bodies)


def split_chunks(data: bytes, source: str) -> Chunks:
    """Check the chunk structure (header, lengths) and return the track bodies; unknown chunks are skipped."""
    if len(data) == 0:
        raise MidiFileError(source, "is empty (0 bytes)")
    if not data.startswith(b"MThd"):
        raise MidiFileError(source, "is not a Standard MIDI File (no MThd header)")
    if len(data) < 14:
        raise MidiFileError(source, f"is truncated (the header needs 14 bytes, the file has {len(data)})")
    length, fmt, declared, division = struct.unpack(">IHHH", data[4:14])
    if length < 6 or 8 + length > len(data):
        raise MidiFileError(source, f"has an invalid header (header length {length})")
    if fmt > 2:
        raise MidiFileError(source, f"has an invalid header (format {fmt}; MIDI files are format 0, 1 or 2)")
    if division & 0x8000:
        raise MidiFileError(source, "uses SMPTE time division, which rnnmusic cannot read (only ticks per quarter)")
    if division == 0:
        raise MidiFileError(source, "has an invalid header (0 ticks per quarter note)")
    tracks: list[bytes] = []
    pos = 8 + length
    while pos + 8 <= len(data) and len(tracks) < declared:
        name = data[pos : pos + 4]
        (size,) = struct.unpack(">I", data[pos + 4 : pos + 8])
        if name != b"MTrk" and not name.isalnum():
            raise MidiFileError(source, f"is corrupt (no track header at byte {pos})")
        if pos + 8 + size > len(data):
            raise MidiFileError(
                source, f"is truncated (track {len(tracks) + 1} needs {size} bytes, {len(data) - pos - 8} remain)"
            )
        if name == b"MTrk":
            tracks.append(data[pos + 8 : pos + 8 + size])
        pos += 8 + size
    if len(tracks) < declared:
        reason = f"is truncated (the header declares {declared} tracks, the file holds {len(tracks)})"
        raise MidiFileError(source, reason)
    header = data[:8] + struct.pack(">HHH", fmt, len(tracks), division) + data[14 : 8 + length]
    return Chunks(header, tracks, division)

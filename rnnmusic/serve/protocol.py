"""The bridge's shared-memory segment, protocol version 1, as the engine reads and writes it.

The layout is packaging/lv2/rnnmusic_bridge.h, offset for offset (docs/plugin-protocol.md). Each
field has one writer. The engine writes a note's 32 bytes before it moves ``note_write`` past it,
and reads the position block between two equal, even sequence numbers; on x86-64 (total store
order) plain stores are seen in program order by the plugin, which is what makes this enough.
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from rnnmusic.errors import RnnmusicError

PROTOCOL_VERSION = 1
MAGIC = 0x4D4E4E52  # "RNNM"
SHM_DIR = Path("/dev/shm")
PREFIX = "rnnmusic-"

_HEADER = struct.Struct("<6I")  # magic, version, size, note_capacity, input_capacity, header_size
_PLUGIN_BLOCKS, _PLUGIN_PID, _PLUGIN_OPEN = 24, 32, 36
_POS = 40
# seq, epoch, beat, bpm, bpb, speed, rate, rolling, model, temp, key, rep, mute, regen, pad
_POSITION = struct.Struct("<2I5d2If i f 2I I")
_HEARTBEAT, _ENGINE_PID, _ENGINE_EPOCH = 128, 136, 140
_NOTE_WRITE, _NOTE_READ, _INPUT_WRITE, _INPUT_READ = 144, 148, 152, 156
_NOTES_PLAYED, _NOTES_LATE = 160, 164
_NOTES = 256
_NOTE = struct.Struct("<2dI4BQ")  # on_beat, off_beat, epoch, channel, pitch, velocity, pad, reserved
_INPUT = struct.Struct("<d4BI")  # beat, status, data1, data2, pad, epoch
_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")
_U64 = struct.Struct("<Q")

assert _POSITION.size == 80 and _NOTE.size == 32 and _INPUT.size == 16


class ProtocolError(RnnmusicError):
    """A segment that is not (or not yet) an rnnmusic bridge of this version."""


@dataclass(frozen=True)
class Position:
    """The host as the plugin last saw it, with the plugin's controls."""

    epoch: int
    beat: float
    bpm: float
    beats_per_bar: float
    speed: float
    sample_rate: float
    rolling: bool
    model: int
    temperature: float
    key: int
    repetition: float
    mute: bool
    regenerate: int


@dataclass(frozen=True)
class InputEvent:
    beat: float
    message: bytes
    epoch: int


class Segment:
    """One plugin instance's segment, mapped. Open with :meth:`open`; :meth:`close` unmaps."""

    def __init__(self, path: Path, mem: mmap.mmap, note_capacity: int, input_capacity: int) -> None:
        self.path = path
        self._mem = mem
        self.note_capacity = note_capacity
        self.input_capacity = input_capacity
        self._inputs = _NOTES + note_capacity * _NOTE.size

    @classmethod
    def open(cls, path: str | os.PathLike) -> Segment:
        path = Path(path)
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError as exc:
            raise ProtocolError(f"{path}: cannot open the plugin's segment ({exc.strerror})") from None
        try:
            size = os.fstat(fd).st_size
            if size < _NOTES:
                raise ProtocolError(f"{path}: too small for an rnnmusic segment ({size} bytes)")
            mem = mmap.mmap(fd, size)
        finally:
            os.close(fd)
        magic, version, seg_size, notes, inputs, header = _HEADER.unpack_from(mem, 0)
        problem = None
        if magic != MAGIC:
            problem = "not an rnnmusic plugin segment (or not set up yet)"
        elif version != PROTOCOL_VERSION:
            problem = (f"protocol version {version}; this rnnmusic speaks {PROTOCOL_VERSION} "
                       "(install the plugin and rnnmusic from the same release)")
        elif seg_size != size or header != _NOTES or seg_size < _NOTES + notes * _NOTE.size + inputs * _INPUT.size:
            problem = f"inconsistent sizes (size {seg_size}, file {size}, header {header})"
        elif notes & (notes - 1) or inputs & (inputs - 1):
            problem = "ring capacities are not powers of two"
        if problem:
            mem.close()
            raise ProtocolError(f"{path}: {problem}")
        return cls(path, mem, notes, inputs)

    def close(self) -> None:
        self._mem.close()

    # -- plugin side, read ----------------------------------------------------------
    @property
    def plugin_open(self) -> bool:
        return _U32.unpack_from(self._mem, _PLUGIN_OPEN)[0] == 1 and self.path.exists()

    @property
    def plugin_pid(self) -> int:
        return _I32.unpack_from(self._mem, _PLUGIN_PID)[0]

    @property
    def plugin_blocks(self) -> int:
        return _U64.unpack_from(self._mem, _PLUGIN_BLOCKS)[0]

    def counters(self) -> dict[str, int]:
        """What the plugin did with the notes: played, and dropped because they came after their start."""
        played, late = struct.unpack_from("<2I", self._mem, _NOTES_PLAYED)
        return {"written": _U32.unpack_from(self._mem, _NOTE_WRITE)[0], "played": played, "late": late}

    def position(self, tries: int = 100) -> Position | None:
        """A consistent copy of the position block (None if the plugin was writing every time we looked)."""
        for _ in range(tries):
            fields = _POSITION.unpack_from(self._mem, _POS)
            seq = fields[0]
            if seq & 1 or _U32.unpack_from(self._mem, _POS)[0] != seq:
                continue
            (_, epoch, beat, bpm, bpb, speed, rate, rolling, model, temp, key, rep, mute, regen, _pad) = fields
            return Position(epoch, beat, bpm, bpb, speed, rate, bool(rolling), model, temp, key, rep, bool(mute), regen)
        return None

    def inputs(self) -> list[InputEvent]:
        """MIDI that came in on the plugin's track since the last call."""
        read = _U32.unpack_from(self._mem, _INPUT_READ)[0]
        write = _U32.unpack_from(self._mem, _INPUT_WRITE)[0]
        events = []
        while read != write:
            off = self._inputs + (read & (self.input_capacity - 1)) * _INPUT.size
            beat, status, d1, d2, _pad, epoch = _INPUT.unpack_from(self._mem, off)
            events.append(InputEvent(beat, bytes((status, d1, d2)), epoch))
            read = (read + 1) & 0xFFFFFFFF
        _U32.pack_into(self._mem, _INPUT_READ, read)
        return events

    # -- engine side, written -------------------------------------------------------
    @property
    def engine_pid(self) -> int:
        return _I32.unpack_from(self._mem, _ENGINE_PID)[0]

    def attach(self, pid: int) -> None:
        """Claim the segment: heartbeat first, so the plugin sees a live engine from its first look."""
        self.beat()
        _I32.pack_into(self._mem, _ENGINE_PID, pid)

    def detach(self) -> None:
        """A clean exit: the plugin ends its notes at once instead of waiting to notice."""
        _I32.pack_into(self._mem, _ENGINE_PID, 0)

    def beat(self) -> None:
        _U64.pack_into(self._mem, _HEARTBEAT, (_U64.unpack_from(self._mem, _HEARTBEAT)[0] + 1) & (2**64 - 1))

    def set_engine_epoch(self, epoch: int) -> None:
        _U32.pack_into(self._mem, _ENGINE_EPOCH, epoch & 0xFFFFFFFF)

    def note_space(self) -> int:
        write = _U32.unpack_from(self._mem, _NOTE_WRITE)[0]
        read = _U32.unpack_from(self._mem, _NOTE_READ)[0]
        return self.note_capacity - ((write - read) & 0xFFFFFFFF)

    def write_note(self, on_beat: float, off_beat: float, pitch: int, velocity: int, channel: int, epoch: int) -> bool:
        """Queue one note in host beats; False (nothing written) when the ring is full."""
        if self.note_space() <= 0:
            return False
        write = _U32.unpack_from(self._mem, _NOTE_WRITE)[0]
        off = _NOTES + (write & (self.note_capacity - 1)) * _NOTE.size
        _NOTE.pack_into(self._mem, off, on_beat, off_beat, epoch & 0xFFFFFFFF, channel & 15, pitch & 127,
                        velocity & 127, 0, 0)
        _U32.pack_into(self._mem, _NOTE_WRITE, (write + 1) & 0xFFFFFFFF)  # after the note: the plugin may take it now
        return True


def find_segments(uid: int | None = None) -> list[Path]:
    """Every plugin segment of this user (the plugin names them rnnmusic-<uid>-<pid>-<n>)."""
    uid = os.getuid() if uid is None else uid
    try:
        return sorted(SHM_DIR.glob(f"{PREFIX}{uid}-*"))
    except OSError:
        return []

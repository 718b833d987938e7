"""Note hygiene: know every note that is sounding, so that none is ever left hanging.

The :class:`NoteTracker` sits on the sender thread and sees each message just
before it goes out, so it knows what the synth actually received. It counts
note-ons per channel and pitch: when two notes of one pitch overlap, the second
restarts the sound (note-off, note-on) and only the last note-off ends it; a
note-off with nothing sounding is dropped. It uses fixed arrays, so tracking costs
the sender thread no allocation.

:meth:`NoteTracker.panic` is what every kind of stop sends: a note-off for each
sounding note, sustain released where it was held, and All Notes Off (CC 123) on
every channel that was used. :func:`clearing_messages` is what a run sends on its
channels before its first note, to end what an earlier run that was killed left sounding.
"""

from __future__ import annotations

from array import array

import numpy as np

from rnnmusic.live.messages import (
    ALL_NOTES_OFF,
    ALL_SOUND_OFF,
    CONTROL_CHANGE,
    NOTE_OFF,
    NOTE_ON,
    RESET_ALL_CONTROLLERS,
    SUSTAIN_PEDAL,
    control_change,
    note_off,
)

SEND = 0  # send the message as it is
RETRIGGER = 1  # a note-on for a pitch already sounding: send its note-off first
DROP = 2  # a note-off for a note that is not sounding (or still held by an overlapping note)


class NoteTracker:
    """Sounding notes per (channel, pitch), the channels used, and sustain pedals held."""

    def __init__(self) -> None:
        self._counts = bytearray(16 * 128)
        self._since = array("d", bytes(8 * 16 * 128))  # send time of each sounding note's latest note-on
        self._channels = 0  # bit per channel that has been sent anything
        self._pedals = 0  # bit per channel whose sustain pedal we left down
        self.sounding_count = 0

    def filter(self, data: bytes, now: float) -> int:
        """Record ``data`` as sent at ``now`` and say how to send it: SEND, RETRIGGER or DROP."""
        status = data[0]
        kind, channel = status & 0xF0, status & 0x0F
        if kind == NOTE_ON and data[2] > 0:
            index = channel << 7 | data[1]
            count = self._counts[index]
            self._counts[index] = min(count + 1, 255)
            self._since[index] = now
            self._channels |= 1 << channel
            if count:
                return RETRIGGER
            self.sounding_count += 1
            return SEND
        if kind == NOTE_OFF or kind == NOTE_ON:
            index = channel << 7 | data[1]
            count = self._counts[index]
            if count == 0:
                return DROP
            self._counts[index] = count - 1
            if count > 1:
                return DROP
            self.sounding_count -= 1
            return SEND
        if status < 0xF0:
            self._channels |= 1 << channel
            if kind == CONTROL_CHANGE and data[1] == SUSTAIN_PEDAL:
                if data[2] >= 64:
                    self._pedals |= 1 << channel
                else:
                    self._pedals &= ~(1 << channel)
        return SEND

    def sounding(self) -> list[tuple[int, int]]:
        """(channel, pitch) of every sounding note."""
        if not self.sounding_count:
            return []
        return [(i >> 7, i & 127) for i in np.flatnonzero(np.frombuffer(self._counts, dtype=np.uint8)).tolist()]

    @property
    def channels(self) -> list[int]:
        return [c for c in range(16) if self._channels >> c & 1]

    def release(self, notes: list[tuple[int, int]] | None = None) -> list[bytes]:
        """Forget ``notes`` (default: all sounding) and return the note-offs that end them."""
        notes = self.sounding() if notes is None else notes
        messages = []
        for channel, pitch in notes:
            index = channel << 7 | pitch
            if self._counts[index]:
                self._counts[index] = 0
                self.sounding_count -= 1
                messages.append(note_off(channel, pitch))
        return messages

    def overdue(self, now: float, max_seconds: float) -> list[tuple[int, int]]:
        """Notes sounding for longer than ``max_seconds``: the guard against a stuck note from any cause."""
        limit = now - max_seconds
        return [note for note in self.sounding() if self._since[note[0] << 7 | note[1]] < limit]

    def panic(self) -> list[bytes]:
        """End everything: note-offs, sustain up where we held it, All Notes Off on each channel used."""
        messages = self.release()
        for channel in self.channels:
            if self._pedals >> channel & 1:
                messages.append(control_change(channel, SUSTAIN_PEDAL, 0))
            messages.append(control_change(channel, ALL_NOTES_OFF, 0))
        self._pedals = 0
        return messages


def clearing_messages(channels) -> list[bytes]:
    """Per channel: sustain up, All Sound Off, Reset All Controllers, All Notes Off.

    A run that was killed (``kill -9``, a crash, power) sent no note-offs, so the synth may
    still hold its notes, a pedal and a bend. Nothing remembers them, so the next run clears
    the channels it uses before its first note: the pedal first (All Notes Off leaves notes
    held by a pedal sounding), All Sound Off for synths that ignore All Notes Off in omni
    mode, Reset All Controllers for a bend or modulation left on (it keeps volume and pan).
    """
    messages = []
    for channel in channels:
        messages += [control_change(channel, SUSTAIN_PEDAL, 0), control_change(channel, ALL_SOUND_OFF, 0),
                     control_change(channel, RESET_ALL_CONTROLLERS, 0), control_change(channel, ALL_NOTES_OFF, 0)]
    return messages


def sounding_after(messages) -> set[tuple[int, int]]:
    """Replay messages as a receiving synth hears them: the (channel, pitch) still sounding at the end.

    A note sounds from its note-on until a note-off for its key, or All Notes Off on its channel
    (a sustain pedal left down keeps it sounding, so that counts too). Used to check a stop's output.
    """
    sounding: set[tuple[int, int]] = set()
    pedal: set[int] = set()
    held_by_pedal: set[tuple[int, int]] = set()
    for data in messages:
        if len(data) != 3:
            continue
        kind, channel = data[0] & 0xF0, data[0] & 0x0F
        key = (channel, data[1])
        if kind == NOTE_ON and data[2] > 0:
            sounding.add(key)
            held_by_pedal.discard(key)
        elif kind in (NOTE_ON, NOTE_OFF):
            if key in sounding and channel in pedal:
                held_by_pedal.add(key)
            sounding.discard(key)
        elif kind == CONTROL_CHANGE and data[1] == SUSTAIN_PEDAL:
            if data[2] >= 64:
                pedal.add(channel)
            else:
                pedal.discard(channel)
                held_by_pedal = {k for k in held_by_pedal if k[0] != channel}
        elif kind == CONTROL_CHANGE and data[1] == ALL_NOTES_OFF:
            sounding = {k for k in sounding if k[0] != channel}
        elif kind == CONTROL_CHANGE and data[1] == ALL_SOUND_OFF:  # silences even what a pedal holds
            sounding = {k for k in sounding if k[0] != channel}
            held_by_pedal = {k for k in held_by_pedal if k[0] != channel}
    return sounding | held_by_pedal

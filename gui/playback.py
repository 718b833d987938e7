"""Play a take: to a MIDI output port through the live engine's sender, or as audio through FluidSynth.

MIDI playback reuses what already exists rather than re-deriving it: the take is
turned into MIDI exactly as it would be saved (:func:`~rnnmusic.midi.write.timed_messages`:
channels, programs, tempo map), and those messages go to the live engine's
:class:`~rnnmusic.live.scheduler.Scheduler`, which sends each on time on its own
thread and ends every sounding note on stop. Audio goes to a :mod:`rnnmusic.audio`
player. Either way a Qt timer reads the clock and moves the playhead, so the GUI
thread never waits on playback.

Loop playback plays one section (the bars selected on the ruler) over and over:
the section's notes, clipped to it, are repeated for :data:`LOOP_SECONDS` into one
schedule made up front, so both backends loop without any timing work on the GUI
thread, and the playhead wraps within the section.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from rnnmusic.errors import RnnmusicError
from rnnmusic.midi.write import sequence_to_midi_bytes, timed_messages
from rnnmusic.notes import NoteSequence, TempoChange

if TYPE_CHECKING:
    from rnnmusic.live.port_base import MidiOutput
    from rnnmusic.live.scheduler import Scheduler

PLAYHEAD_MS = 30  # about 33 playhead moves a second: smooth, and cheap for the GUI thread
START_LEAD = 0.05  # seconds between Play and the first note, so the first notes are not late
TAIL = 0.3  # seconds after the last note end before playback stops by itself

AUDIO_TARGET = "audio"
LOOP_SECONDS = 600.0  # how long a loop plays unless stopped


class AudioPlayer(Protocol):
    """What the player needs of an audio preview: start playing a file's MIDI bytes, and stop."""

    def start(self, midi: bytes) -> None: ...

    def stop(self) -> None: ...


def midi_schedule(seq: NoteSequence) -> list[tuple[float, bytes, int]]:
    """(seconds from the start, raw message, 0) for every channel message of ``seq`` as it would be saved."""
    return [(seconds, message, 0) for seconds, message in timed_messages(seq)]


def loop_section(seq: NoteSequence, start: float, end: float) -> NoteSequence:
    """The notes sounding in [start, end) seconds, clipped to it and moved so the section starts at 0."""
    if not end > start >= 0:
        raise RnnmusicError(f"a loop needs a section with 0 <= start < end, not {start:.3f}-{end:.3f} s")
    notes = seq.notes[(seq.notes["start"] < end) & (seq.notes["end"] > start)].copy()
    notes["start"] = notes["start"].clip(start, end) - start
    notes["end"] = notes["end"].clip(start, end) - start
    qpm = [t.qpm for t in seq.tempos if t.time <= start][-1]
    # one tempo: the schedule is in seconds already, the tempo only sets the file's tick size
    return seq.evolve(notes=notes, tempos=(TempoChange(0.0, qpm),), total_time=end - start)


def repeated(section: NoteSequence, seconds: float = LOOP_SECONDS) -> NoteSequence:
    """``section`` played back to back until ``seconds`` are filled (at least once)."""
    length = section.total_time
    times = max(1, math.ceil(seconds / length))
    parts = []
    for i in range(times):
        part = section.notes.copy()
        part["start"] += i * length
        part["end"] += i * length
        parts.append(part)
    return section.evolve(notes=np.concatenate(parts), total_time=times * length)


class Player(QObject):
    """Play/Stop with a moving playhead. ``position`` carries seconds from the start of the take."""

    position = Signal(float)
    playing_changed = Signal(bool)
    failed = Signal(str)

    def __init__(
        self,
        open_output: Callable[[str], MidiOutput] | None = None,
        audio_factory: Callable[[], AudioPlayer] | None = None,
        now: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.api: str | None = None  # the MIDI system (alsa, jack, ...); None: the platform's own
        self._open_output = open_output or (lambda name: _open_port(name, self.api))
        self._audio_factory = audio_factory
        self._now = now
        self._scheduler: Scheduler | None = None
        self._output: MidiOutput | None = None
        self._audio: AudioPlayer | None = None
        self._start_time = 0.0
        self._length = 0.0
        self._loop: tuple[float, float] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(PLAYHEAD_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    @property
    def audio_available(self) -> bool:
        return self._audio_factory is not None

    @property
    def loop(self) -> tuple[float, float] | None:
        """The (start, end) seconds being looped, or None when playing straight through."""
        return self._loop

    def play(self, seq: NoteSequence, target: str, loop: tuple[float, float] | None = None) -> bool:
        """Start playing ``seq`` to the MIDI output named ``target`` (or AUDIO_TARGET); False after a failure.

        With ``loop`` = (start, end) seconds, only that section plays, over and over until stopped.
        """
        self.stop()
        try:
            if loop is not None:
                seq = repeated(loop_section(seq, *loop))
            if target == AUDIO_TARGET:
                self._start_audio(seq)
            else:
                self._start_midi(seq, target)
        except (RnnmusicError, OSError) as exc:
            self._release()
            self.failed.emit(str(exc))
            return False
        self._length = seq.total_time + TAIL
        self._loop = loop
        self._timer.start()
        self.playing_changed.emit(True)
        self.position.emit(self._position(0.0))
        return True

    def stop(self) -> None:
        """Stop at once; every note that was sounding is ended."""
        was_playing = self.playing
        self._timer.stop()
        self._release()
        if was_playing:
            self.playing_changed.emit(False)

    def elapsed(self) -> float:
        return max(0.0, self._now() - self._start_time)

    # -- backends ----------------------------------------------------------------------
    def _start_midi(self, seq: NoteSequence, port: str) -> None:
        from rnnmusic.live.clock import Timeline
        from rnnmusic.live.scheduler import Scheduler

        if not port:
            raise RnnmusicError("choose a MIDI output port (or Audio) to play to")
        self._output = output = self._open_output(port)
        self._start_time = self._now() + START_LEAD
        # one beat per second: the schedule is in seconds, so the timeline just anchors it to the clock
        timeline = Timeline(self._start_time, 0.0, 1.0)
        self._scheduler = scheduler = Scheduler(output, timeline, now=self._now, realtime=False,
                                                on_error=self._on_port_error)
        scheduler.push_many(midi_schedule(seq))
        scheduler.start()

    def _start_audio(self, seq: NoteSequence) -> None:
        if self._audio_factory is None:
            raise RnnmusicError("audio preview needs FluidSynth and a General MIDI SoundFont (see the README)")
        self._audio = self._audio_factory()
        failed = getattr(self._audio, "failed", None)  # a player that can stop early says why
        if failed is not None:
            failed.connect(self._fail)
        self._audio.start(sequence_to_midi_bytes(seq))
        self._start_time = self._now()

    def _release(self) -> None:
        scheduler, output, audio = self._scheduler, self._output, self._audio
        self._scheduler = self._output = self._audio = None
        if scheduler is not None:
            scheduler.stop(panic=True)
        if output is not None:
            output.close()
        if audio is not None:
            audio.stop()

    def _on_port_error(self, exc: BaseException) -> None:
        # called on the sender thread: hop to the GUI thread before touching widgets or timers
        QTimer.singleShot(0, self, lambda: self._fail(str(exc)))

    def _fail(self, message: str) -> None:
        self.stop()
        self.failed.emit(message)

    def _tick(self) -> None:
        elapsed = self.elapsed()
        if elapsed >= self._length:
            self.stop()
            return
        self.position.emit(self._position(elapsed))

    def _position(self, elapsed: float) -> float:
        """Seconds into the take for ``elapsed`` seconds of playing (wrapping within a loop)."""
        if self._loop is None:
            return elapsed
        start, end = self._loop
        return start + elapsed % (end - start)


def _open_port(name: str, api: str | None) -> MidiOutput:
    from rnnmusic.live.ports import open_output

    return open_output(name, api=api)

"""`rnnmusic serve`: keeps every rnnmusic plugin instance supplied with notes a few beats ahead.

One pass every ``poll`` seconds: find new segments, and for each read the host position, follow a
new epoch (the plugin starts one on stop, relocation, regenerate or engine loss) by starting the
stream again on a bar line, apply changed controls, and generate until the notes reach
``lookahead_beats`` past the host. A separate thread beats the heartbeat, so a long generation
step is never taken for a dead engine; a note that comes too late is dropped by the plugin.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rnnmusic.live.capture import call_sequence
from rnnmusic.live.source import NoteSource
from rnnmusic.midi.names import key_name
from rnnmusic.notes import Note
from rnnmusic.serve.protocol import Position, ProtocolError, Segment, find_segments

#: the plugin's key control: 0 no constraint, then C major, C minor, C# major, ... (as the CC control)
KEYS: tuple[str | None, ...] = (None,) + tuple(key_name(t, m) for t in range(12) for m in (False, True))

#: (model index, sampling options, stream number) -> a fresh note source for one plugin instance
SourceFactory = Callable[[int, dict, int], NoteSource]


@dataclass
class ServeConfig:
    lookahead_beats: float = 4.0   # how far ahead of the host notes are written
    chunk_beats: float = 1.0       # generated per step, so every segment gets its turn often
    lead_beats: float = 0.5        # a stream started while rolling begins on a bar line at least this far ahead
    channel: int = 0
    poll: float = 0.002
    scan_every: float = 0.2        # seconds between looks for new plugin instances
    host_pids: tuple[int, ...] = ()  # serve only instances in these host processes (empty: every host)


@dataclass
class _Stream:
    segment: Segment
    number: int = 0                # counts the instances this server has served: each its own random stream
    source: NoteSource | None = None
    model: int = -1
    controls: tuple = ()
    epoch: int | None = None
    regenerate: int = 0
    origin: float = 0.0            # host beat of the source's position 0
    written_until: float = 0.0     # host beat up to which notes have been generated
    queued: list[tuple[float, float, int, int]] = field(default_factory=list)  # generated, not yet in the ring
    held: dict[int, tuple[float, int]] = field(default_factory=dict)  # input notes sounding: pitch -> (beat, vel)
    played: list[Note] = field(default_factory=list)  # the player's notes, for the next regenerate


class Server:
    """Serves plugin segments with streams made by ``make_source(model_index, options)``."""

    def __init__(self, make_source: SourceFactory, config: ServeConfig | None = None,
                 log: Callable[[str], None] | None = None) -> None:
        self.make_source = make_source
        self.config = config or ServeConfig()
        self.log = log or (lambda line: None)
        self.streams: dict[str, _Stream] = {}
        self._served = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._heart = threading.Thread(target=self._beat, name="rnnmusic serve heartbeat", daemon=True)

    # -- lifecycle -------------------------------------------------------------------
    def run(self, duration: float | None = None) -> None:
        """Serve until :meth:`stop` (or ``duration`` seconds); detaches from every segment at the end."""
        self._heart.start()
        end = None if duration is None else time.monotonic() + duration
        next_scan = 0.0
        try:
            while not self._stop.is_set() and (end is None or time.monotonic() < end):
                now = time.monotonic()
                if now >= next_scan:
                    self.scan()
                    next_scan = now + self.config.scan_every
                for stream in list(self.streams.values()):
                    self.serve(stream)
                self._stop.wait(self.config.poll)
        finally:
            self._stop.set()
            self._heart.join()
            with self._lock:
                for stream in self.streams.values():
                    stream.segment.detach()
                    stream.segment.close()
                self.streams.clear()

    def stop(self) -> None:
        self._stop.set()

    def _beat(self) -> None:
        while not self._stop.wait(0.005):
            with self._lock:
                for stream in self.streams.values():
                    stream.segment.beat()

    def scan(self) -> None:
        """Attach to new plugin instances; let go of removed ones."""
        with self._lock:
            for key, stream in list(self.streams.items()):
                if not stream.segment.plugin_open or not _alive(stream.segment.plugin_pid):
                    stream.segment.close()
                    del self.streams[key]
                    self.log(f"plugin instance gone: {key}")
            for path in find_segments():
                if str(path) in self.streams:
                    continue
                try:
                    segment = Segment.open(path)
                except ProtocolError as exc:
                    self.log(str(exc))
                    continue
                owner = segment.engine_pid
                if self.config.host_pids and segment.plugin_pid not in self.config.host_pids:
                    segment.close()  # another host's: not ours to serve
                    continue
                if not _alive(segment.plugin_pid):  # its host was killed before it could remove it
                    segment.close()
                    path.unlink(missing_ok=True)
                    continue
                if not segment.plugin_open or (owner and owner != os.getpid() and _alive(owner)):
                    segment.close()  # being removed, or served by another engine
                    continue
                segment.attach(os.getpid())
                self.streams[str(path)] = _Stream(segment, number=self._served)
                self._served += 1
                self.log(f"serving plugin instance {path.name}")

    # -- one pass over one instance --------------------------------------------------
    def serve(self, stream: _Stream) -> None:
        pos = stream.segment.position()
        if pos is None or pos.bpm <= 0:
            return
        self._take_input(stream, pos)
        controls = (pos.temperature, pos.key, pos.repetition)
        if stream.source is None or pos.model != stream.model:
            stream.source = self.make_source(pos.model, _options(pos), stream.number)
            stream.model, stream.controls, stream.epoch = pos.model, controls, None
        elif controls != stream.controls:
            stream.source.set_options(**_options(pos))
            stream.controls = controls
        if pos.epoch != stream.epoch:
            self._restart(stream, pos)
        horizon = pos.beat + self.config.lookahead_beats
        while stream.written_until < horizon:
            start = stream.written_until
            for note in stream.source.next_notes(self.config.chunk_beats):
                stream.queued.append((stream.origin + note.start, stream.origin + note.end, note.pitch, note.velocity))
            stream.written_until = start + self.config.chunk_beats
            if len(stream.queued) >= stream.segment.note_capacity:
                break
            now = stream.segment.position()
            if now is not None and now.epoch != pos.epoch:  # the host stopped or jumped: follow it first
                break
        # (stream.epoch is pos.epoch here: a new epoch restarted the stream above)
        while stream.queued and stream.segment.write_note(*stream.queued[0][:2], stream.queued[0][2],
                                                          stream.queued[0][3], self.config.channel, pos.epoch):
            stream.queued.pop(0)

    def _restart(self, stream: _Stream, pos: Position) -> None:
        """A new epoch: start the stream over on the next bar line (this one, if stopped exactly on it)."""
        bar = pos.beats_per_bar
        lead = self.config.lead_beats if pos.rolling else 0.0
        start = math.ceil((pos.beat + lead) / bar - 1e-9) * bar
        regenerated = pos.regenerate != stream.regenerate
        stream.regenerate = pos.regenerate
        source = stream.source
        assert source is not None, "serve() makes the source before it restarts one"
        source.reset()
        if regenerated and stream.played:
            source.prime(call_sequence(stream.played, pos.bpm, max(1, round(bar))))
            stream.played = []
        stream.origin = start - source.position
        stream.written_until = start
        stream.queued.clear()
        stream.epoch = pos.epoch
        stream.segment.set_engine_epoch(pos.epoch)

    def _take_input(self, stream: _Stream, pos: Position) -> None:
        """The track's MIDI input: notes the player played, kept for the next regenerate to continue."""
        for event in stream.segment.inputs():
            status, pitch, velocity = event.message
            kind = status & 0xF0
            if kind == 0x90 and velocity > 0:
                stream.held[pitch] = (event.beat, velocity)
            elif kind in (0x80, 0x90) and pitch in stream.held:
                start, vel = stream.held.pop(pitch)
                stream.played.append(Note(pitch, vel, start, max(event.beat, start + 1e-3)))
        stream.played = stream.played[-256:]


def _options(pos: Position) -> dict:
    key = KEYS[pos.key] if 0 <= pos.key < len(KEYS) else None
    return {"temperature": min(2.0, max(0.1, float(pos.temperature))), "key": key,
            "repetition": min(1.0, max(0.0, float(pos.repetition)))}


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

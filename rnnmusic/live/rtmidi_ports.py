"""Ports through python-rtmidi (ALSA, JACK, CoreMIDI, Windows MultiMedia).

Input is polled, not called back. A python-rtmidi callback runs on the MIDI
system's own thread and must take the GIL first: on JACK that thread is the
client's process thread, so whenever Python is busy elsewhere for longer than a
period (1.3 ms at 64 frames) the client misses its cycle and JACK drops the MIDI of
that period (a lost clock tick puts the follower a tick behind), and closing a port
while a callback waits for the GIL deadlocks. Without a callback, rtmidi queues
messages in C++ with the time between them, measured by the MIDI system when each
arrived; a Python thread drains the queue every millisecond and rebuilds each
arrival time on the monotonic clock with :class:`ArrivalClock`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from rnnmusic.errors import PortError
from rnnmusic.live.midi_api import DEFAULT_VIRTUAL_NAME, default_api, import_rtmidi, match_port, rtmidi_client
from rnnmusic.live.port_base import MidiInput, MidiOutput

# How long a sent message may still be on its way, so closing a port waits that long after the last
# send. JACK hands MIDI over in a later period: measured send -> receiver arrival on a dummy JACK
# server with two cores kept busy, median 6 / max 17 ms at 64 frames, median 14 / max 22 ms at
# 1,024 frames (48 kHz); 50 ms is twice the worst seen and two periods at 1,024 frames. ALSA hands
# each message to the kernel before send returns, so it needs no wait.
DRAIN_SECONDS = 0.05
POLL_SECONDS = 0.001  # how often the input queue is drained: the delay before a message is acted on
QUEUE_LIMIT = 4096  # messages rtmidi may hold between polls (a busy second of clock, notes and CCs)


class ArrivalClock:
    """Arrival times on the monotonic clock from rtmidi's delta times.

    rtmidi stamps each message with the time since the previous one, taken by the MIDI
    system as it arrived. Summed, these give each arrival relative to the first; the
    offset to the monotonic clock is the smallest (poll time - summed time) seen, since
    a message is always polled after it arrived. The offset creeps up by ``drift`` per
    second so that a MIDI clock running slightly slower than ours is followed.
    """

    def __init__(self, drift: float = 1e-4) -> None:
        self.drift = drift
        self._elapsed = 0.0
        self._offset = math.inf
        self._last_poll = 0.0

    def arrival(self, delta: float, polled: float) -> float:
        """The arrival time of a message ``delta`` seconds after the previous one, polled at ``polled``."""
        self._elapsed += delta
        if self._offset != math.inf:
            self._offset += self.drift * max(0.0, polled - self._last_poll)
        self._last_poll = polled
        self._offset = min(self._offset, polled - self._elapsed)
        return self._offset + self._elapsed


class _RtMidiPort:
    """What the rtmidi input and output share: opening by name or virtually, and noticing a lost port."""

    def _open_rt(self, rt, query: str | None, virtual_name: str, direction: str) -> tuple[str, bool]:
        self._rt = rt
        self._error: str | None = None
        if query is None:
            try:
                rt.open_virtual_port(virtual_name)
            except (NotImplementedError, import_rtmidi().RtMidiError) as exc:
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
            except import_rtmidi().RtMidiError as exc:
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
    """An output through python-rtmidi."""

    def __init__(self, query: str | None, api: str | None = None, virtual_name: str = DEFAULT_VIRTUAL_NAME) -> None:
        name, virtual = self._open_rt(rtmidi_client("out", api, virtual_name), query, virtual_name, "output")
        drain = 0.0 if (api or default_api()) == "alsa" else DRAIN_SECONDS
        MidiOutput.__init__(self, name, virtual, drain_seconds=drain)

    def _send(self, data: bytes) -> None:
        try:
            self._rt.send_message(data)
        except import_rtmidi().RtMidiError as exc:
            self._error = str(exc)
            raise PortError(f"MIDI output {self.name!r} failed: {exc}") from None

    def _alive(self) -> bool:
        return self._rt_alive(self.virtual, self.name)

    def _close(self) -> None:
        self._rt_close()


class RtMidiInput(_RtMidiPort, MidiInput):
    """An input through python-rtmidi, polled by its own thread; clock and transport pass, sysex does not."""

    def __init__(
        self,
        query: str | None,
        api: str | None = None,
        virtual_name: str = DEFAULT_VIRTUAL_NAME + " in",
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        rt = rtmidi_client("in", api, virtual_name, queue_size_limit=QUEUE_LIMIT)
        name, virtual = self._open_rt(rt, query, virtual_name, "input")
        MidiInput.__init__(self, name, virtual)
        self._now = now
        self._times = ArrivalClock()
        self._rt.ignore_types(sysex=True, timing=False, active_sense=True)
        self._stop = threading.Event()
        self._poller = threading.Thread(target=self._poll, name=f"rnnmusic-midi-in {name}", daemon=True)
        self._poller.start()

    def _poll(self) -> None:
        get, now, times = self._rt.get_message, self._now, self._times
        while not self._stop.wait(POLL_SECONDS):
            while (event := get()) is not None:
                message, delta = event
                self._deliver(bytes(message), times.arrival(delta, now()))

    def _alive(self) -> bool:
        return self._rt_alive(self.virtual, self.name) and self._poller.is_alive()

    def _close(self) -> None:
        self._stop.set()
        if self._poller is not threading.current_thread():
            self._poller.join()
        self._rt_close()

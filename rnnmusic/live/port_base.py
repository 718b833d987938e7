"""The port interface the live engine talks to: public methods validate and lock, backends fill in the rest.

A backend implements ``_send`` (outputs), calls ``_deliver`` for each message it
receives (inputs), and may implement ``_alive`` and ``_close``. The python-rtmidi
backend is :mod:`rnnmusic.live.rtmidi_ports`; the list-backed fakes for tests are in
``tests/live_fakes.py``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from rnnmusic.errors import PortError
from rnnmusic.live.messages import validate

InputCallback = Callable[[bytes, float], None]
"""Called with each received message and the monotonic time it arrived, on the backend's thread."""


class _Port:
    """What every port shares: a name, a lock, closing once, and the backend hooks ``_alive``/``_close``."""

    def __init__(self, name: str, virtual: bool) -> None:
        self.name = name
        self.virtual = virtual
        self._lock = threading.Lock()
        self._closed = False

    def is_alive(self) -> bool:
        """False once the port is closed or the device/port behind it has gone away."""
        with self._lock:
            return not self._closed and self._alive()

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._forget()
                self._close()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _forget(self) -> None:
        """Drop what must not be used after closing (called under the lock)."""

    def _alive(self) -> bool:
        return True

    def _close(self) -> None:
        pass


class MidiOutput(_Port):
    """An open output port. ``send`` validates and locks; backends implement ``_send``.

    ``drain_seconds`` is how long a message may still be on its way after ``send`` returns
    (JACK hands it over in a later period); ``close`` waits until that long after the last
    send, so the note-offs and All Notes Off of a stop are not lost with the port.
    """

    def __init__(self, name: str, virtual: bool, drain_seconds: float = 0.0,
                 now: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(name, virtual)
        self.drain_seconds = drain_seconds
        self._clock, self._sleep = now, sleep
        self._last_send = -math.inf

    def send(self, data: bytes) -> None:
        """Send one raw MIDI message now; PortError if the port is closed or the backend fails."""
        validate(data)
        with self._lock:
            if self._closed:
                raise PortError(f"MIDI output {self.name!r} is closed")
            self._send(data)
            self._last_send = self._clock()

    def close(self) -> None:
        """Close once the last message sent can have been delivered (at most ``drain_seconds`` of waiting)."""
        wait = self._last_send + self.drain_seconds - self._clock()
        if wait > 0 and not self._closed:
            self._sleep(min(wait, self.drain_seconds))
        super().close()

    def _send(self, data: bytes) -> None:
        raise NotImplementedError


class MidiInput(_Port):
    """An open input port that hands each message and its arrival time to one callback."""

    def __init__(self, name: str, virtual: bool) -> None:
        super().__init__(name, virtual)
        self._callback: InputCallback | None = None

    def set_callback(self, callback: InputCallback | None) -> None:
        with self._lock:
            self._callback = callback

    def _forget(self) -> None:
        self._callback = None

    def _deliver(self, data: bytes, arrived: float) -> None:
        callback = self._callback  # read once: set_callback may swap it from another thread
        if callback is not None:
            callback(data, arrived)

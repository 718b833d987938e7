"""A private JACK server with the dummy driver, for the live-engine tests and the timing benchmark.

Each server gets a unique name (JACK_DEFAULT_SERVER), so two test runs, or a test
run and a developer's own JACK, never meet. JACK_NO_START_SERVER keeps every
client from quietly starting a default server when ours is not there.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Iterator


def _die_with_parent() -> None:
    """In the child before exec (Linux): SIGTERM when the process that started it dies, so a killed
    test run leaves no server behind (JACK allows only a few servers at once)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def jackd_available() -> bool:
    return shutil.which("jackd") is not None and shutil.which("jack_lsp") is not None


class JackServer:
    """``with JackServer() as jack:`` starts jackd, waits until clients can connect, and stops it after."""

    def __init__(self, rate: int = 48000, period: int = 64, name: str | None = None, realtime: bool = True,
                 sync: bool = False) -> None:
        """``realtime`` asks for real-time threads as a musician's JACK runs; where the system refuses,
        jackd carries on without them (see :attr:`realtime_granted`). ``sync`` runs jackd in
        synchronous mode (-S): every client finishes a cycle before it is delivered, so MIDI from
        one client reaches the next in the same period (asynchronous jackd2 sometimes hands it
        over a period later, which would hide a plugin's sample accuracy)."""
        self.rate, self.period = rate, period
        self.realtime = realtime
        self.sync = sync
        self.name = name or f"rnnmusic-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.process: subprocess.Popen | None = None
        self._log = None
        self._saved_env: dict[str, str | None] = {}

    @property
    def env(self) -> dict[str, str]:
        """What a client process needs in its environment to reach this server (and no other)."""
        return {"JACK_DEFAULT_SERVER": self.name, "JACK_NO_START_SERVER": "1", "JACK_NO_AUDIO_RESERVATION": "1"}

    @property
    def period_seconds(self) -> float:
        return self.period / self.rate

    def start(self, timeout: float = 15.0) -> JackServer:
        env = {**os.environ, **self.env}
        # jackd's chatter goes to a file: an unread pipe fills up and then blocks the whole server
        self._log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            ["jackd", *(["-S"] if self.sync else []), "--realtime" if self.realtime else "--no-realtime",
             "-d", "dummy", "-r", str(self.rate),
             "-p", str(self.period)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C at the terminal is for pytest, not for the server
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jackd exited at start: {self.log()[-2000:]}")
            ready = subprocess.run(["jack_lsp"], env=env, capture_output=True, timeout=timeout)
            if ready.returncode == 0 and b"system:" in ready.stdout:
                self._export()
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"jackd ({self.name}) did not come up within {timeout:g} s")

    def _export(self) -> None:
        # rtmidi opens JACK clients in this process: they read these variables at each open.
        for key, value in self.env.items():
            self._saved_env[key] = os.environ.get(key)
            os.environ[key] = value

    def stop(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        self.process = None

    @property
    def realtime_granted(self) -> bool:
        """Whether jackd (and so its clients' process threads) really runs with real-time priority."""
        return self.realtime and "Cannot use real-time scheduling" not in self.log()

    def log(self) -> str:
        """What jackd has printed so far."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def xruns(self, since: int = 0) -> list[str]:
        """The clients jackd logged as not finished in time (one name per xrun) after ``since`` characters
        of its log (``len(jack.log())`` taken earlier)."""
        return xruns_in(self.log()[since:])

    def ports(self) -> list[str]:
        out = subprocess.run(["jack_lsp"], env={**os.environ, **self.env}, capture_output=True, text=True, timeout=10)
        return [line.strip() for line in out.stdout.splitlines() if line.strip()]

    def connect(self, source: str, destination: str) -> None:
        subprocess.run(["jack_connect", source, destination], env={**os.environ, **self.env}, check=True,
                       capture_output=True, timeout=10)

    def __enter__(self) -> JackServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@contextlib.contextmanager
def busy_cpu(processes: int = 2) -> Iterator[list[subprocess.Popen]]:
    """Children that burn a core each while the block runs (a loaded machine: a training run, a DAW's
    plug-ins), ended and waited for afterwards."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"], preexec_fn=_die_with_parent)
               for _ in range(processes)]
    try:
        yield burners
    finally:
        for proc in burners:
            proc.kill()
            proc.wait()


def mido_jack():
    """mido's python-rtmidi backend on JACK: the tests' own client, independent of rnnmusic's port code."""
    import mido

    return mido.Backend("mido.backends.rtmidi/UNIX_JACK")


def note_ons(messages: list[tuple[float, bytes]]) -> list[tuple[float, bytes]]:
    """The note-ons (velocity above 0) among timed messages."""
    return [(t, d) for t, d in messages if d[0] & 0xF0 == 0x90 and d[2] > 0]


class Receiver:
    """A JACK MIDI input (python-rtmidi directly, not rnnmusic's port code) that records what arrives.

    It is polled rather than called back, so no Python runs on its JACK thread: a callback
    waiting for the GIL would make the client miss JACK cycles, and JACK drops the MIDI
    of a missed cycle. Arrival times come from rtmidi's own delta times (ArrivalClock).
    """

    def __init__(self, connect_to: str | None = None, name: str = "recv") -> None:
        import rtmidi

        from rnnmusic.live.rtmidi_ports import ArrivalClock

        self._rt = rtmidi.MidiIn(rtapi=rtmidi.API_UNIX_JACK, name=f"test {name}", queue_size_limit=8192)
        self._rt.ignore_types(sysex=False, timing=False, active_sense=True)
        if connect_to:  # connect to an existing output port by its full name
            self._rt.open_port(self._rt.get_ports().index(connect_to))
        else:  # a port of our own that others connect to
            self._rt.open_virtual_port(name)
        self.name = name
        self.messages: list[tuple[float, bytes]] = []
        self._times = ArrivalClock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(0.001):
            while (event := self._rt.get_message()) is not None:
                message, delta = event
                self.messages.append((self._times.arrival(delta, time.monotonic()), bytes(message)))

    def data(self) -> list[bytes]:
        return [d for _, d in list(self.messages)]

    def note_ons(self) -> list[tuple[float, bytes]]:
        return note_ons(list(self.messages))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._rt.close_port()
        self._rt.delete()


def xruns_in(log: str) -> list[str]:
    """The client named by each xrun line of a jackd log."""
    return [line.split("client = ", 1)[1].split(" was not finished", 1)[0]
            for line in log.splitlines() if "XRun: client = " in line]


def record_sends(port) -> list[tuple[float, bytes]]:
    """A list that every message sent through ``port`` (an rnnmusic output) is appended to, with the
    monotonic time its send returned: what the engine sent, whatever JACK then delivers."""
    sent: list[tuple[float, bytes]] = []
    send = port.send

    def recording(data: bytes) -> None:
        send(data)
        sent.append((time.monotonic(), bytes(data)))

    port.send = recording
    return sent


def is_subsequence(part: list[bytes], whole: list[bytes]) -> bool:
    """Whether ``part`` is ``whole`` with some messages left out, the rest in the same order."""
    rest = iter(whole)
    return all(any(message == other for other in rest) for message in part)


def delivered(receiver: Receiver, sent: list[tuple[float, bytes]], jack: JackServer,
              log_from: int) -> list[tuple[float, bytes]]:
    """The messages to check a test's music against: what ``receiver`` heard, when it heard everything
    that was sent through the port it listens to, in order.

    On this machine's dummy JACK server a client now and then misses its 1.3 ms cycle (an xrun: a
    second or two of them a minute on a shared 2-core VM), and JACK drops the MIDI of that cycle. Such a
    loss is JACK's, so the test goes on with what the engine sent (and when): exact, as the music must
    be. Only such a loss is forgiven: what the receiver heard must still be what was sent, in order,
    with messages left out, and jackd must have logged an xrun since ``log_from``; anything else
    (a message changed, added, reordered, or lost with no xrun) fails here.
    """
    heard = list(receiver.messages)
    lost = lost_on_the_way(heard, sent)
    if not lost:
        return heard
    forgive_loss(lost, len(sent), jack, log_from)
    return list(sent)


def forgive_loss(lost: int, sent: int | None, jack: JackServer, log_from: int) -> None:
    """Accept that JACK lost ``lost`` (of ``sent``, where known) messages only if jackd logged an xrun
    since ``log_from``; say so in a warning."""
    xruns = jack.xruns(log_from)
    of = f" of {sent}" if sent is not None else ""
    assert xruns, f"{lost}{of} messages sent never arrived, and JACK logged no xrun"
    warnings.warn(f"JACK lost {lost}{of} messages ({len(xruns)} xrun(s): {sorted(set(xruns))}); "
                  f"checked what the engine sent instead", stacklevel=3)


def lost_on_the_way(heard: list[tuple[float, bytes]], sent: list[tuple[float, bytes]]) -> int:
    """How many of the messages sent a receiver never heard; a message it heard that was not sent, or
    heard out of order, fails here."""
    heard_data, sent_data = [d for _, d in heard], [d for _, d in sent]
    assert is_subsequence(heard_data, sent_data), (
        f"the receiver heard messages the engine did not send, or in another order: heard {heard_data[:40]}, "
        f"sent {sent_data[:40]}")
    return len(sent_data) - len(heard_data)


class ClockSender:
    """Plays a DAW's MIDI clock from a thread: 24 ticks per quarter at ``bpm`` and records when each
    tick went out. :meth:`start_transport` sends Start just before the next tick (which is beat 0);
    ``changes`` maps a beat to the tempo from that beat on. :meth:`send` sends anything else at once;
    :meth:`before_next_tick` sends messages just before the next tick, as a DAW sends Continue, and
    :meth:`pause` silences the clock until then (a DAW that stops its clock with the transport)."""

    def __init__(self, port_name: str, bpm: float = 120.0, changes: dict[int, float] | None = None) -> None:
        self.port = mido_jack().open_output(port_name)
        self.bpm = bpm
        self.changes = dict(changes or {})
        self.tick_times: list[float] = []
        self.start_index: int | None = None  # index in tick_times of beat 0
        self.marks: list[int] = []  # for each before_next_tick call: the index in tick_times of that next tick
        self._pending: list[tuple[bytes, ...]] = []
        self._lock = threading.Lock()
        self._start_requested = threading.Event()
        self._paused = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def send(self, data: bytes) -> float:
        import mido

        self.port.send(mido.Message.from_bytes(list(data)))
        return time.monotonic()

    def start(self) -> None:
        self._thread.start()

    def start_transport(self) -> None:
        self._start_requested.set()

    def before_next_tick(self, *messages: bytes) -> None:
        with self._lock:
            self._pending.append(messages)
        self._paused.clear()

    def pause(self) -> None:
        self._paused.set()

    def beat_time(self, beat: int) -> float:
        """When the tick of ``beat`` (counted from Start) was sent."""
        return self.tick_times[self.start_index + 24 * beat]

    def _run(self) -> None:
        try:  # a DAW sends its clock from a real-time thread: do the same where allowed, below JACK's (5 and 10)
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
        except (AttributeError, OSError):
            pass
        next_tick = time.monotonic()
        while not self._stop.is_set():
            if self._paused.is_set():
                time.sleep(0.001)
                next_tick = time.monotonic() + 0.005
                continue
            delay = next_tick - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            with self._lock:
                pending, self._pending = self._pending, []
            for messages in pending:
                for data in messages:
                    self.send(data)
                self.marks.append(len(self.tick_times))
            if self._start_requested.is_set():
                self._start_requested.clear()
                self.send(b"\xfa")
                self.start_index = len(self.tick_times)
            self.tick_times.append(self.send(b"\xf8"))
            if self.start_index is not None:
                tick = len(self.tick_times) - 1 - self.start_index
                if tick % 24 == 0 and tick // 24 in self.changes:
                    self.bpm = self.changes[tick // 24]
            next_tick += 60.0 / self.bpm / 24

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.port.close()

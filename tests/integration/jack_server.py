"""A private JACK server with the dummy driver, for the live-engine tests and the timing benchmark.

Each server gets a unique name (JACK_DEFAULT_SERVER), so two test runs, or a test
run and a developer's own JACK, never meet. JACK_NO_START_SERVER keeps every
client from quietly starting a default server when ours is not there.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid


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

    def __init__(self, rate: int = 48000, period: int = 64, name: str | None = None) -> None:
        self.rate, self.period = rate, period
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

    def start(self, timeout: float = 15.0) -> "JackServer":
        env = {**os.environ, **self.env}
        # jackd's chatter goes to a file: an unread pipe fills up and then blocks the whole server
        self._log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            ["jackd", "--no-realtime", "-d", "dummy", "-r", str(self.rate), "-p", str(self.period)],
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

    def log(self) -> str:
        """What jackd has printed so far."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def ports(self) -> list[str]:
        out = subprocess.run(["jack_lsp"], env={**os.environ, **self.env}, capture_output=True, text=True, timeout=10)
        return [line.strip() for line in out.stdout.splitlines() if line.strip()]

    def connect(self, source: str, destination: str) -> None:
        subprocess.run(["jack_connect", source, destination], env={**os.environ, **self.env}, check=True,
                       capture_output=True, timeout=10)

    def __enter__(self) -> "JackServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def mido_jack():
    """mido's python-rtmidi backend on JACK: the tests' own client, independent of rnnmusic's port code."""
    import mido

    return mido.Backend("mido.backends.rtmidi/UNIX_JACK")


class Receiver:
    """A JACK MIDI input (through mido) that stamps each message with time.monotonic() on arrival."""

    def __init__(self, connect_to: str | None = None, name: str = "recv") -> None:
        backend = mido_jack()
        self.messages: list[tuple[float, bytes]] = []
        if connect_to:  # connect to an existing output port by its full name
            self._port = backend.open_input(connect_to, callback=self._on_message)
        else:  # a port of our own that others connect to
            self._port = backend.open_input(name, virtual=True, callback=self._on_message)
        self.name = self._port.name

    def _on_message(self, message) -> None:
        self.messages.append((time.monotonic(), bytes(message.bytes())))

    def data(self) -> list[bytes]:
        return [d for _, d in list(self.messages)]

    def note_ons(self) -> list[tuple[float, bytes]]:
        return [(t, d) for t, d in list(self.messages) if d[0] & 0xF0 == 0x90 and d[2] > 0]

    def close(self) -> None:
        self._port.close()

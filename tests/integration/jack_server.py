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
import time
import uuid


def jackd_available() -> bool:
    return shutil.which("jackd") is not None and shutil.which("jack_lsp") is not None


class JackServer:
    """``with JackServer() as jack:`` starts jackd, waits until clients can connect, and stops it after."""

    def __init__(self, rate: int = 48000, period: int = 64, name: str | None = None) -> None:
        self.rate, self.period = rate, period
        self.name = name or f"rnnmusic-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.process: subprocess.Popen | None = None
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
        self.process = subprocess.Popen(
            ["jackd", "--no-realtime", "-d", "dummy", "-r", str(self.rate), "-p", str(self.period)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # a Ctrl-C at the terminal is for pytest, not for the server
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jackd exited at start: {self.process.stderr.read().decode(errors='replace')[-2000:]}")
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
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None

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

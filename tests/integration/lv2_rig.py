"""The LV2 plugin under a real JACK host, for its tests and the timing benchmark.

A rig is: jalv hosting the rnnmusic plugin (one or more instances), a timebase master, jack_transport
to play, stop and locate, the independent probe (packaging/lv2/tools/jack_probe.c) listening to
each instance's output, and `rnnmusic serve` as the engine. The probe reports every MIDI event with
its absolute JACK frame and the host beat at that frame, read from JACK's own transport.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from jack_server import JackServer, _die_with_parent

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DIR = ROOT / "packaging" / "lv2"
LV2_PATH = PLUGIN_DIR / "build" / "lv2"
PROBE = PLUGIN_DIR / "build" / "tools" / "rnnmusic-jack-probe"
URI = "urn:rnnmusic:lv2:rnnmusic"


def build_plugin() -> None:
    """`make plugin`, the documented command (quick when nothing changed)."""
    subprocess.run(["make", "-s", "plugin"], cwd=ROOT, check=True, capture_output=True, timeout=300)


@dataclass(frozen=True)
class Event:
    frame: int      # absolute JACK frame
    beat: float     # host beat at that frame
    bpm: float
    rolling: bool
    data: bytes

    @property
    def is_on(self) -> bool:
        return self.data[0] & 0xF0 == 0x90 and self.data[2] > 0

    @property
    def is_off(self) -> bool:
        return self.data[0] & 0xF0 == 0x80 or (self.data[0] & 0xF0 == 0x90 and self.data[2] == 0)


class _Proc:
    """A child with a stdin for commands and its stdout read by a thread, line by line."""

    def __init__(self, args: list[str], env: dict[str, str], name: str) -> None:
        self.name = name
        self.lines: list[str] = []
        self.proc = subprocess.Popen(args, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1, preexec_fn=_die_with_parent)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait_for(self, prefix: str, timeout: float = 10.0, start: int = 0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[start:]:
                if line.startswith(prefix):
                    return line
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.01)
        raise AssertionError(f"{self.name}: no line starting {prefix!r} within {timeout:g} s; output: "
                             f"{self.lines[-20:]}")

    def close(self, signal_first: bool = True) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            if signal_first:
                self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)


class Probe(_Proc):
    """The independent receiver (or, with ``master_bpm``, the timebase master)."""

    def __init__(self, env: dict[str, str], name: str, master_bpm: float | None = None, beats_per_bar: int = 4):
        args = [str(PROBE), name] + ([] if master_bpm is None else ["--master", f"{master_bpm:g}", str(beats_per_bar)])
        super().__init__(args, env, name)
        self.wait_for("ready")

    def events(self) -> list[Event]:
        out = []
        for line in list(self.lines):
            if line.startswith("ev "):
                _, frame, beat, bpm, rolling, b0, b1, b2 = line.split()
                out.append(Event(int(frame), float(beat), float(bpm), rolling == "1",
                                 bytes((int(b0), int(b1), int(b2)))))
        return out

    def mark(self) -> int:
        """The JACK frame right now (after everything received so far has been printed)."""
        start = len(self.lines)
        self.send("mark")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for line in self.lines[start:]:
                if line.startswith("mark "):
                    return int(line.split()[1])
            time.sleep(0.002)
        raise AssertionError("probe did not answer mark")


class Rig:
    """Everything for one scenario; ``with Rig(jack, model) as rig:`` and all of it is stopped after."""

    def __init__(self, jack: JackServer, model: Path, bpm: float = 150.0, instances: int = 1,
                 controls: dict[str, float] | None = None, serve_args: tuple[str, ...] = (),
                 master: str = "probe") -> None:
        """``master``: "probe" (exact BBT, see the probe) or "jack_transport" (its own timebase master,
        kept running so it stays master; its BBT adds whole ticks per period and so drifts)."""
        self.jack, self.model, self.bpm, self.instances = jack, model, bpm, instances
        self.controls = controls or {}
        self.serve_args = serve_args
        self.env = {**os.environ, **jack.env, "LV2_PATH": str(LV2_PATH)}
        self.hosts: list[_Proc] = []
        self.probes: list[Probe] = []
        self.master: Probe | None = None
        self.master_kind = master
        self.jack_transport: _Proc | None = None
        self.engine: subprocess.Popen | None = None
        self.rate = jack.rate
        self._tag = f"{os.getpid()}{int(time.monotonic() * 1000) % 100000}"

    def __enter__(self) -> Rig:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        self.transport("stop")
        self.transport("locate 0")
        if self.master_kind == "jack_transport":
            self.jack_transport = _Proc(["jack_transport"], self.env, "jack_transport")
            self.jack_transport.send("master")
            self.jack_transport.send(f"tempo {self.bpm:g}")
        else:
            self.master = Probe(self.env, f"master{self._tag}", master_bpm=self.bpm)
        for i in range(self.instances):
            name = f"rnnm{self._tag}_{i}"
            args = ["stdbuf", "-oL", "jalv", "-n", name, "-x"]  # line-buffered: jalv prints through stdio
            args += [f"-c{k}={v:g}" for k, v in self.controls.items()] + [URI]
            host = _Proc(args, self.env, name)
            host.wait_for("regenerate = ", timeout=20)  # jalv lists the controls once the plugin runs
            self.hosts.append(host)
            probe = Probe(self.env, f"probe{self._tag}_{i}")
            self.jack.connect(f"{name}:midi_out", f"probe{self._tag}_{i}:in")
            self.probes.append(probe)
        self.start_engine()

    def start_engine(self) -> None:
        self.engine = subprocess.Popen(
            [sys.executable, "-m", "rnnmusic", "serve", "--model", str(self.model), "--seed", "1", *self.serve_args,
             # only our jalvs: other test runs may be serving theirs
             *[f"--host-pid={h.proc.pid}" for h in self.hosts]],
            env={**self.env, "PYTHONPATH": os.pathsep.join([str(ROOT)] + sys.path)}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 60
        served = 0
        while served < self.instances:  # wait until the engine has taken every instance on
            line = self.engine.stdout.readline()
            if not line or time.monotonic() > deadline:
                raise AssertionError(f"rnnmusic serve did not start: {line!r}")
            served += "serving plugin instance" in line
        threading.Thread(target=self.engine.stdout.read, daemon=True).start()

    def transport(self, *commands: str) -> None:
        """jack_transport, scripted on its stdin: play, stop, locate FRAME."""
        if self.jack_transport is not None:
            for command in commands:
                self.jack_transport.send(command)
            time.sleep(0.05)
            return
        subprocess.run(["jack_transport"], input="\n".join(commands + ("quit",)) + "\n", env=self.env, text=True,
                       capture_output=True, timeout=15, check=True)

    def tempo(self, bpm: float) -> None:
        (self.jack_transport or self.master).send(f"tempo {bpm:g}")

    def set_control(self, symbol: str, value: float, instance: int = 0) -> None:
        self.hosts[instance].send(f"set {symbol} {value:g}")

    def close(self) -> None:
        if self.engine is not None and self.engine.poll() is None:
            self.engine.terminate()
            try:
                self.engine.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.engine.kill()
                self.engine.wait()
        try:
            self.transport("stop")
        except Exception:
            pass
        time.sleep(0.1)
        if self.jack_transport is not None:
            self.jack_transport.send("quit")
        for proc in self.hosts + self.probes + [p for p in (self.master, self.jack_transport) if p]:
            proc.close()
        self.hosts, self.probes, self.master, self.jack_transport = [], [], None, None


def sounding_at_end(events: list[Event]) -> dict[tuple[int, int], int]:
    """(channel, pitch) -> how many note-ons the receiver got without their note-off."""
    held: dict[tuple[int, int], int] = {}
    for e in events:
        key = (e.data[0] & 15, e.data[1])
        if e.is_on:
            held[key] = held.get(key, 0) + 1
        elif e.is_off and held.get(key):
            held[key] = 0  # a note-off ends the sound of that key, however many note-ons came
    return {k: v for k, v in held.items() if v}


def grid_errors_frames(events: list[Event], rate: int, grid: float = 0.25) -> list[float]:
    """For each note-on: how far (in frames) it landed from the nearest ``grid`` beat line of the host."""
    errors = []
    for e in events:
        if e.is_on:
            steps = e.beat / grid
            errors.append((steps - round(steps)) * grid * 60.0 / e.bpm * rate)
    return errors

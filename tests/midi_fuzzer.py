"""A seeded mutation fuzzer of the MIDI reader, every encoding and the writer (importable as `midi_fuzzer`).

Used by tests/integration/test_fuzz_midi.py (a bounded run in CI) and benchmarks/fuzz_midi.py (a long
run). Each case is the bytes of a MIDI file: the project's own test files with bytes flipped,
truncated or chunk lengths lied about, or files built here from random events (notes paired or
not, tempos, meters, keys, pedals, sysex, text) with huge delta times, running status, absurd
divisions and tempos (0, 1 and 2**24 - 1 microseconds per quarter) or many tracks, sometimes
flipped or cut as well. The same seed gives the same cases on every machine.

A case is read on both reading paths (symusic's and the exact one), which must agree; every
encoding encodes it and decodes its tokens onto it, the writer writes each result and the piece,
and the written files are read back. It ends as ``read``; ``refused`` (the project's own
one-line error, :class:`rnnmusic.errors.RnnmusicError`, from the reader or an encoding); ``disagreed``
(the two reading paths read it differently, or only one refuses it); ``crashed``
(any other exception: a bug); ``hung`` (past the per-case timeout) or ``memory`` (past the
address-space cap). Cases run in a worker process under ``resource.setrlimit(RLIMIT_AS)``; a worker
that hangs or dies is replaced.
"""

from __future__ import annotations

import multiprocessing
import random
import resource
import struct
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
OUTCOMES = ("read", "refused", "disagreed", "crashed", "hung", "memory")


class Disagreement(AssertionError):
    """The fast and the exact reading paths read one file differently."""


# -- building files --------------------------------------------------------------------------------
def vlq(value: int) -> bytes:
    """A variable-length quantity (values above 2**28 - 1 still get 4 bytes' worth of 7-bit groups)."""
    groups = [value & 0x7F]
    value >>= 7
    while value and len(groups) < 4:
        groups.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(groups))


def chunk(name: bytes, body: bytes) -> bytes:
    return name + struct.pack(">I", len(body)) + body


def midi_file(tracks: list[bytes], division: int = 480, fmt: int = 1) -> bytes:
    """A Standard MIDI File of the given track bodies."""
    return chunk(b"MThd", struct.pack(">HHH", fmt, len(tracks), division & 0xFFFF)) + b"".join(
        chunk(b"MTrk", body) for body in tracks
    )


@dataclass
class Event:
    delta: int
    message: bytes  # status byte first (a meta or sysex message whole)


def track_bytes(events: list[Event], running_status: bool, end: bool = True) -> bytes:
    """Serialise events, leaving out repeated channel status bytes when ``running_status``."""
    out, status = bytearray(), 0
    for event in events:
        out += vlq(event.delta)
        first = event.message[0]
        if running_status and first < 0xF0 and first == status:
            out += event.message[1:]
        else:
            out += event.message
        status = first if first < 0xF0 else 0
    if end:
        out += b"\x00\xff\x2f\x00"
    return bytes(out)


def meta(kind: int, payload: bytes) -> bytes:
    return bytes((0xFF, kind)) + vlq(len(payload)) + payload


def tempo_event(microseconds: int) -> bytes:
    return meta(0x51, (microseconds & 0xFFFFFF).to_bytes(3, "big"))


ABSURD_TEMPOS = (0, 1, 2, 0xFFFFFF, 60, 500_000)
ABSURD_DIVISIONS = (1, 2, 3, 0x7FFF, 0, 0x8000 | 0x1E28, 0xE250)
HUGE_DELTAS = (0x0FFFFFFF, 0x0FFFFFF0, 0x0FFFFF, 0x1FFFFF, 100_000)


def random_events(rng: random.Random, count: int, channels: list[int]) -> list[Event]:
    """A track's worth of plausible and implausible events, mostly notes."""
    events: list[Event] = []
    sounding: list[tuple[int, int]] = []
    for _ in range(count):
        delta = rng.choice((0, 0, 1, 10, 60, 120, 240, 480, rng.randrange(2000)))
        roll = rng.random()
        channel = rng.choice(channels)
        if roll < 0.35:
            pitch = rng.randrange(128)
            events.append(Event(delta, bytes((0x90 | channel, pitch, rng.randrange(1, 128)))))
            sounding.append((channel, pitch))
        elif roll < 0.65 and sounding:
            ch, pitch = sounding.pop(rng.randrange(len(sounding)))
            off = bytes((0x80 | ch, pitch, 0)) if rng.random() < 0.5 else bytes((0x90 | ch, pitch, 0))
            events.append(Event(delta, off))
        elif roll < 0.70:
            events.append(Event(delta, bytes((0x80 | channel, rng.randrange(128), 0))))  # a note-off alone
        elif roll < 0.75:
            events.append(Event(delta, tempo_event(rng.choice(ABSURD_TEMPOS + (rng.randrange(1 << 24),)))))
        elif roll < 0.79:
            events.append(Event(delta, meta(0x58, bytes((rng.randrange(256), rng.randrange(10), 24, 8)))))
        elif roll < 0.82:
            events.append(Event(delta, meta(0x59, bytes((rng.randrange(256), rng.randrange(3))))))
        elif roll < 0.88:
            number = rng.choice((64, 64, 66, 67, 7, 10, 121, 123))
            events.append(Event(delta, bytes((0xB0 | channel, number, rng.randrange(128)))))
        elif roll < 0.91:
            events.append(Event(delta, bytes((0xC0 | channel, rng.randrange(128)))))
        elif roll < 0.94:
            events.append(Event(delta, bytes((0xE0 | channel, rng.randrange(128), rng.randrange(128)))))
        elif roll < 0.96:
            events.append(Event(delta, b"\xf0" + vlq(3) + b"\x7e\x7f\xf7"))
        else:
            text = bytes(rng.randrange(256) for _ in range(5))  # text, track name, instrument name
            events.append(Event(delta, meta(rng.choice((0x01, 0x03, 0x04)), text)))
    for ch, pitch in sounding:
        if rng.random() < 0.8:  # some notes are never ended
            events.append(Event(rng.choice((1, 240)), bytes((0x80 | ch, pitch, 0))))
    return events


def generated_file(rng: random.Random, structural: str) -> bytes:
    """A file of random events with one structural oddity (or none)."""
    tracks = 1 + (rng.randrange(600) if structural == "many_tracks" else rng.randrange(4))  # 16 channels each
    events_per_track = 2 + rng.randrange(8 if structural == "many_tracks" else 150)
    running = structural == "running_status" or rng.random() < 0.3
    bodies = []
    for _ in range(tracks):
        channels = rng.sample(range(16), 1 + rng.randrange(16 if structural == "many_tracks" else 3))
        events = random_events(rng, events_per_track, channels)
        if structural == "huge_delta":
            for _ in range(1 + rng.randrange(3)):
                events[rng.randrange(len(events))].delta = rng.choice(HUGE_DELTAS)
        if structural == "tempo":
            for _ in range(1 + rng.randrange(3)):
                absurd = Event(rng.choice((0, 0, 480)), tempo_event(rng.choice(ABSURD_TEMPOS)))
                events.insert(rng.randrange(len(events) + 1), absurd)
        if structural == "running_status" and rng.random() < 0.3:
            events.insert(rng.randrange(len(events) + 1), Event(0, b"\xf0" + vlq(1) + b"\xf7"))  # cancels it
        bodies.append(track_bytes(events, running))
    division = rng.choice(ABSURD_DIVISIONS) if structural == "division" else rng.choice((96, 480, 960, 24))
    return midi_file(bodies, division, fmt=0 if tracks == 1 and rng.random() < 0.5 else 1)


# -- byte mutations --------------------------------------------------------------------------------
def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(1 + rng.randrange(8)):
        i = rng.randrange(len(out))
        out[i] = rng.randrange(256) if rng.random() < 0.5 else out[i] ^ (1 << rng.randrange(8))
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data))]


def chunk_positions(data: bytes) -> list[int]:
    """Where each chunk header starts, walking the declared lengths."""
    positions, pos = [], 0
    while pos + 8 <= len(data):
        positions.append(pos)
        pos += 8 + struct.unpack(">I", data[pos + 4 : pos + 8])[0]
    return positions


def lie_about_a_chunk_length(data: bytes, rng: random.Random) -> bytes:
    positions = chunk_positions(data)
    if not positions:
        return data
    pos = rng.choice(positions)
    (true,) = struct.unpack(">I", data[pos + 4 : pos + 8])
    lie = rng.choice((0, 1, 5, true - 1, true + 1, true + 100, 0xFFFFFFFF, rng.randrange(1 << 32)))
    return data[: pos + 4] + struct.pack(">I", lie % (1 << 32)) + data[pos + 8 :]


BYTE_MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "flip": flip_bytes,
    "truncate": truncate,
    "chunk_length": lie_about_a_chunk_length,
}
STRUCTURAL = ("plain", "huge_delta", "running_status", "tempo", "division", "many_tracks")


def seed_files() -> list[bytes]:
    return [path.read_bytes() for path in sorted(DATA.glob("*.mid"))]


@dataclass(frozen=True)
class Case:
    index: int
    kind: str
    data: bytes


def cases(seed: int, count: int) -> Iterator[Case]:
    """``count`` cases; the same ``seed`` gives the same bytes."""
    rng = random.Random(seed)
    seeds = seed_files()
    for index in range(count):
        if rng.random() < 0.4:
            mutation = rng.choice(list(BYTE_MUTATIONS))
            yield Case(index, f"{mutation} of a test file", BYTE_MUTATIONS[mutation](rng.choice(seeds), rng))
            continue
        structural = rng.choice(STRUCTURAL)
        data = generated_file(rng, structural)
        kind = f"generated {structural}"
        if rng.random() < 0.3:
            mutation = rng.choice(list(BYTE_MUTATIONS))
            data, kind = BYTE_MUTATIONS[mutation](data, rng), f"{kind}, then {mutation}"
        yield Case(index, kind, data)


# -- exercising one case ---------------------------------------------------------------------------
def exercise(data: bytes) -> tuple[str, str]:
    """Read, encode, decode and write one file: ("read" | "refused", what happened). Bugs raise."""
    from rnnmusic.encodings import ENCODING_NAMES, get_encoding
    from rnnmusic.errors import RnnmusicError
    from rnnmusic.midi.read import read_midi_bytes
    from rnnmusic.midi.write import sequence_to_midi_bytes

    try:
        seq = read_midi_bytes(data, source="case.mid")
    except RnnmusicError as exc:
        seq, refusal = None, str(exc)
    try:
        exact = read_midi_bytes(data, source="case.mid", exact=True)
    except RnnmusicError as exc:
        exact, exact_refusal = None, str(exc)
    if seq is None or exact is None:
        if (seq is None) != (exact is None):
            said = refusal if seq is None else exact_refusal
            raise Disagreement(f"only the {'fast' if seq is None else 'exact'} reader refuses the file: {said}")
        return "refused", refusal
    differences = [name for name, same in same_reading(seq, exact).items() if not same]
    if differences:
        raise Disagreement(f"the fast and exact readers differ in: {', '.join(differences)}")
    refusals = []
    for name in ENCODING_NAMES:
        encoding = get_encoding(name)
        try:
            report = encoding.encode_report(seq)
        except RnnmusicError as exc:
            refusals.append(str(exc))
            continue
        if not encoding.is_valid(report.ids):
            raise AssertionError(f"{name} made a token sequence its own follow table refuses")
        decoded = encoding.decode(report.ids, template=seq)
        read_midi_bytes(sequence_to_midi_bytes(decoded), require_notes=False)
    # (the writer may merge notes of one pitch that start together in a track: MIDI sounds a pitch once)
    again = read_midi_bytes(sequence_to_midi_bytes(seq), require_notes=False)
    if not 0 < len(again.notes) <= len(seq.notes):
        raise AssertionError(f"the writer kept {len(again.notes)} of {len(seq.notes)} notes")
    return ("refused", refusals[0]) if refusals else ("read", f"{len(seq.notes)} notes")


def misbehave(data: bytes) -> tuple[str, str]:
    """Stand-in for :func:`exercise` that does what ``data`` names: how the harness itself is tested."""
    from rnnmusic.errors import MidiFileError

    if data == b"refuse":
        raise MidiFileError("case.mid", "is refused")
    if data == b"disagree":
        raise Disagreement("the readers differ")
    if data == b"crash":
        raise KeyError("a bug")
    if data == b"hang":
        while True:
            pass
    if data == b"memory":
        return "read", str(len(bytearray(8 * 2**30)))
    return "read", "fine"


def same_reading(a, b) -> dict[str, bool]:
    """Per part of two NoteSequences, whether they agree."""
    return {
        "notes": a.same_music(b) and bool((a.notes["track"] == b.notes["track"]).all()),
        "tempos": a.tempos == b.tempos,
        "meters": a.time_signatures == b.time_signatures,
        "keys": a.key_signatures == b.key_signatures,
        "pedals": a.control_changes == b.control_changes,
        "tracks": a.tracks == b.tracks,
    }


# -- the worker process ----------------------------------------------------------------------------
def _vm_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise OSError("no VmSize in /proc/self/status")


def _worker(conn, cap_bytes: int, check: Callable[[bytes], tuple[str, str]]) -> None:
    """Run ``check`` on cases sent over ``conn``, under an address-space cap of ``cap_bytes`` above its start."""
    import rnnmusic.encodings.drums  # noqa: F401  (load everything before the cap is measured)
    import rnnmusic.encodings.melody  # noqa: F401
    import rnnmusic.encodings.performance  # noqa: F401
    import rnnmusic.encodings.polyphony  # noqa: F401
    import rnnmusic.midi.read  # noqa: F401
    from rnnmusic.errors import RnnmusicError

    exercise(seed_files()[0])  # warm every lazy import (symusic, mido) before the cap
    limit = _vm_bytes() + cap_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    conn.send(("ready", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))
    while True:
        data = conn.recv()
        if data is None:
            return
        try:
            outcome, detail = check(data)
        except RnnmusicError as exc:
            outcome, detail = "refused", str(exc)
        except Disagreement as exc:
            outcome, detail = "disagreed", str(exc)
        except MemoryError:
            outcome, detail = "memory", "MemoryError"
        except Exception:  # noqa: BLE001  (any exception that is not the project's own is what is looked for)
            outcome, detail = "crashed", traceback.format_exc(limit=-6)
        conn.send((outcome, detail, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))


@dataclass
class Report:
    """What a run found: counts per outcome, the cases that failed, and the workers' peak memory."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    failures: list[tuple[Case, str, str]] = field(default_factory=list)  # (case, outcome, detail)
    peak_rss: int = 0  # bytes, the largest resident set of any worker
    base_rss: int = 0  # bytes, a worker's resident set before its first case

    @property
    def tried(self) -> int:
        return sum(self.counts.values())


class Runner:
    """A worker process that runs cases one by one, replaced when a case hangs or kills it."""

    def __init__(self, timeout: float, cap_bytes: int, check: Callable[[bytes], tuple[str, str]] = exercise):
        self.timeout, self.cap_bytes, self.check = timeout, cap_bytes, check
        self._context = multiprocessing.get_context("spawn")  # a clean process, whatever the caller loaded
        self._process = None
        self._conn = None
        self.base_rss = 0

    def _start(self) -> None:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_worker, args=(child, self.cap_bytes, self.check), daemon=True)
        process.start()
        child.close()
        try:
            if not parent.poll(120):
                raise RuntimeError("the fuzz worker did not start within 120 s")
            _, self.base_rss = parent.recv()
        except BaseException:
            process.kill()
            process.join()
            parent.close()
            raise
        self._process, self._conn = process, parent

    def run(self, data: bytes) -> tuple[str, str, int]:
        """(outcome, detail, worker peak RSS in bytes) of one case."""
        if self._process is None:
            self._start()
        self._conn.send(data)
        try:
            if self._conn.poll(self.timeout):
                return self._conn.recv()
            outcome, detail = "hung", f"no answer within {self.timeout:g} s"
        except EOFError:  # the worker died: killed for memory, or a crash of native code
            self._process.join()
            outcome, detail = "memory", f"the worker died (exit code {self._process.exitcode})"
        self.stop()
        return outcome, detail, 0

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.is_alive():
            try:
                self._conn.send(None)
            except OSError:
                pass
            self._process.join(2)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
        self._conn.close()
        self._process = None


def fuzz(seed: int, count: int, timeout: float = 60.0, cap_mb: int = 1024,
         progress: Callable[[Report], None] | None = None) -> Report:
    """Run ``count`` cases of ``seed``, each under ``timeout`` seconds and ``cap_mb`` MiB more address space."""
    report = Report()
    runner = Runner(timeout, cap_mb * 2**20)
    try:
        for case in cases(seed, count):
            outcome, detail, rss = runner.run(case.data)
            report.counts[outcome] += 1
            report.peak_rss = max(report.peak_rss, rss)
            report.base_rss = report.base_rss or runner.base_rss
            if outcome not in ("read", "refused"):
                report.failures.append((case, outcome, detail))
            if progress is not None:
                progress(report)
    finally:
        runner.stop()
    return report

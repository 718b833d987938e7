"""Fuzzing as a test: seeded mutations of MIDI files through the reader, every encoding and the writer.

A fixed seed, so a failure names a case that reproduces (``midi_fuzzer.cases(SEED, CASES)``);
each case runs in a worker process under a 1 GiB address-space cap (above the worker's own
start) and a 60 s timeout (a case takes well under a second; the margin is for a busy
machine). Any exception that is not the project's own error (a disagreement of the two reading
paths included), a hang or a memory blow-up fails. The long run is ``benchmarks/fuzz_midi.py`` (docs/benchmarks.md).
"""

from __future__ import annotations

import pytest
from midi_fuzzer import OUTCOMES, Runner, cases, fuzz, misbehave

SEED = 12
CASES = 300

pytestmark = pytest.mark.slow


def test_fuzzed_midi_files_are_read_or_refused_and_never_crash_hang_or_blow_up():
    report = fuzz(SEED, CASES, timeout=60, cap_mb=1024)
    shown = "\n".join(f"case {case.index} ({case.kind}): {outcome}: {detail}"
                      for case, outcome, detail in report.failures[:5])
    assert report.tried == CASES
    assert report.counts["disagreed"] == report.counts["crashed"] == 0, shown
    assert report.counts["hung"] == report.counts["memory"] == 0, shown
    # the cases reach both ends: files the reader and encodings take, and files refused
    assert report.counts["read"] > CASES // 10 and report.counts["refused"] > CASES // 10, report.counts


def test_the_cases_are_the_same_for_the_same_seed_and_cover_every_mutation():
    first, again = list(cases(SEED, 200)), list(cases(SEED, 200))
    assert [c.data for c in first] == [c.data for c in again]
    kinds = " ".join(c.kind for c in first)
    for mutation in ("flip", "truncate", "chunk_length", "huge_delta", "running_status", "tempo", "division",
                     "many_tracks"):
        assert mutation in kinds


def test_the_harness_tells_a_refusal_from_a_disagreement_a_crash_a_hang_and_a_blow_up():
    runner = Runner(timeout=3, cap_bytes=512 * 2**20, check=misbehave)
    try:
        inputs = (b"fine", b"refuse", b"disagree", b"crash", b"hang", b"memory", b"fine")
        outcomes = [runner.run(data)[0] for data in inputs]
    finally:
        runner.stop()
    assert outcomes == ["read", "refused", "disagreed", "crashed", "hung", "memory", "read"]
    assert set(outcomes) == set(OUTCOMES)

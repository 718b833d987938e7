"""Rebuilding arrival times from rtmidi's delta times and the (later) times the queue was polled."""

import random

import pytest

from rnnmusic.live.rtmidi_ports import ArrivalClock


def test_arrivals_come_from_the_deltas_anchored_by_the_earliest_poll():
    clock = ArrivalClock(drift=0.0)
    assert clock.arrival(0.0, polled=10.004) == pytest.approx(10.004)  # the first: only the poll time is known
    # the second arrived 20 ms after the first and was polled almost at once: the first was at 10.0005
    assert clock.arrival(0.020, polled=10.0205) == pytest.approx(10.0205)
    assert clock.arrival(0.020, polled=10.0433) == pytest.approx(10.0405)  # polled late, still stamped right


def test_random_poll_delays_converge_on_the_true_arrivals():
    rng = random.Random(3)
    clock = ArrivalClock()
    true_times = [5.0 + 0.0208 * k for k in range(200)]
    errors = []
    previous = true_times[0]
    for t in true_times:
        polled = t + rng.uniform(0.00002, 0.0015)  # drained up to 1.5 ms after arriving
        errors.append(clock.arrival(t - previous, polled) - t)
        previous = t
    assert all(e >= -1e-9 for e in errors)  # never earlier than the truth
    assert max(errors[50:]) < 0.0002  # after a second of ticks, within 0.2 ms

"""The scheduler driven by a manual clock (no thread), plus its thread's start and stop."""

import math
import time

from live_fakes import FakeOutput, ManualClock

from rnnmusic.live.clock import Timeline
from rnnmusic.live.hygiene import sounding_after
from rnnmusic.live.messages import note_off, note_on
from rnnmusic.live.scheduler import Scheduler

BEAT = 0.5  # 120 BPM


def make(latency=0.0, record=0):
    clock = ManualClock(100.0)
    out = FakeOutput(now=clock)
    sched = Scheduler(out, Timeline(100.0, 0.0, BEAT), now=clock, latency=latency, record=record, realtime=False)
    return clock, out, sched


def test_messages_go_out_at_their_beat_and_not_before():
    clock, out, sched = make()
    sched.push_many([(1.0, note_on(0, 60, 90), 1), (1.5, note_off(0, 60), 1), (0.0, note_on(0, 64, 90), 2)])
    assert sched.next_due() == 100.0
    assert sched.run_due() == 1 and out.messages() == [note_on(0, 64, 90)]
    clock.set(100.499)
    assert sched.run_due() == 0
    clock.set(100.5)
    assert sched.run_due() == 1
    clock.set(101.0)
    sched.run_due()
    assert out.messages()[1:] == [note_on(0, 60, 90), note_off(0, 60)]


def test_equal_beats_keep_push_order():
    clock, out, sched = make()
    sched.push_many([(0.0, note_off(0, 60), 0), (0.0, note_on(0, 62, 90), 0), (0.0, note_on(0, 61, 90), 0)])
    sched.run_due()
    assert [m[1] for m in out.messages()] == [62, 61]  # the off for a silent key is dropped


def test_a_new_timeline_moves_queued_messages():
    clock, out, sched = make()
    sched.push(4.0, note_on(0, 60, 90))
    assert sched.next_due() == 102.0
    sched.set_timeline(Timeline(101.0, 2.0, 0.25))  # from beat 2 on, twice as fast
    assert sched.next_due() == 101.5


def test_a_stopped_timeline_sends_nothing():
    clock, out, sched = make()
    sched.push(0.0, note_on(0, 60, 90))
    sched.set_timeline(Timeline(100.0, 0.0, BEAT, running=False))
    clock.set(1e6)
    assert sched.next_due() == math.inf and sched.run_due() == 0 and out.sent == []


def test_latency_offset_sends_earlier_and_lateness_is_recorded_against_it():
    clock, out, sched = make(latency=0.010, record=4)
    sched.push(2.0, note_on(0, 60, 90))
    assert sched.next_due() == 100.99
    clock.set(100.992)
    sched.run_due()
    assert sched.recorded == 1
    assert abs(sched.due_times[0] - 100.99) < 1e-9 and abs(sched.lateness[0] - 0.002) < 1e-9


def test_cancel_from_drops_future_notes_but_keeps_note_offs_of_sounding_ones():
    clock, out, sched = make()
    sched.push_many([(0.0, note_on(0, 60, 90), 1), (3.0, note_off(0, 60), 1),
                     (2.0, note_on(0, 62, 90), 2), (2.5, note_off(0, 62), 2)])
    sched.run_due()
    assert sched.cancel_from(1.0) == 2
    clock.set(200.0)
    sched.run_due()
    assert out.messages() == [note_on(0, 60, 90), note_off(0, 60)]


def test_mute_ends_sounding_notes_and_drops_note_ons_until_unmuted():
    clock, out, sched = make()
    sched.push_many([(0.0, note_on(0, 60, 90), 1), (4.0, note_off(0, 60), 1),
                     (1.0, note_on(0, 62, 90), 2), (1.5, note_off(0, 62), 2), (2.0, note_on(0, 64, 90), 3)])
    sched.run_due()
    sched.set_muted(True)
    assert out.messages()[-1] == note_off(0, 60)
    clock.set(100.75)
    sched.run_due()
    sched.set_muted(False)
    clock.set(101.0)
    sched.run_due()
    assert out.messages() == [note_on(0, 60, 90), note_off(0, 60), note_on(0, 64, 90)]


def test_panic_clears_the_queue_and_silences_everything():
    clock, out, sched = make()
    sched.push_many([(0.0, note_on(0, 60, 90), 1), (1.0, note_off(0, 60), 1), (2.0, note_on(0, 62, 90), 2)])
    sched.run_due()
    sched.panic()
    assert sched.pending() == 0
    assert sounding_after(out.messages()) == set()
    assert out.messages()[-1] == bytes((0xB0, 123, 0))


def test_send_now_is_tracked_so_a_passed_through_note_is_ended_by_panic():
    clock, out, sched = make()
    sched.send_now(note_on(5, 70, 80))
    sched.panic()
    assert sounding_after(out.messages()) == set()


def test_end_overdue_cuts_only_notes_past_the_limit():
    clock, out, sched = make()
    sched.push_many([(0.0, note_on(0, 60, 90), 1), (1.0, note_on(0, 62, 90), 2)])
    sched.run_due()
    clock.set(100.5)
    sched.run_due()
    clock.set(104.2)
    assert sched.end_overdue(4.0) == 1
    assert out.messages()[-1] == note_off(0, 60)


def test_thread_sends_everything_queued_then_stop_ends_all_notes():
    out = FakeOutput(now=time.monotonic)
    sched = Scheduler(out, Timeline(time.monotonic(), 0.0, 0.01), realtime=False)
    sched.start()
    try:
        sched.push_many([(i * 0.5, note_on(0, 60 + i, 90), i + 1) for i in range(5)])
        deadline = time.monotonic() + 10
        while sched.pending() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sched.pending() == 0
    finally:
        sched.stop()
    assert not sched.running
    assert [m[1] for m in out.messages()[:5]] == [60, 61, 62, 63, 64]
    assert sounding_after(out.messages()) == set()


def test_a_failing_port_is_reported_not_raised_on_the_sender_thread():
    out = FakeOutput(now=time.monotonic)
    errors = []
    sched = Scheduler(out, Timeline(time.monotonic(), 0.0, 0.01), realtime=False, on_error=errors.append)
    out.lost = True
    sched.start()
    sched.push(0.0, note_on(0, 60, 90))
    deadline = time.monotonic() + 10
    while not errors and time.monotonic() < deadline:
        time.sleep(0.01)
    sched.stop()
    assert errors and "gone" in str(errors[0])

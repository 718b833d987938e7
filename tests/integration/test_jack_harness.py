"""The JACK test harness forgives a lost message only as JACK loses one: left out, with an xrun logged.

The live tests check the engine's music on what a synth heard through JACK, or, where JACK dropped
a cycle's MIDI, on what the engine sent (jack_server.delivered). These tests pin down that rule
without a server: anything but a message left out, and a loss with no xrun, must still fail.
"""

from __future__ import annotations

import pytest
from jack_server import delivered, is_subsequence, lost_on_the_way, xruns_in

NOTE_ON, NOTE_OFF, ALL_OFF = b"\x90\x3c\x64", b"\x80\x3c\x00", b"\xb0\x7b\x00"
SENT = [(1.0, NOTE_ON), (1.5, NOTE_OFF), (2.0, ALL_OFF)]
XRUN_LOG = "JackEngine::XRun: client = test recv was not finished, state = Triggered\n"


class FakeReceiver:
    def __init__(self, messages):
        self.messages = messages


class FakeJack:
    def __init__(self, log: str) -> None:
        self._log = log

    def log(self) -> str:
        return self._log

    def xruns(self, since: int = 0) -> list[str]:
        return xruns_in(self._log[since:])  # the real parsing, on this log


def test_subsequence_means_left_out_in_order():
    assert is_subsequence([b"a", b"c"], [b"a", b"b", b"c"])
    assert is_subsequence([], [b"a"])
    assert not is_subsequence([b"c", b"a"], [b"a", b"b", b"c"])
    assert not is_subsequence([b"a", b"a"], [b"a"])
    assert not is_subsequence([b"x"], [b"a", b"b"])


def test_everything_heard_is_checked_as_heard():
    heard = [(1.001, NOTE_ON), (1.501, NOTE_OFF), (2.001, ALL_OFF)]
    assert delivered(FakeReceiver(heard), SENT, FakeJack(""), 0) == heard


def test_a_loss_in_a_logged_xrun_is_checked_on_what_was_sent():
    heard = [(1.001, NOTE_ON), (2.001, ALL_OFF)]
    with pytest.warns(UserWarning, match="JACK lost 1 of 3"):
        assert delivered(FakeReceiver(heard), SENT, FakeJack(XRUN_LOG), 0) == SENT


def test_a_loss_without_an_xrun_fails():
    with pytest.raises(AssertionError, match="logged no xrun"):
        delivered(FakeReceiver([(1.001, NOTE_ON)]), SENT, FakeJack("nothing to see\n"), 0)


def test_only_xruns_after_the_mark_count():
    log = XRUN_LOG + "later lines\n"
    with pytest.raises(AssertionError, match="logged no xrun"):
        delivered(FakeReceiver([(1.001, NOTE_ON)]), SENT, FakeJack(log), len(XRUN_LOG))


@pytest.mark.parametrize("heard", [
    [(1.0, NOTE_OFF), (1.5, NOTE_ON)],  # reordered
    [(1.0, NOTE_ON), (1.2, b"\x90\x3e\x64")],  # a note never sent
    [(1.0, NOTE_ON), (1.1, NOTE_ON), (1.5, NOTE_OFF)],  # doubled
], ids=["reordered", "added", "doubled"])
def test_anything_but_a_message_left_out_fails_even_with_xruns(heard):
    with pytest.raises(AssertionError, match="did not send, or in another order"):
        lost_on_the_way(heard, SENT)
    with pytest.raises(AssertionError):
        delivered(FakeReceiver(heard), SENT, FakeJack(XRUN_LOG), 0)


def test_xruns_name_the_clients():
    log = XRUN_LOG + "JackEngine::XRun: client = rnnmusic was not finished, state = Running\nother\n"
    assert FakeJack(log).xruns() == ["test recv", "rnnmusic"]

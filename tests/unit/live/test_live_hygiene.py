"""Note tracking on the sender thread, panic, the length guard, and the receiver-side replay check."""

from rnnmusic.live.hygiene import DROP, RETRIGGER, SEND, NoteTracker, clearing_messages, sounding_after
from rnnmusic.live.messages import control_change, note_off, note_on


def test_each_note_on_is_tracked_until_its_note_off():
    t = NoteTracker()
    assert t.filter(note_on(0, 60, 90), 0.0) == SEND
    assert t.filter(note_on(2, 64, 90), 0.0) == SEND
    assert sorted(t.sounding()) == [(0, 60), (2, 64)]
    assert t.filter(note_off(0, 60), 1.0) == SEND
    assert t.sounding() == [(2, 64)]


def test_overlapping_notes_of_one_pitch_retrigger_and_only_the_last_off_ends_them():
    t = NoteTracker()
    t.filter(note_on(0, 60, 90), 0.0)
    assert t.filter(note_on(0, 60, 90), 0.5) == RETRIGGER
    assert t.filter(note_off(0, 60), 1.0) == DROP  # the first note's off: the second still sounds
    assert t.sounding() == [(0, 60)]
    assert t.filter(bytes((0x90, 60, 0)), 1.5) == SEND  # velocity-0 note-on is a note-off
    assert t.sounding() == []


def test_a_note_off_for_a_silent_key_is_dropped():
    assert NoteTracker().filter(note_off(0, 60), 0.0) == DROP


def test_panic_ends_notes_releases_our_pedal_and_sends_all_notes_off_per_channel_used():
    t = NoteTracker()
    t.filter(note_on(0, 60, 90), 0.0)
    t.filter(note_on(9, 36, 90), 0.0)
    t.filter(control_change(3, 64, 127), 0.0)  # pedal down on channel 4, no notes
    messages = t.panic()
    assert set(messages[:2]) == {note_off(0, 60), note_off(9, 36)}
    assert control_change(3, 64, 0) in messages
    for channel in (0, 3, 9):
        assert control_change(channel, 123, 0) in messages
    assert t.sounding() == [] and sounding_after([note_on(0, 60, 90), note_on(9, 36, 90)] + messages) == set()


def test_overdue_finds_notes_sounding_longer_than_the_limit():
    t = NoteTracker()
    t.filter(note_on(0, 60, 90), 0.0)
    t.filter(note_on(0, 62, 90), 5.0)
    assert t.overdue(now=6.0, max_seconds=4.0) == [(0, 60)]
    assert t.release(t.overdue(6.0, 4.0)) == [note_off(0, 60)]
    assert t.sounding() == [(0, 62)]


def test_sounding_after_honours_all_notes_off_and_the_sustain_pedal():
    on, off = note_on(0, 60, 90), note_off(0, 60)
    assert sounding_after([on]) == {(0, 60)}
    assert sounding_after([on, off]) == set()
    assert sounding_after([on, control_change(0, 123, 0)]) == set()
    assert sounding_after([on, control_change(1, 123, 0)]) == {(0, 60)}
    assert sounding_after([control_change(0, 64, 127), on, off]) == {(0, 60)}  # held by the pedal
    assert sounding_after([control_change(0, 64, 127), on, off, control_change(0, 64, 0)]) == set()


def test_all_sound_off_ends_even_notes_a_pedal_holds():
    held = [control_change(0, 64, 127), note_on(0, 60, 90), note_off(0, 60)]
    assert sounding_after(held + [control_change(0, 120, 0)]) == set()
    assert sounding_after(held + [control_change(1, 120, 0)]) == {(0, 60)}


def test_clearing_messages_lift_the_pedal_before_all_notes_off():
    cleared = clearing_messages([4])
    assert cleared[0] == control_change(4, 64, 0) and cleared[-1] == control_change(4, 123, 0)
    assert sounding_after([control_change(4, 64, 127), note_on(4, 70, 90)] + cleared) == set()

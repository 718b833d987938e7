"""`rnnmusic info`: the summary of a piece, how each encoding sees it, and the printed lines."""

from __future__ import annotations

import pytest
from midi_data import readable_files

from rnnmusic.cli.main import main
from rnnmusic.encodings import ENCODING_NAMES, get_encoding
from rnnmusic.midi.read import read_midi
from rnnmusic.summary import format_summary, summarize, summarize_encoding


def test_summary_of_a_format0_file(data_dir):
    summary = summarize(read_midi(data_dir / "format0_multichannel.mid"))
    assert [(t.index, t.name, t.program, t.instrument, t.is_drum, t.notes) for t in summary.tracks] == [
        (0, "band", 0, "Acoustic Grand Piano", False, 8),
        (1, "band", 32, "Acoustic Bass", False, 4),
        (2, "band", 0, "drum kit", True, 16),
    ]
    assert summary.notes == 28 and summary.pitch_range == (43, 77)  # drums are not pitches
    assert summary.tempos == ((0.0, 100.0),) and summary.meters == ((0.0, 4, 4),) and summary.keys == ()
    assert summary.duration == pytest.approx(4.8)
    assert summary.encoding is None


def test_summary_of_changes(data_dir):
    summary = summarize(read_midi(data_dir / "meter_changes.mid"))
    assert summary.meters == ((0.0, 4, 4), (2.0, 3, 4), (3.8, 6, 8))
    lines = format_summary(summary)
    assert "meters (3): 4/4 at 0:00.0, 3/4 at 0:02.0, 6/8 at 0:03.8" in lines
    assert "tempos (2): 120 qpm at 0:00.0, 100 qpm at 0:02.0" in lines
    assert summarize(read_midi(data_dir / "minor_key_triplets.mid")).keys == ((0.0, "A minor"),)


@pytest.mark.parametrize("name", ENCODING_NAMES)
@pytest.mark.parametrize("path", readable_files(), ids=lambda p: p.name)
def test_every_encoding_round_trips_every_test_file_and_accounts_for_every_note(path, name):
    e = summarize_encoding(read_midi(path), get_encoding(name))
    assert e.exact
    assert e.encoded + sum(e.dropped.values()) == e.notes_in  # dropped and counted, never silently lost
    assert e.tokens >= 0 and e.vocab_size == get_encoding(name).vocab_size


def test_encoding_summary_tells_moved_from_unchanged(data_dir):
    seq = read_midi(data_dir / "minor_key_triplets.mid")  # triplets on a sixteenth grid move
    melody = summarize_encoding(seq, get_encoding("melody", {"steps_per_quarter": 4}))
    assert melody.moved > 0 and melody.unchanged + melody.moved + melody.velocity_only == 7
    triplets = summarize_encoding(seq, get_encoding("melody", {"steps_per_quarter": 3}))
    assert triplets.moved == 0
    drums = summarize_encoding(read_midi(data_dir / "drums.mid"), get_encoding("drums"))
    assert drums.dropped == {"not_drums": 4} and drums.encoded == 24


def test_info_prints_the_summary(data_dir, capsys):
    assert main(["info", str(data_dir / "format1_piano.mid"), "--encoding", "polyphony"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"file: {data_dir / 'format1_piano.mid'}"
    assert "key: G major" in out and "tempo: 90 qpm" in out
    assert any(line.split()[:3] == ["0", "right", "hand"] and "Acoustic Grand Piano" in line for line in out)
    assert any(line.startswith("encoding polyphony (") for line in out)
    assert any("round trip: exact" in line for line in out)
    assert any(line.strip().startswith("notes: 19 in, 19 encoded, 0 dropped") for line in out)


def test_info_refuses_an_unknown_encoding(data_dir, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["info", str(data_dir / "drums.mid"), "--encoding", "nope"])
    assert caught.value.code == 2

"""The fast reading path: symusic (a C++ parser), where its note pairing gives what pretty_midi's does.

symusic pairs note-ons and note-offs first-in-first-out, one note per note-off, and
drops a note-on left unpaired; pretty_midi lets one note-off end *every* sounding note
of its pitch. The two agree except where notes of one pitch are stacked on one
channel. symusic (0.6) has no other pairing rule and reports nothing it drops, so each
track is handed to it with a sentinel: a note-off for every pitch of every channel the
track plays, far past the track's end. A note-on that symusic would have dropped then
surfaces as a note ending there, and :func:`read_fast` gives the file up to the exact
reader (:mod:`rnnmusic.midi.parse`) whenever any pitch is stacked, or the file holds
anything else symusic reads differently (see :mod:`rnnmusic.midi.read`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

from rnnmusic.errors import MidiFileError
from rnnmusic.midi.chunks import Chunks
from rnnmusic.midi.names import tonic_from_sharps
from rnnmusic.midi.parsed import KEPT_CONTROLS, ParsedInstrument, ParsedMidi, track_name

if TYPE_CHECKING:
    from symusic.core import ScoreTick

#: symusic reserves memory for every event of a track-channel, sentinel note-offs included (about
#: 7 kB each): a file with more track-channels than this is read by the exact reader instead
_MAX_SENTINEL_BLOCKS = 1024

_END_OF_TRACK = b"\xff\x2f\x00"
_EMPTY_TEXT = b"\xff\x01\x00"  # same length as end-of-track, so it can take its place
_SENTINEL_DELTA = 0x0FFFFFFF  # the largest delta a MIDI file can hold (4-byte VLQ)
_SENTINEL_DELTA_VLQ = b"\xff\xff\xff\x7f"  # _SENTINEL_DELTA as a variable-length quantity
_NOTE_ON_STATUS = [bytes((0x90 | channel,)) for channel in range(16)]
#: system common messages and the clock, which symusic takes as a running status
_ODD_STATUS = [bytes((status,)) for status in (0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF8)]
#: per channel: a note-off for every pitch (delta 0; running status after the first)
_SENTINEL_CHANNELS = [
    b"\x00" + bytes((0x80 | channel, 0, 0)) + b"".join(bytes((0, pitch, 0)) for pitch in range(1, 128))
    for channel in range(16)
]



def _sentinel_channels(body: bytes) -> list[int]:
    """The channels that may play notes in a track: those it has an explicit note-on status byte for."""
    # a channel that plays notes has at least one (running status needs one to start from); other
    # bytes may look like one too, which only adds note-offs
    return [c for c in range(16) if _NOTE_ON_STATUS[c] in body]


def _with_sentinel(body: bytes, channels: list[int]) -> bytes:
    """The track with note-offs for every pitch of ``channels``, far past its end."""
    if not channels:
        return body
    blocks = b"".join(_SENTINEL_CHANNELS[c] for c in channels)
    return body[:-3] + _EMPTY_TEXT + _SENTINEL_DELTA_VLQ + _EMPTY_TEXT + blocks + b"\x00" + _END_OF_TRACK


def read_fast(chunks: Chunks, source: str, max_notes: int) -> ParsedMidi | None:
    """symusic's reading, or None when this file needs the exact event-by-event reader."""
    import symusic  # imported here so `import rnnmusic` stays light

    if not all(body.endswith(_END_OF_TRACK) for body in chunks.tracks):
        return None  # no sentinel can be placed safely; let the exact reader judge the file
    if any(body.count(b"\xf7") > body.count(b"\xf0") for body in chunks.tracks):
        return None  # an F7 that ends no F0 message may be an escape event, which symusic misreads
    if any(status in body for body in chunks.tracks for status in _ODD_STATUS):
        return None  # (a key of 8 flats, a long delta or a text may hold such a byte too: only slower)
    channels = [_sentinel_channels(body) for body in chunks.tracks]
    if sum(len(c) for c in channels) > _MAX_SENTINEL_BLOCKS:
        return None  # so many track-channels that symusic would take gigabytes (see _MAX_SENTINEL_BLOCKS)
    try:
        bodies = [_with_sentinel(body, c) for body, c in zip(chunks.tracks, channels)]
        # the factory is typed as returning the generic Score; in ticks (its default) it is a ScoreTick
        score = cast("ScoreTick", symusic.Score.from_midi(chunks.assemble(bodies)))
    except Exception:  # noqa: BLE001 (symusic has no error type of its own)
        return None  # the exact reader gives the precise error (or reads what symusic refuses)
    count = sum(len(track.notes) for track in score.tracks)
    if count > max_notes:
        raise MidiFileError(source, f"has too many notes ({count:,}; rnnmusic reads at most {max_notes:,})")

    tempos, meters, keys = _meta_events(score)
    if any(event[0] < 0 for event in tempos + meters + keys):
        return None  # symusic's ticks are 32-bit: past 2**31 they wrap around; the exact reader counts on
    if len({tick for tick, _ in tempos}) < len(set(tempos)):
        return None  # different tempos at one tick: symusic's sort may have lost which came last
    tracks = list(score.tracks)
    arrays = [track.notes.numpy() for track in tracks]
    start = np.concatenate([a["time"] for a in arrays]).astype(np.int64) if tracks else np.zeros(0, np.int64)
    if len(start) == 0:
        return ParsedMidi(chunks.ticks_per_quarter, tempos, meters, keys)
    end = start + np.concatenate([a["duration"] for a in arrays])
    pitch = np.concatenate([a["pitch"] for a in arrays]).astype(np.int64)
    velocity = np.concatenate([a["velocity"] for a in arrays]).astype(np.int64)
    owner = np.repeat(np.arange(len(tracks)), [len(a["time"]) for a in arrays])
    if end.max() >= _SENTINEL_DELTA or start.min() < 0 or bool((end < start).any()):
        return None  # an unpaired note-on reached the sentinel, or ticks beyond what symusic holds
    if _stacked(start, end, pitch, owner) or _stacked_across_programs(tracks, start, end, pitch, owner):
        return None
    keep = end > start  # pretty_midi drops note-on/note-off pairs at one tick
    used = np.bincount(owner[keep], minlength=len(tracks)) > 0
    index = np.cumsum(used) - 1  # instruments without notes left are no instruments (as in pretty_midi)
    notes = np.stack([start, end, pitch, velocity, index[owner]])
    if not keep.all():
        notes = notes[:, keep]
    instruments = [_instrument(track) for track, u in zip(tracks, used.tolist()) if u]
    if any(tick < 0 for instrument in instruments for tick, _, _ in instrument.controls):
        return None  # (wrapped ticks, as above)
    return ParsedMidi(chunks.ticks_per_quarter, tempos, meters, keys, instruments=instruments, notes=notes)


def _instrument(track) -> ParsedInstrument:
    controls: list[tuple[int, int, int]] = []
    if len(track.controls):
        cc = track.controls.numpy()
        wanted = np.zeros(len(cc["number"]), dtype=bool)
        for number in KEPT_CONTROLS:
            wanted |= cc["number"] == number
        if wanted.any():
            columns = (cc["time"][wanted].tolist(), cc["number"][wanted].tolist(), cc["value"][wanted].tolist())
            controls = list(zip(*columns))
    return ParsedInstrument(track_name(str(track.name)), int(track.program), bool(track.is_drum), controls)


def _meta_events(score) -> tuple[list, list, list]:
    # tempo 0 (0 us per quarter) would be an infinite qpm: no tempo, as in the exact reader
    tempos = [(int(t.time), float(t.qpm)) for t in score.tempos if t.mspq > 0]
    meters = [(int(m.time), int(m.numerator), int(m.denominator)) for m in score.time_signatures]
    keys = [
        (int(k.time), tonic_from_sharps(int(k.key), bool(k.tonality)), bool(k.tonality)) for k in score.key_signatures
    ]
    return tempos, meters, keys


def _stacked(start: np.ndarray, end: np.ndarray, pitch: np.ndarray, owner: np.ndarray) -> bool:
    """True when a pitch sounds twice at once in one track: there FIFO pairing and pretty_midi may differ."""
    group = owner * 128 + pitch
    if len(owner) and owner.max() < 256 and not (np.diff(start) < 0)[owner[1:] == owner[:-1]].any():
        # symusic lists each track's notes by start: a stable sort by (track, pitch) keeps that order
        # within each pitch, and on 16-bit keys numpy sorts by radix, several times faster
        order = np.argsort(group.astype(np.int16), kind="stable")
    else:
        order = np.lexsort((start, group))
    g, s, e = group[order], start[order], end[order]
    same = g[1:] == g[:-1]
    return bool(np.any(same & ((s[1:] < e[:-1]) | (s[1:] == s[:-1]))))


def _stacked_across_programs(tracks, start: np.ndarray, end: np.ndarray, pitch: np.ndarray, owner: np.ndarray) -> bool:
    """True when a pitch sounds twice at once in tracks that may be one channel under two programs.

    symusic makes a track per (MIDI track, channel, program), and those of one MIDI track share its
    name and drum flag: a stack there is looked for among tracks of one name and drum flag with more
    than one program (other MIDI tracks of that name only cost a file the exact reader).
    """
    keys = [(str(track.name), bool(track.is_drum)) for track in tracks]
    programs: dict[tuple[str, bool], set[int]] = {}
    for key, track in zip(keys, tracks):
        programs.setdefault(key, set()).add(int(track.program))
    groups = {key: index for index, key in enumerate(k for k, p in programs.items() if len(p) > 1)}
    if not groups:
        return False
    group = np.array([groups.get(key, -1) for key in keys])[owner]
    split = group >= 0
    return _stacked(start[split], end[split], pitch[split], group[split])


"""Decoded notes dressed in a template's clothes: its program and track, tempo map, meters, keys and source.

A decoded piece continues its seed, so it takes the seed's voice and maps. Not public API.
"""

from __future__ import annotations

import numpy as np

from rnnmusic.notes import NOTE_DTYPE, NoteSequence


def template_voice(template: NoteSequence | None, is_drum: bool, track: int | None = None) -> tuple[int, int]:
    """(program, track) that decoded notes take from ``template``.

    Without ``track``: the lowest-numbered track of the template holding a matching note (a
    drum note when ``is_drum``, else a pitched one) and the program of its first note; else
    the first matching entry of ``template.tracks``; else program 0 on track 0.
    With ``track`` (melody's chosen voice track) the notes always go to that track, and the
    program is that of the track's first matching note or ``tracks`` entry, else found as above.
    """
    if template is None:
        return 0, 0 if track is None else int(track)
    notes = template.notes
    matching = notes[notes["is_drum"] == is_drum]
    if track is not None:
        in_track = matching[matching["track"] == track]
        if len(in_track):
            return int(in_track["program"][0]), int(track)
        if 0 <= track < len(template.tracks) and template.tracks[track].is_drum == is_drum:
            return int(template.tracks[track].program), int(track)
    program, found = 0, 0
    if len(matching):
        found = int(matching["track"].min())
        program = int(matching["program"][matching["track"] == found][0])
    else:
        for index, info in enumerate(template.tracks):
            if info.is_drum == is_drum:
                program, found = int(info.program), index
                break
    return program, found if track is None else int(track)


def build_sequence(
    template: NoteSequence | None,
    pitch,
    start,
    end,
    velocity,
    program: int,
    track: int,
    is_drum: bool = False,
) -> NoteSequence:
    """A NoteSequence of the given notes, on the template's tempo map, meters, keys, tracks and source."""
    pitch = np.asarray(pitch)
    notes = np.empty(len(pitch), dtype=NOTE_DTYPE)
    notes["pitch"] = pitch
    notes["velocity"] = velocity
    notes["start"] = start
    notes["end"] = end
    notes["program"] = program
    notes["is_drum"] = is_drum
    notes["track"] = track
    if template is None:
        return NoteSequence(notes=notes)
    return NoteSequence(
        notes=notes,
        tempos=template.tempos,
        time_signatures=template.time_signatures,
        key_signatures=template.key_signatures,
        tracks=template.tracks,
        source=template.source,
    )

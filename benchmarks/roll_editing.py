"""Piano-roll editing speed: what one edit of a long take costs the GUI thread, offscreen.

    .venv/bin/python benchmarks/roll_editing.py [--notes 500 2000 8000] [--repeats 5]

For each size a take of eighth notes (120 BPM, 4/4) is drawn in a real PianoRoll, and these are
timed on the GUI thread (median over the repeats, milliseconds):

- ``draw``: ``set_content`` of the whole take (what every edit, undo and take switch redraws);
- ``select all``: ``select_all`` and the restyling of every note;
- ``move 3``: ``note_edits.moved`` of three notes a sixteenth later (the edit itself, no drawing);
- ``move all``: the same for every note;
- ``redraw selected``: ``set_content`` again with every note selected, then ``select_notes`` of the
  moved notes (what the undo stack does after moving a selection).

The load average is printed with them, since the machines are shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def take_of(notes: int):
    from rnnmusic.notes import Note, NoteSequence, make_notes

    scale = [0, 2, 4, 5, 7, 9, 11, 12]
    return NoteSequence(notes=make_notes(Note(60 + scale[i % 8], 90, i * 0.25, i * 0.25 + 0.25)
                                         for i in range(notes)))


def timed(call, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(count: int, repeats: int) -> tuple[float, ...]:
    """The five times, in milliseconds, for a take of ``count`` notes."""
    from PySide6.QtWidgets import QApplication

    from rnnmusic.gui import note_edits
    from rnnmusic.gui.pianoroll_view import PianoRoll

    seq = take_of(count)
    roll = PianoRoll()
    roll.resize(1000, 600)
    roll.show()
    QApplication.processEvents()
    draw = timed(lambda: roll.set_content(seq), repeats)
    select = timed(roll.scene.select_all, repeats)
    notes = roll.scene.selected_notes()
    move3 = timed(lambda: note_edits.moved(seq, notes[:3], 0.25, 0), repeats)
    move_all = timed(lambda: note_edits.moved(seq, notes, 0.25, 0), repeats)
    after, moved = note_edits.moved(seq, notes, 0.25, 0)

    def redraw() -> None:
        roll.scene.select_all()
        roll.set_content(after)
        roll.scene.select_notes(moved)

    redrawn = timed(redraw, repeats)
    roll.close()
    return draw, select, move3, move_all, redrawn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, nargs="+", default=[500, 2000, 8000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])  # noqa: F841 (the widgets need it to exist)
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'notes':>6} {'draw':>9} {'select all':>11} {'move 3':>9} {'move all':>9} {'redraw selected':>16}")
    for count in args.notes:
        times = measure(count, args.repeats)
        print(f"{count:>6} " + " ".join(f"{t:>{w - 2}.0f}ms" for t, w in zip(times, (9, 11, 9, 9, 16))))


if __name__ == "__main__":
    main()

"""Work on a region of the piece: regenerate chosen bars, fill a gap, continue from any bar; audition and keep.

The *piece* is what the roll shows: the current take, or the seed when no take is
current. Bars are the ruler's (counted from 1 on the piece's own meter map), chosen
by dragging on the ruler or by right-clicking a bar in the roll. Three actions make
one engine request each (``GenerateOptions.region``, see :mod:`rnnmusic.engine.region_fill`),
with the controls' settings and number of variations, on the window's worker thread:

- **Regenerate Selection** writes the selected bars ``[a, b)`` anew, leading from the
  music before them into the music after them (kept note for note).
- **Fill** is the same request named for a gap: new bars written between the music
  before and the music after the selection. The engine never reads a region's own
  notes, so the two differ only in what Fill checks first: that there is music after
  the selection to lead into (with none, Continue from Here is what is meant).
- **Continue from Here** goes on from the first selected bar (or the bar right-clicked,
  or the bar under the playhead) for the controls' length; what followed is dropped.

Each variation is a take of the whole piece with the region replaced, listed with
the others and marked with its bars; the roll draws the region's new notes in the
generated colour and selects the region's bars. Playing a variation auditions it in
place: the region plus one bar of context on each side, looped. **Keep** puts the
current variation in place of the piece it was made from as one command on the
window's undo stack, so Undo (Ctrl+Z) brings the piece back exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction, QUndoCommand
from PySide6.QtWidgets import QMenu

from rnnmusic.engine import RegionSpec
from rnnmusic.engine.region_plan import bar_line, piece_bars
from rnnmusic.errors import RnnmusicError
from rnnmusic.grid import StepGrid
from rnnmusic.gui.dialogs import show_error
from rnnmusic.gui.pianoroll_scene import GRID_STEPS_PER_QUARTER
from rnnmusic.gui.takes import Take, make_takes
from rnnmusic.notes import NoteSequence

if TYPE_CHECKING:
    from rnnmusic.gui.engine_bridge import Generated
    from rnnmusic.gui.main_window import MainWindow

SEED = "seed"  # the target key of the seed; a take's is its number
CONTEXT_BARS = 1  # bars of the piece played before and after a region while auditioning it
_EPS = 1e-6

#: what the window's ``_action`` makes: text, slot, shortcut, status tip
MakeAction = Callable[..., QAction]


def bar_seconds(seq: NoteSequence, bar: int) -> float:
    """Where bar ``bar`` (from 1) of ``seq`` starts, on its tempo and meter maps (the ruler's bars)."""
    grid = StepGrid.for_sequence(seq, GRID_STEPS_PER_QUARTER)
    return float(grid.to_seconds(bar_line(grid, bar)))


def bar_count(seq: NoteSequence) -> int:
    """How many bars ``seq`` has (a bar it only begins counts)."""
    return piece_bars(seq, StepGrid.for_sequence(seq, GRID_STEPS_PER_QUARTER))


def region_bars(seq: NoteSequence, spec: RegionSpec) -> tuple[int, int]:
    """The bars ``[first, end)`` a variation wrote in ``seq``: a continuation's run to the piece's end."""
    end = spec.end_bar if spec.end_bar is not None else max(bar_count(seq) + 1, spec.start_bar + 1)
    return spec.start_bar, end


def audition_section(seq: NoteSequence, spec: RegionSpec, context: int = CONTEXT_BARS) -> tuple[float, float]:
    """Seconds of the region's bars with ``context`` bars either side, within the piece: what an audition loops."""
    first, end = region_bars(seq, spec)
    last_line = bar_count(seq) + 1
    return bar_seconds(seq, max(1, first - context)), bar_seconds(seq, min(end + context, max(last_line, end)))


@dataclass(frozen=True)
class Variation:
    """Where a variation take came from: the piece it rewrites (SEED or a take number) and the region."""

    target: Hashable
    spec: RegionSpec


@dataclass(frozen=True)
class _Request:
    """A region generation on its way: what it rewrites, and the seed open when it started."""

    target: Hashable
    spec: RegionSpec
    piece: NoteSequence
    seed: NoteSequence | None


class KeepVariation(QUndoCommand):
    """Put a variation in place of the piece it was made from; undo puts the piece back as it was.

    Both sequences are immutable values, so holding them is exact and costs no copy.
    ``apply(target, sequence, spec)`` is what really changes the window.
    """

    def __init__(self, text: str, apply: Callable[[Hashable, NoteSequence, RegionSpec], None], target: Hashable,
                 before: NoteSequence, after: NoteSequence, spec: RegionSpec):
        super().__init__(text)
        self.apply, self.target, self.before, self.after, self.spec = apply, target, before, after, spec

    def redo(self) -> None:
        self.apply(self.target, self.after, self.spec)

    def undo(self) -> None:
        self.apply(self.target, self.before, self.spec)


class RegionActions(QObject):
    """The region actions of one window, the variations they made, and Keep."""

    def __init__(self, window: MainWindow, make_action: MakeAction):
        super().__init__(window)
        self.window = window
        self._variations: dict[int, Variation] = {}  # by take number
        self._pending: _Request | None = None
        self.regenerate_action = make_action(
            "&Regenerate Selection", self.regenerate, "Ctrl+R",
            "Write the selected bars anew, leading from the music before them into the music after them")
        self.fill_action = make_action(
            "&Fill Selection", self.fill, "Ctrl+Shift+R",
            "Fill the selected bars (a gap) with new music between what comes before and what comes after")
        self.continue_action = make_action(
            "&Continue from Here", lambda: self.continue_from(), None,
            "Go on from the first selected bar (or the playhead's) for the controls' length, "
            "dropping what followed")
        self.keep_action = make_action(
            "&Keep Variation", self.keep, "Ctrl+Return",
            "Put the current variation in place of the piece it was made from (Undo brings the piece back)")
        self.audition_action = make_action(
            "&Audition Variations in Place", None, None,
            "Play a variation as its region with one bar either side, over and over")
        self.audition_action.setCheckable(True)
        self.audition_action.setChecked(True)
        for action in (self.regenerate_action, self.fill_action, self.continue_action, self.keep_action):
            action.setToolTip(action.statusTip())
        self.actions = (self.regenerate_action, self.fill_action, self.continue_action, self.keep_action)
        self._connect()
        self.update_enabled()

    def _connect(self) -> None:
        w = self.window
        w.roll.scene.barSelectionChanged.connect(lambda *_: self.update_enabled())
        w.takes_panel.current_changed.connect(self._on_current)
        w.takes.modelReset.connect(self._variations.clear)  # a new seed: its takes are new too
        w.runner.started.connect(self.update_enabled)
        w.runner.done.connect(self._on_done)
        # a scroll area takes its viewport's context menus under its own policy, at viewport positions
        w.roll.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        w.roll.view.customContextMenuRequested.connect(self._context_menu)

    # -- what the actions work on ---------------------------------------------------------
    def piece(self) -> tuple[Hashable, NoteSequence] | None:
        """The piece shown, with its target key: the current take, or else the seed (None when neither)."""
        take = self.window.current_take()
        if take is not None:
            return take.number, take.sequence
        return None if self.window.seed is None else (SEED, self.window.seed)

    def variation(self, take: Take | None) -> Variation | None:
        """Where ``take`` came from, when it is a variation of a region (None for any other take)."""
        return None if take is None else self._variations.get(take.number)

    def _from_bar(self) -> int | None:
        """The bar Continue from Here starts at without a right-click: the selection's first, or the playhead's."""
        scene = self.window.roll.scene
        selected = scene.bar_selection()
        if selected is not None:
            return selected[0]
        if scene.playhead.isVisible():
            return scene.bar_at(scene.playhead.line().x1())
        return None

    def update_enabled(self) -> None:
        idle = not self.window.runner.running
        has_piece = self.piece() is not None
        selected = self.window.roll.scene.bar_selection() is not None
        self.regenerate_action.setEnabled(idle and has_piece and selected)
        self.fill_action.setEnabled(idle and has_piece and selected)
        self.continue_action.setEnabled(idle and has_piece)  # the bar is looked for when it is asked for
        self.keep_action.setEnabled(idle and self.variation(self.window.current_take()) is not None)

    # -- the three requests -------------------------------------------------------------------
    def regenerate(self) -> bool:
        selected = self.window.roll.scene.bar_selection()
        return selected is not None and self._start(RegionSpec(*selected))

    def fill(self) -> bool:
        selected, piece = self.window.roll.scene.bar_selection(), self.piece()
        if selected is None or piece is None:
            return False
        first, end = selected
        spec = RegionSpec(first, end)
        seq = piece[1]
        if not (seq.notes["start"] >= bar_seconds(seq, end) - _EPS).any():
            show_error(self.window, "Nothing to fill towards",
                       f"Fill writes new bars between the music before and after the selection, and nothing "
                       f"comes after {spec.describe_bars()}. To go on from bar {first}, use Continue from Here.")
            return False
        return self._start(spec)

    def continue_from(self, bar: int | None = None) -> bool:
        """Continue the piece from ``bar`` (the selection's first bar, or the playhead's, when None)."""
        bar = bar if bar is not None else self._from_bar()
        if bar is None:
            show_error(self.window, "No bar to continue from",
                       "Select a bar on the ruler or right-click one in the roll (or play up to it), then "
                       "Continue from Here.")
            return False
        return self._start(RegionSpec(bar))

    def _start(self, spec: RegionSpec) -> bool:
        w, piece = self.window, self.piece()
        if piece is None or w.runner.running:
            return False
        setup = w.generation_setup()
        if setup is None:
            return False
        model_path, options = setup
        try:
            options = options.replace(region=spec)
        except RnnmusicError as exc:
            show_error(w, "Cannot generate", str(exc))
            return False
        target, seq = piece
        engine = w.engine
        request = _Request(target, spec, seq, w.seed)
        if not w.runner.start(lambda progress, cancel: engine.generate(model_path, seq, options, progress, cancel)):
            return False
        self._pending = request
        w.statusBar().showMessage(f"Writing {spec.describe_bars()} anew…")
        return True

    # -- variations -------------------------------------------------------------------------------
    def add_variations(self, generated: Generated) -> bool:
        """List the variations a region request made; False when the result is not one of this object's."""
        request, self._pending = self._pending, None
        if request is None:
            return False
        w = self.window
        if request.seed is not w.seed:
            return True  # another seed was opened meanwhile: they vary a piece that is no longer here
        spec = request.spec
        new_until = bar_seconds(request.piece, spec.end_bar) if spec.end_bar is not None else None
        made = [replace(take, new_until=new_until) for take in make_takes(generated, w.takes.next_number, w.seed_path)]
        for take in made:
            self._variations[take.number] = Variation(request.target, spec)
        first_row = w.takes.rowCount()
        w.takes.add(made)
        w.takes_panel.select_row(first_row)
        w.statusBar().showMessage(f"{len(made)} variation(s) of {spec.describe_bars()}: Play hears one in place, "
                                  "Keep (Ctrl+Return) puts it in the piece", 6000)
        return True

    def audition_range(self, take: Take | None) -> tuple[float, float] | None:
        """What Play loops for ``take``: its region with a bar either side (None: not a variation, or off)."""
        variation = self.variation(take)
        if take is None or variation is None or not self.audition_action.isChecked():
            return None
        return audition_section(take.sequence, variation.spec)

    def _on_current(self) -> None:
        take = self.window.current_take()
        variation = self.variation(take)
        if take is not None and variation is not None:
            self.window.roll.scene.set_bar_selection(*region_bars(take.sequence, variation.spec))
        self.update_enabled()

    def _on_done(self) -> None:
        self._pending = None  # failed or cancelled: nothing comes
        self.update_enabled()

    # -- keep, undo, redo ---------------------------------------------------------------------------
    def keep(self) -> bool:
        w = self.window
        take = w.current_take()
        variation = self.variation(take)
        if take is None or variation is None or w.runner.running:
            return False
        before = self._sequence_of(variation.target)
        if before is None:
            show_error(w, "Cannot keep the variation", f"The take {take.title} was made from is no longer listed.")
            return False
        text = f"Keep {take.title} ({variation.spec.describe_bars()})"
        w.undo_stack.push(KeepVariation(text, self._apply, variation.target, before, take.sequence, variation.spec))
        return True

    def _sequence_of(self, target: Hashable) -> NoteSequence | None:
        if target == SEED:
            return self.window.seed
        assert isinstance(target, int)
        take = self.window.takes.take(self.window.takes.row_of(target))
        return None if take is None else take.sequence

    def _apply(self, target: Hashable, seq: NoteSequence, spec: RegionSpec) -> None:
        """Make ``seq`` the music of ``target`` and show it there with the region's bars selected."""
        w = self.window
        w.player.stop()  # what is playing is no longer what is shown
        if target == SEED:
            w.seed = seq
            w.takes_panel.select_row(-1)
            w.show_current()
        else:
            assert isinstance(target, int)
            row = w.takes.row_of(target)
            if not w.takes.set_sequence(row, seq):
                w.statusBar().showMessage("That take is no longer listed", 4000)
                return
            w.takes_panel.select_row(row)
        w.roll.scene.set_bar_selection(*region_bars(seq, spec))
        self.update_enabled()

    # -- the roll's context menu -----------------------------------------------------------------
    def context_menu(self, bar: int) -> QMenu:
        """The roll's menu for a right-click on ``bar``: a bar outside the selection is selected first."""
        scene = self.window.roll.scene
        selected = scene.bar_selection()
        if selected is None or not selected[0] <= bar < selected[1]:
            scene.set_bar_selection(bar, bar + 1)
        menu = QMenu(self.window)
        menu.addActions([self.regenerate_action, self.fill_action])
        here = menu.addAction(f"Continue from Bar {bar}", lambda: self.continue_from(bar))
        here.setStatusTip(self.continue_action.statusTip())
        here.setEnabled(self.continue_action.isEnabled())
        menu.addSeparator()
        menu.addAction(self.keep_action)
        return menu

    def _context_menu(self, pos: QPoint) -> None:
        view = self.window.roll.view
        menu = self.context_menu(self.window.roll.scene.bar_at(view.mapToScene(pos).x()))
        menu.exec(view.viewport().mapToGlobal(pos))
        menu.deleteLater()

"""The main window: seed in, takes out. It wires panels together and holds no generation logic.

Data flows one way: the seed file and the controls make a request, the engine
(on a worker thread) makes takes, the takes model holds them, and the piano roll
and the player show whatever take is current.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path
from typing import cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QMenu, QMenuBar, QStyle, QWidget

from rnnmusic.errors import RnnmusicError
from rnnmusic.gui import dialogs
from rnnmusic.gui.controls_panel import ControlsPanel
from rnnmusic.gui.dialogs import ALL_TRACKS, choose_track, only_track, show_error
from rnnmusic.gui.engine_bridge import EngineBridge, Generated, GenerateOptions
from rnnmusic.gui.live_panel import LivePanel, PlayedTake
from rnnmusic.gui.model_panel import ModelPanel
from rnnmusic.gui.note_editing import NoteEditor
from rnnmusic.gui.pianoroll_view import PianoRoll
from rnnmusic.gui.playback import Player
from rnnmusic.gui.ports import MidiPorts
from rnnmusic.gui.region_actions import SEED, RegionActions
from rnnmusic.gui.roll_mouse import GESTURES
from rnnmusic.gui.settings import Settings
from rnnmusic.gui.takes import Take, TakesModel, live_take, make_takes
from rnnmusic.gui.takes_panel import TakesPanel
from rnnmusic.gui.train_dialog import TrainDialog
from rnnmusic.gui.transport import TransportBar
from rnnmusic.gui.workers import TaskRunner
from rnnmusic.midi.read import read_midi
from rnnmusic.midi.write import write_midi
from rnnmusic.notes import Note, NoteSequence
from rnnmusic.transforms import trim

MIDI_SUFFIXES = (".mid", ".midi", ".kar", ".smf")
MIDI_FILTER = "MIDI files (*.mid *.midi *.kar *.smf);;All files (*)"
WAV_FILTER = "WAV audio (*.wav);;All files (*)"
VELOCITY_STEP = 10


class MainWindow(QMainWindow):
    def __init__(self, engine: EngineBridge, settings: Settings, ports: MidiPorts | None = None,
                 player: Player | None = None, live_factory: Callable | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.engine, self.settings = engine, settings
        self.seed: NoteSequence | None = None
        self.seed_path: str = ""
        self._generating_for: NoteSequence | None = None  # the seed the running generation continues
        self._again_of: Take | None = None  # the take the running generation makes again, if it does
        self._play_offset = 0.0  # seconds into the take where playing began (A/B keeps the place)
        self.setWindowTitle("rnnmusic")
        self.setAcceptDrops(True)

        self.takes = TakesModel(self)
        self.runner = TaskRunner(self)
        self.ports = ports or MidiPorts(parent=self)
        self.player = player or Player(parent=self)
        self.roll = PianoRoll(self)
        self.setCentralWidget(self.roll)
        self.undo_stack = QUndoStack(self)  # the window's one: note edits and kept region variations
        self.editor = NoteEditor(self._edit_target, self._apply_edit, self.undo_stack, self)
        self.exporter = TaskRunner(self)  # WAV export has its own worker: it must not wait for a generation
        self.models = ModelPanel(engine, settings, self)
        self.controls = ControlsPanel(self)
        self.takes_panel = TakesPanel(self.takes, self)
        self.transport = TransportBar(self.ports, self.player, self)
        self.live = LivePanel(self.ports, self.models, settings, live_factory, self)
        self.addToolBar(self.transport)
        self._dock("Model", self.models, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("Controls", self.controls, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("Takes", self.takes_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.live_dock = self._dock("Live", self.live, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.seed_label = QLabel("Open a MIDI file (Ctrl+O) or drop one here.")
        self.statusBar().addWidget(self.seed_label, 1)
        self.legend = QLabel(self.roll.legend_html())
        self.statusBar().addPermanentWidget(self.legend)
        self.roll.colors_changed.connect(lambda: self.legend.setText(self.roll.legend_html()))
        self._build_actions()
        self._add_training_action()
        self._connect()
        self._restore()

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")  # saveState needs names
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    # -- actions -----------------------------------------------------------------------
    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setStatusTip(tip)
        if slot is not None:
            action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even while the menu bar is hidden
        return action

    def _build_actions(self) -> None:
        self.open_action = self._action("&Open…", self.open_dialog, QKeySequence.StandardKey.Open,
                                        "Open a seed MIDI file")
        self.save_action = self._action("&Save Take As…", self.save_dialog, QKeySequence.StandardKey.Save,
                                        "Save the current take as a MIDI file")
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.generate_action = self._action("&Generate", self.generate, "Ctrl+G", "Continue the seed with the model")
        self.cancel_action = self._action("&Cancel", self.runner.cancel, "Esc", "Stop generating")
        self.play_action = self._action("&Play / Stop", self.toggle_play, "Space", "Play the current take")
        self.zoom_in_action = self._action("Zoom &In", self.roll.zoom_in, QKeySequence.StandardKey.ZoomIn)
        self.zoom_out_action = self._action("Zoom &Out", self.roll.zoom_out, QKeySequence.StandardKey.ZoomOut)
        self.fit_action = self._action("&Fit", self.roll.fit, "Ctrl+0", "Show the whole take")
        icon = self.style().standardIcon
        self.open_action.setIcon(icon(QStyle.StandardPixmap.SP_DialogOpenButton))
        self.save_action.setIcon(icon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.generate_action.setIcon(icon(QStyle.StandardPixmap.SP_MediaSeekForward))
        self.cancel_action.setIcon(icon(QStyle.StandardPixmap.SP_DialogCancelButton))
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        file_menu.addAction(self.save_action)
        self._build_export_actions(file_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = menu.addMenu("&Edit")
        generate_menu = menu.addMenu("&Generate")
        generate_menu.addActions([self.generate_action, self.cancel_action])
        region_menu = menu.addMenu("&Region")
        play_menu = menu.addMenu("&Play")
        play_menu.addAction(self.play_action)
        self._build_loop_actions(play_menu)
        view_menu = menu.addMenu("&View")
        view_menu.addActions([self.zoom_in_action, self.zoom_out_action, self.fit_action])
        view_menu.addSeparator()
        for dock in self.findChildren(QDockWidget):
            view_menu.addAction(dock.toggleViewAction())
        self._build_help_menu(menu)
        self.transport.add_actions(self.open_action, self.generate_action, self.play_action, self.save_action)
        self._build_region_actions(edit_menu, region_menu, play_menu)
        self._build_take_actions()
        self._build_edit_actions(edit_menu)
        self._update_recent_menu()
        self._update_enabled()

    def _build_loop_actions(self, play_menu) -> None:
        """Loop playback of the bars selected on the ruler (of the whole take when none are)."""
        self.loop_action = self._action("&Loop Selected Bars", None, "Ctrl+L",
                                        "Play the bars selected on the ruler over and over")
        self.loop_action.setCheckable(True)
        self.clear_bars_action = self._action("Clear &Bar Selection", self.roll.scene.clear_bar_selection,
                                              tip="Select no bars on the ruler")
        play_menu.addSeparator()
        play_menu.addActions([self.loop_action, self.clear_bars_action])

    def _build_region_actions(self, edit_menu: QMenu, region_menu: QMenu, play_menu: QMenu) -> None:
        """Edit > Undo, Redo of the window's one undo stack, and the region actions (gui/region_actions.py)."""
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        for action, keys in ((self.undo_action, QKeySequence.StandardKey.Undo),
                             (self.redo_action, QKeySequence.StandardKey.Redo)):
            action.setShortcuts(keys)  # every binding of the platform: Redo is both Ctrl+Shift+Z and Ctrl+Y
            self.addAction(action)  # like every action here: the shortcut works with the menu bar hidden
        edit_menu.addActions([self.undo_action, self.redo_action])
        self.regions = regions = RegionActions(self, self._action)
        region_menu.addActions([regions.regenerate_action, regions.fill_action, regions.continue_action])
        region_menu.addSeparator()
        region_menu.addAction(regions.keep_action)
        play_menu.addAction(regions.audition_action)
        self.transport.addSeparator()
        self.transport.addActions([regions.regenerate_action, regions.keep_action])

    def _build_export_actions(self, file_menu: QMenu) -> None:
        self.export_wav_action = self._action("Export Take as &WAV…", self.export_wav_dialog, "Ctrl+Shift+E",
                                              "Render the current take to a WAV file with FluidSynth")
        file_menu.addAction(self.export_wav_action)

    def _build_edit_actions(self, edit_menu: QMenu) -> None:
        """Note editing after Undo/Redo: selecting, deleting, velocity and the draw tool (gui/note_editing.py)."""
        self.select_all_action = self._action("Select &All Notes", self.roll.scene.select_all,
                                              QKeySequence.StandardKey.SelectAll)
        self.delete_action = self._action("&Delete Notes", self.delete_selected, QKeySequence.StandardKey.Delete,
                                          "Delete the selected notes")
        self.delete_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Delete), QKeySequence("Backspace")])
        self.louder_action = self._action("&Louder", lambda: self.change_velocity(VELOCITY_STEP), "Ctrl+Up",
                                          f"Velocity of the selected notes up by {VELOCITY_STEP}")
        self.softer_action = self._action("&Softer", lambda: self.change_velocity(-VELOCITY_STEP), "Ctrl+Down",
                                          f"Velocity of the selected notes down by {VELOCITY_STEP}")
        self.velocity_action = self._action("Set &Velocity…", self.velocity_dialog,
                                            tip="Give the selected notes one velocity")
        self.draw_action = self._action("D&raw Notes", None, "D", "Press and drag on empty space to draw a note")
        self.draw_action.setCheckable(True)
        self.draw_action.toggled.connect(lambda on: setattr(self.roll.view, "draw_mode", on))
        edit_menu.addSeparator()
        edit_menu.addActions([self.select_all_action, self.delete_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.louder_action, self.softer_action, self.velocity_action])
        edit_menu.addSeparator()
        edit_menu.addAction(self.draw_action)
        self.roll.scene.selectionChanged.connect(self._update_edit_enabled)
        self._update_edit_enabled()

    def _build_help_menu(self, menu: QMenuBar) -> None:
        self.shortcuts_action = self._action("&Keyboard Shortcuts", self.show_shortcuts,
                                             QKeySequence.StandardKey.HelpContents)
        self.docs_action = self._action("&Documentation", lambda: dialogs.show_documentation(self),
                                        tip="Where the guide and the reference are")
        self.about_action = self._action("&About rnnmusic", lambda: dialogs.show_about(self))
        help_menu = menu.addMenu("&Help")
        help_menu.addActions([self.shortcuts_action, self.docs_action, self.about_action])

    def shortcut_dialog(self) -> dialogs.ShortcutsDialog:
        return dialogs.ShortcutsDialog(self.actions(), GESTURES, self)

    def show_shortcuts(self) -> None:
        self.shortcut_dialog().exec()

    def loop_range(self, seq: NoteSequence) -> tuple[float, float] | None:
        """The section Play loops: a region variation's bars with a bar either side (while auditioning), the
        selected bars, or the whole of ``seq``; None when looping is off."""
        audition = self.regions.audition_range(self.current_take())
        if audition is not None:
            return audition
        if not self.loop_action.isChecked():
            return None
        return self.roll.scene.bar_selection_seconds() or (0.0, max(seq.total_time, 1e-3))

    def _add_training_action(self) -> None:
        """File > Train a Model…: a modeless dialog; the model it exports joins the model list, chosen."""
        self.train_dialog: TrainDialog | None = None
        self.train_action = self._action("&Train a Model…", self.show_train_dialog,
                                         tip="Train a model of your own on a folder of MIDI files")
        for menu in self.menuBar().findChildren(QMenu):
            if self.quit_action in menu.actions():
                menu.insertAction(self.quit_action, self.train_action)
                menu.insertSeparator(self.quit_action)

    def show_train_dialog(self) -> TrainDialog:
        if self.train_dialog is None:
            self.train_dialog = TrainDialog(self)
            self.train_dialog.model_exported.connect(
                lambda path: (self.models.reload(), self.models.select_path(path)))
        self.train_dialog.show()
        self.train_dialog.raise_()
        return self.train_dialog

    def _connect(self) -> None:
        self.controls.generate_requested.connect(self.generate)
        self.controls.cancel_requested.connect(self.runner.cancel)
        self.runner.started.connect(lambda: self._set_busy(True))
        self.runner.progress.connect(self.controls.set_progress)
        self.runner.partial.connect(self._on_notes)
        self.runner.finished.connect(self._on_generated)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.done.connect(lambda: self._set_busy(False))
        self.takes_panel.current_changed.connect(self.show_current)
        self.takes.dataChanged.connect(lambda *_: self.show_current())
        self.takes_panel.save_requested.connect(self.save_dialog)
        self.player.position.connect(lambda seconds: self.roll.set_playhead(seconds + self._play_offset))
        self.player.playing_changed.connect(self._on_playing)
        self.player.failed.connect(lambda message: show_error(self, "Cannot play", message))
        self.ports.changed.connect(lambda: setattr(self.player, "api", self.ports.api))
        self.live.seed_provider = lambda: self.seed
        self.live.controls_provider = self.controls.values
        self._connect_takes_and_live()
        self._connect_editing()

    def _connect_editing(self) -> None:
        view = self.roll.view
        view.notes_move_requested.connect(self.editor.move)
        view.notes_resize_requested.connect(self.editor.resize)
        view.note_draw_requested.connect(self.editor.draw)
        self.exporter.finished.connect(lambda path: self.statusBar().showMessage(f"Exported {path}", 4000))
        self.exporter.failed.connect(lambda message: show_error(self, "Cannot export", message))

    # -- seed --------------------------------------------------------------------------
    def open_dialog(self) -> None:
        start = self.settings.get_str("files/last_dir", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, "Open a seed", start, MIDI_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        """Read a seed (asking for a track when it has several); a bad file gets a dialog and changes nothing."""
        try:
            seq = read_midi(path)
        except RnnmusicError as exc:
            show_error(self, "Cannot open MIDI file", str(exc))
            return False
        track = choose_track(self, seq)
        if track is None:
            return False
        tracks_with_notes = len(set(seq.notes["track"].tolist()))
        one_track = track != ALL_TRACKS and tracks_with_notes > 1
        self.set_seed(only_track(seq, track) if one_track else seq, str(path))
        self.settings.set_value("files/last_dir", str(Path(path).resolve().parent))
        self.settings.add_recent_file(path)
        self._update_recent_menu()
        return True

    def set_seed(self, seq: NoteSequence | None, path: str = "") -> None:
        self.player.stop()
        self.runner.cancel()  # takes of the old seed must not land among the new seed's
        self.seed, self.seed_path = seq, path
        self.takes.clear()
        self.undo_stack.clear()  # what was done to the old seed cannot be undone into the new one
        self.roll.scene.clear_bar_selection()  # bars of the old seed mean nothing in the new one
        self.live.set_seed(seq)
        fitted = self.models.fit_to(seq) if seq is not None else None
        if fitted is not None:
            self.statusBar().showMessage(f"Model {fitted.name} chosen: it fits this music", 6000)
        self.show_current()
        self.roll.fit()
        if seq is not None:
            self._describe_seed()
            self.setWindowTitle(f"{Path(path).name} — rnnmusic")
        self._update_enabled()

    def _describe_seed(self) -> None:
        seq = self.seed
        if seq is None:
            return
        meter = seq.time_signatures[0]
        name = Path(self.seed_path).name if self.seed_path else "Drawn seed"
        self.seed_label.setText(f"{name}: {len(seq)} notes, {seq.total_time:.1f} s, "
                                f"{seq.qpm:.0f} BPM, {meter.numerator}/{meter.denominator}")

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_files()
        for path in recent:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_file(p))
        if recent:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear Menu", self._clear_recent)
        self.recent_menu.setEnabled(bool(recent))

    def _clear_recent(self) -> None:
        self.settings.clear_recent_files()
        self._update_recent_menu()

    # -- generating -----------------------------------------------------------------------
    def generation_setup(self) -> tuple[Path, GenerateOptions] | None:
        """The chosen model's file and the controls' options for the next take; None, after saying why, when
        either is missing or wrong."""
        entry = self.models.current()
        if entry is None:
            show_error(self, "No model", "Choose a model first, or add an .onnx file with Add….")
            return None
        try:
            return entry.path, self.controls.values_for_next_take().to_options()
        except RnnmusicError as exc:
            show_error(self, "Cannot generate", str(exc))
            return None

    def generate(self) -> None:
        if self.runner.running:
            return
        setup = self.generation_setup()
        if setup is None:
            return
        path, options = setup
        seed, engine, partial = self.seed, self.engine, self.runner.partial.emit
        if self.runner.start(lambda progress, cancel: engine.generate(path, seed, options, progress, cancel, partial)):
            self._generating_for, self._again_of = seed, None
            self.roll.set_content(seed)  # the new take grows on the seed while it is made

    def _on_generated(self, generated: Generated) -> None:
        if self.regions.add_variations(generated):
            return  # a region's variations: the region actions list them
        if self._generating_for is not self.seed:
            return  # finished just as another seed was opened: it belongs to no take list now
        again, self._again_of = self._again_of, None
        variations = None if again is None else [again.record.variation]
        made = make_takes(generated, self.takes.next_number, self.seed_path, variations)
        first_row = self.takes.rowCount()
        self.takes.add(made)
        self.takes_panel.select_row(first_row)
        self.roll.follow_take(generated.takes.continuation_start)
        if again is None:
            self.statusBar().showMessage(f"{len(made)} new take(s) from {generated.model_name}", 4000)
        elif generated.model_hash != again.record.model_hash:
            show_error(self, "Made again with a changed model", f"The model file {generated.model_path} has "
                       f"changed since {again.title} was made, so {made[0].title} may not sound the same.")
        else:
            self.statusBar().showMessage(f"{made[0].title} is {again.title} made again", 4000)

    def _on_notes(self, notes) -> None:
        if self._generating_for is self.seed:
            self.roll.add_preview(notes)

    def _on_failed(self, message: str) -> None:
        self.show_current()
        show_error(self, "Generation failed", message)

    def _on_cancelled(self) -> None:
        self.show_current()  # the unfinished take is not kept
        self.statusBar().showMessage("Generation cancelled", 4000)

    def _set_busy(self, busy: bool) -> None:
        self.controls.set_busy(busy)
        self.generate_action.setEnabled(not busy)
        self.cancel_action.setEnabled(busy)

    # -- showing and playing ----------------------------------------------------------------
    def current_take(self) -> Take | None:
        return self.takes_panel.current_take()

    def show_current(self) -> None:
        take = self.current_take()
        if take is None:
            self.roll.set_content(self.seed)
        else:
            compare = [t.generated_part for t in self.takes.compared(excluding=take)]
            self.roll.set_content(take.seed_part, take.generated_part, compare, take.continuation_start)
        self._update_enabled()

    def toggle_play(self) -> None:
        if self.player.playing:
            self.player.stop()
            return
        take = self.current_take()
        self._play_from(take.sequence if take is not None else self.seed, 0.0)

    def _play_from(self, seq: NoteSequence | None, seconds: float) -> None:
        """Play ``seq`` from ``seconds`` on (the playhead shows the place in the whole take)."""
        if seq is None:
            return
        loop = self.loop_range(seq)  # a loop plays its bars from their start; otherwise go on from ``seconds``
        self._play_offset = seconds if loop is None and 0.0 < seconds < seq.total_time else 0.0
        part = trim(seq, self._play_offset, seq.total_time) if self._play_offset else seq
        self.player.play(part, self.transport.target(), loop)

    def _on_playing(self, playing: bool) -> None:
        self.transport.set_playing(playing)
        if not playing:
            self.roll.set_playhead(None)

    # -- takes: make again, A/B, takes played live ----------------------------------------------
    def _build_take_actions(self) -> None:
        self.again_action = self._action("Make &Again", lambda: self.make_again(self.current_take()),
                                         "Ctrl+Shift+G", "Make the current take again from its record")
        self.ab_action = self._action("&A/B", self.switch_ab, "Ctrl+B",
                                      "Switch to the take shown before this one, at the same place")

    def _connect_takes_and_live(self) -> None:
        self.takes_panel.make_again_requested.connect(self.make_again)
        self.takes_panel.ab_requested.connect(self.switch_ab)
        self.live.running_changed.connect(self._on_live_running)
        self.live.notes_played.connect(self.roll.add_preview)
        self.live.keep_requested.connect(self.keep_live_take)

    def make_again(self, take: Take | None) -> None:
        """Generate the take again from its record: the same model file, options, random seed and variation."""
        if take is None or not take.can_make_again or self.runner.running:
            return
        seed, engine, path, options = self.seed, self.engine, take.model_path, take.options
        if self.runner.start(lambda progress, cancel: engine.generate(path, seed, options, progress, cancel)):
            self._generating_for, self._again_of = seed, take

    def switch_ab(self) -> None:
        """Show the take that was current before this one; while playing, go on from the same place in it."""
        row = self.takes_panel.other_row()
        if row < 0:
            return
        place = self._play_offset + self.player.elapsed() if self.player.playing else None
        self.takes_panel.select_row(row)
        take = self.current_take()
        if place is not None and take is not None:
            self._play_from(take.sequence, place)

    def _on_live_running(self, running: bool) -> None:
        if running:
            self.player.stop()
            self.roll.set_content(self.seed)  # the notes played live are drawn after the seed as they come

    def keep_live_take(self, played: PlayedTake) -> None:
        session = played.session
        record = getattr(session, "record", None)
        if record is None:
            show_error(self, "Cannot keep the live take", "This live run did not record how it was made.")
            return
        take = live_take(self.takes.next_number(), played.sequence, played.continuation_start, record,
                         record.options.key, getattr(session, "model_path", ""))
        row = self.takes.rowCount()
        self.takes.add([take])
        self.takes_panel.select_row(row)
        self.statusBar().showMessage(f"{take.title}: {len(take.generated_part)} notes played live", 4000)

    # -- editing -------------------------------------------------------------------------------
    def _edit_target(self) -> tuple[Hashable, NoteSequence] | None:
        """What an edit changes: the take on screen, else the seed (an empty one to draw into if none is open);
        nothing while a take is being generated, as the roll then shows the take growing, not the current one."""
        if self.runner.running:
            return None
        take = self.current_take()
        if take is not None:
            return take.number, take.sequence
        return SEED, self.seed if self.seed is not None else NoteSequence()

    def _apply_edit(self, target: Hashable, seq: NoteSequence, selected: list[Note]) -> None:
        """Show ``seq`` as the notes of ``target`` (called by the undo stack for every edit, undo and redo)."""
        if target == SEED:
            if self._generating_for is self.seed:
                self._generating_for = seq  # a take on the way continues what the seed was: keep it
            self.seed = seq
            self._describe_seed()
            if self.current_take() is not None:  # undoing a seed edit while a take is shown: show the seed
                self.takes_panel.select_row(-1)
            self.show_current()
        else:
            number = cast(int, target)
            row = self.takes.row_of(number)
            self.takes.set_sequence(row, seq)  # the model redraws the take if it is shown
            shown = self.current_take()
            if shown is None or shown.number != number:
                self.takes_panel.select_row(row)  # undo brings the take it changes back on screen
        self.roll.scene.select_notes(selected)

    def delete_selected(self) -> None:
        self.editor.delete(self.roll.scene.selected_notes())

    def change_velocity(self, change: int) -> None:
        self.editor.change_velocity(self.roll.scene.selected_notes(), change)

    def velocity_dialog(self) -> None:
        notes = self.roll.scene.selected_notes()
        if not notes:
            return
        velocity = dialogs.ask_velocity(self, round(sum(n.velocity for n in notes) / len(notes)))
        if velocity is not None:
            self.editor.set_velocity(notes, velocity)

    def _update_edit_enabled(self) -> None:
        has_selection = bool(self.roll.scene.selected_notes())
        for action in (self.delete_action, self.louder_action, self.softer_action, self.velocity_action):
            action.setEnabled(has_selection)

    # -- exporting -----------------------------------------------------------------------------
    def export_wav_dialog(self) -> None:
        take = self.current_take()
        if take is None:
            return
        folder = self.settings.get_str("files/save_dir", self.settings.get_str("files/last_dir", str(Path.home())))
        suggested = Path(folder) / Path(take.file_name()).with_suffix(".wav").name
        path, _ = QFileDialog.getSaveFileName(self, "Export take as WAV", str(suggested), WAV_FILTER)
        if path:
            self.export_wav(take, path)

    def export_wav(self, take: Take, path: str | Path) -> bool:
        """Render ``take`` to ``path`` (.wav added when missing) off the GUI thread; False if an export is running."""
        from rnnmusic.gui.audio_preview import export_wav

        path = Path(path)
        if path.suffix.lower() != ".wav":
            path = path.with_suffix(".wav")
        seq = take.sequence
        return self.exporter.start(lambda _progress, _cancel: export_wav(seq, path))

    # -- saving ------------------------------------------------------------------------------
    def save_dialog(self) -> None:
        take = self.current_take()
        if take is None:
            return
        folder = self.settings.get_str("files/save_dir", self.settings.get_str("files/last_dir", str(Path.home())))
        path, _ = QFileDialog.getSaveFileName(self, "Save take", str(Path(folder) / take.file_name()), MIDI_FILTER)
        if path:
            self.save_take(take, path)

    def save_take(self, take: Take, path: str | Path) -> bool:
        path = Path(path)
        if path.suffix.lower() not in MIDI_SUFFIXES:
            path = path.with_suffix(".mid")
        try:
            write_midi(take.sequence, path, text_events=[take.provenance] if take.provenance else [])
        except RnnmusicError as exc:
            show_error(self, "Cannot save", str(exc))
            return False
        self.settings.set_value("files/save_dir", str(path.parent))
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def _update_enabled(self) -> None:
        has_take = self.current_take() is not None
        self.save_action.setEnabled(has_take)
        self.export_wav_action.setEnabled(has_take)
        self.play_action.setEnabled(has_take or self.seed is not None)

    # -- drag and drop in ---------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_file(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_file(event.mimeData())
        if path is None:
            return
        event.acceptProposedAction()
        if path.suffix.lower() == ".onnx":
            self.models.add_file(path)
        else:
            self.open_file(path)

    # -- settings ------------------------------------------------------------------------------
    def _restore(self) -> None:
        geometry, state = self.settings.get_bytes("window/geometry"), self.settings.get_bytes("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 760)
        if state is not None:
            self.restoreState(state)
        else:
            self._default_layout()
        self.controls.restore(self.settings)
        self.models.reload()
        self.transport.restore(self.settings)
        self.ports.set_api(self.live.api.currentData())  # lists the ports once, for every port menu

    def _default_layout(self) -> None:
        """The first look is seed, model and takes (the live panel is for later), with the docks as narrow as
        they go so the piano roll gets most of the window."""
        self.live_dock.hide()
        for area in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea):
            docks = [d for d in self.findChildren(QDockWidget) if self.dockWidgetArea(d) == area and not d.isHidden()]
            if docks:
                width = max(d.minimumSizeHint().width() for d in docks)
                self.resizeDocks(docks[:1], [width], Qt.Orientation.Horizontal)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.player.stop()
        self.live.shutdown()
        self.runner.cancel()
        self.runner.wait(10_000)
        self.exporter.wait(60_000)  # a WAV being written is finished, not left as a temporary file
        self.settings.set_value("window/geometry", self.saveGeometry())
        self.settings.set_value("window/state", self.saveState())
        self.controls.save(self.settings)
        self.transport.save(self.settings)
        self.live.save()
        self.settings.sync()
        self.takes.cleanup()
        super().closeEvent(event)


def _dropped_file(mime) -> Path | None:
    """The first local MIDI or .onnx file among dropped URLs."""
    for url in mime.urls() if mime.hasUrls() else []:
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            if path.suffix.lower() in MIDI_SUFFIXES + (".onnx",):
                return path
    return None

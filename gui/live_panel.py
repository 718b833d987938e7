"""The live panel: stream generated MIDI into a DAW, with the same LiveEngine `rnnmusic live` runs.

The panel gathers the settings into a :class:`LiveRequest` and hands it to a
factory (by default :func:`rnnmusic.gui.live_session.start_live`, which builds the
engine the way the CLI does). While the engine plays, a timer shows its bar, beat,
tempo and clock (the same words `rnnmusic live` prints) and hands the notes that
were really played to the window, which draws them in the piano roll; after a run,
Keep as take turns them into a take. The engine's own threads do the timing, so
nothing here is real-time. The meter is the seed's unless another is chosen, and
only the MIDI systems of this platform are offered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from rnnmusic.engine.options import DEFAULT_TEMPERATURE
from rnnmusic.errors import RnnmusicError
from rnnmusic.gui.dialogs import show_error
from rnnmusic.gui.ports import MidiPorts, api_label, api_names, app_message, choose, chosen, default_api, port_choices
from rnnmusic.gui.settings import Settings
from rnnmusic.live.recording import LivePlacement
from rnnmusic.live.status import live_status
from rnnmusic.notes import Note, NoteSequence

if TYPE_CHECKING:
    from rnnmusic.gui.controls_panel import ControlValues
    from rnnmusic.gui.model_panel import ModelPanel

VIRTUAL = ""  # combo data of "create a virtual port", which is what `rnnmusic live` does without --out
CLOCKS = (("internal", "Internal (BPM below)"), ("midi", "MIDI clock from the input port"))
MODES = (("continuous", "Continuous"), ("call-response", "Call and response"))
METERS = ("4/4", "3/4", "2/4", "6/8", "5/4", "7/8")
SEED_METER = ""  # combo data of "the seed's meter" (None in the request: the clock takes the seed's)
DISPLAY_MS = 50


@dataclass(frozen=True)
class LiveRequest:
    """Everything needed to start live play; mirrors the options of `rnnmusic live`."""

    model: str  # path of the model file
    output: str | None  # port name, or None for a virtual port
    input: str | None
    api: str | None
    clock: str  # "internal" | "midi"
    bpm: float
    meter: str | None  # "3/4", or None for the seed's (4/4 without a seed)
    mode: str
    temperature: float
    top_p: float | None
    key: str | None
    seed: object = None  # the current seed NoteSequence, to prime the model with
    repetition: float | None = None  # None: the model's own default
    new_bars: int = 4  # bars a "New bars" press writes again, from the next bar line


@dataclass(frozen=True)
class PlayedTake:
    """What a run played, made ready to keep as a take: the seed and the live notes after it."""

    sequence: NoteSequence
    continuation_start: float  # seconds where the live notes begin
    session: object  # the LiveSession that played it (its model and options make the take's record)


class LivePanel(QWidget):
    running_changed = Signal(bool)
    notes_played = Signal(list)  # notes just played (Note, seconds of the take), to draw as they come
    keep_requested = Signal(object)  # a PlayedTake

    def __init__(self, ports: MidiPorts, models: ModelPanel, settings: Settings, factory: Callable | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.ports, self.models, self.settings = ports, models, settings
        self.factory = factory
        self.engine = None
        self.seed_provider: Callable[[], object] = lambda: None
        self.controls_provider: Callable[[], ControlValues] | None = None

        self.api = QComboBox(self)
        for name in api_names():
            self.api.addItem(api_label(name), name)
        self.api.setCurrentIndex(max(self.api.findData(default_api()), 0))
        self.api.setToolTip("The MIDI system (JACK reaches DAWs on Linux that use it)")
        self.output = QComboBox(self)
        self.output.setModel(port_choices(ports.outputs, [("New virtual port “rnnmusic”", VIRTUAL)], self))
        self.input = QComboBox(self)
        self.input.setModel(port_choices(ports.inputs, [("None", VIRTUAL)], self))
        self._wanted_out = settings.get_str("live/output")
        self._wanted_in = settings.get_str("live/input")
        self.output.activated.connect(lambda _row: setattr(self, "_wanted_out", chosen(self.output)))
        self.input.activated.connect(lambda _row: setattr(self, "_wanted_in", chosen(self.input)))
        self.clock = QComboBox(self)
        for value, label in CLOCKS:
            self.clock.addItem(label, value)
        self.bpm = QDoubleSpinBox(self, minimum=20.0, maximum=300.0, value=120.0, decimals=1, suffix=" BPM")
        self.meter = QComboBox(self)
        self.meter.addItem("The seed's", SEED_METER)
        for meter in METERS:
            self.meter.addItem(meter, meter)
        self.meter.setToolTip("Beats in a bar; the seed's own meter unless you choose another")
        self.mode = QComboBox(self)
        for value, label in MODES:
            self.mode.addItem(label, value)
        self.start_button = QPushButton("Start", self)
        self.start_button.setCheckable(True)
        self.start_button.clicked.connect(self.toggle)
        self.panic_button = QPushButton("Panic", self)
        self.panic_button.setToolTip("End every sounding note now (All Notes Off)")
        self.panic_button.clicked.connect(self.panic)
        self.display = QLabel("stopped", self)
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.display.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.display.setFont(font)
        self.display.setMinimumWidth(260)
        self.new_bars_button = QPushButton("&New bars", self)
        self.new_bars_button.setToolTip("Write the next bars again from the next bar line, while playing; what "
                                        "has been heard stays as it was (Alt+N; a MIDI controller can do it too)")
        self.new_bars_button.clicked.connect(self.new_bars)
        self.new_bars_count = QSpinBox(self, minimum=1, maximum=64, value=4, suffix=" bars")
        self.new_bars_count.setToolTip("How many bars a New bars press writes again")
        self.keep_button = QPushButton("Keep as take", self)
        self.keep_button.setToolTip("Add what was played live to the takes, after the seed")
        self.keep_button.clicked.connect(self.keep)
        self._played: list[Note] = []  # the run's notes in beats, as the recorder gave them
        self._placement: LivePlacement | None = None
        self._session = None  # the last run's session, for the take's record

        self.problem = QLabel(self)  # why the ports cannot be listed, when they cannot
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: palette(link)")
        ports_form = QFormLayout()
        ports_form.addRow("MIDI system", self.api)
        ports_form.addRow("Send to", self.output)
        ports_form.addRow("Listen to", self.input)
        ports_form.addRow(self.problem)
        timing_form = QFormLayout()
        timing_form.addRow("Clock", self.clock)
        timing_form.addRow("Tempo", self.bpm)
        timing_form.addRow("Meter", self.meter)
        timing_form.addRow("Mode", self.mode)
        buttons = QVBoxLayout()
        buttons.addWidget(self.display)
        row = QHBoxLayout()
        row.addWidget(self.start_button)
        row.addWidget(self.panic_button)
        buttons.addLayout(row)
        again = QHBoxLayout()
        again.addWidget(self.new_bars_button)
        again.addWidget(self.new_bars_count)
        buttons.addLayout(again)
        buttons.addWidget(self.keep_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(ports_form, 3)
        layout.addSpacing(12)
        layout.addLayout(timing_form, 2)
        layout.addSpacing(12)
        layout.addLayout(buttons, 2)

        self.timer = QTimer(self)
        self.timer.setInterval(DISPLAY_MS)
        self.timer.timeout.connect(self._tick)
        ports.changed.connect(self._on_ports)
        self.clock.currentIndexChanged.connect(self._update_enabled)
        self.mode.currentIndexChanged.connect(self._update_enabled)
        self._restore()
        self.api.currentIndexChanged.connect(lambda _i: ports.set_api(self.api.currentData()))
        self._on_ports()
        self._update_enabled()

    # -- ports ---------------------------------------------------------------------------
    def _on_ports(self) -> None:
        # a refresh may drop and re-add the chosen ports: put the choice back when its port is there
        if not choose(self.output, self._wanted_out):
            self.output.setCurrentIndex(0)
        if not choose(self.input, self._wanted_in):
            self.input.setCurrentIndex(0)
        self.problem.setText(self.ports.problem)
        self.problem.setVisible(bool(self.ports.problem))

    def _update_enabled(self, *_args) -> None:
        running = self.engine is not None
        for widget in (self.api, self.output, self.input, self.clock, self.mode, self.meter):
            widget.setEnabled(not running)
        self.bpm.setEnabled(not running and self.clock.currentData() == "internal")
        self.panic_button.setEnabled(running)
        self.new_bars_button.setEnabled(running)
        self.new_bars_count.setEnabled(not running)
        self.keep_button.setEnabled(not running and bool(self._played))
        self.start_button.setChecked(running)
        self.start_button.setText("Stop" if running else "Start")

    # -- start and stop -------------------------------------------------------------------
    def request(self) -> LiveRequest:
        entry = self.models.current()
        if entry is None:
            raise RnnmusicError("choose a model first")
        values = self.controls_provider() if self.controls_provider else None
        return LiveRequest(
            model=str(entry.path),
            output=chosen(self.output) or None,
            input=chosen(self.input) or None,
            api=self.api.currentData(),
            clock=self.clock.currentData(),
            bpm=self.bpm.value(),
            meter=self.meter.currentData() or None,
            mode=self.mode.currentData(),
            temperature=values.temperature if values else DEFAULT_TEMPERATURE,
            top_p=(values.top_p if values.top_p < 1.0 else None) if values else None,
            key=values.key if values else None,
            seed=self.seed_provider(),
            repetition=values.repetition if values else None,
            new_bars=self.new_bars_count.value(),
        )

    def toggle(self) -> None:
        if self.engine is None:
            self.start()
        else:
            self.stop()

    def start(self) -> bool:
        if self.engine is not None:
            return True
        try:
            if self.factory is None:
                from rnnmusic.gui.live_session import start_live as factory
            else:
                factory = self.factory
            request = self.request()
            self.engine = engine = factory(request)
        except RnnmusicError as exc:
            self.engine = None
            self._update_enabled()
            show_error(self, "Cannot start live play", app_message(exc))
            return False
        meter = engine.clock.meter
        self._played, self._session = [], engine
        self._placement = LivePlacement(request.seed if isinstance(request.seed, NoteSequence) else None,
                                        meter.beats_per_bar, request.bpm, (meter.numerator, meter.denominator))
        self.timer.start()
        self._update_enabled()
        self.running_changed.emit(True)
        return True

    def stop(self) -> None:
        engine, self.engine = self.engine, None
        self.timer.stop()
        if engine is not None:
            engine.stop()
            self._collect(engine)  # the stop ended every note: the last ones are finished now
        self.display.setText("stopped")
        self._update_enabled()
        self.running_changed.emit(False)

    def panic(self) -> None:
        if self.engine is not None:
            self.engine.panic()

    def new_bars(self) -> None:
        """The live engine writes the next bars again from the next bar line (what was sent stays)."""
        if self.engine is not None:
            self.engine.regenerate()

    def played_take(self) -> PlayedTake | None:
        """The last run's notes after the seed, or None when nothing was played."""
        if not self._played or self._placement is None:
            return None
        return PlayedTake(self._placement.take(self._played), self._placement.continuation_start, self._session)

    def keep(self) -> None:
        played = self.played_take()
        if played is not None and self.engine is None:
            self.keep_requested.emit(played)
            self._played = []  # kept once: a second press would only make a copy
            self._update_enabled()

    def _collect(self, engine) -> None:
        recording = getattr(engine, "recording", None)
        if recording is None or self._placement is None:
            return
        fresh = recording.new_notes()
        if fresh:
            self._played.extend(fresh)
            self.notes_played.emit(self._placement.place(fresh))

    def shutdown(self) -> None:
        if self.engine is not None:
            self.stop()

    def _tick(self) -> None:
        engine = self.engine
        if engine is None:
            return
        if engine.stopped:  # it stopped itself: a lost port, a generation error
            failure = engine.failure
            self.stop()
            if failure is not None:
                message = app_message(failure) if isinstance(failure, RnnmusicError) else str(failure)
                show_error(self, "Live play stopped", message)
            return
        self._collect(engine)
        self.display.setText(self.position_text(engine))

    @staticmethod
    def position_text(engine) -> str:
        """"bar 3 · beat 2 · 120.0 BPM" from the engine's clock, as `rnnmusic live` shows it."""
        return live_status(engine.clock, engine.beat()).text()

    def set_seed(self, seed: NoteSequence | None) -> None:
        """Name the seed's meter in the meter menu (what "The seed's" plays)."""
        first = seed.time_signatures[0] if seed is not None else None
        self.meter.setItemText(0, f"The seed's ({first.numerator}/{first.denominator})" if first else "The seed's")
        if self.engine is None:  # what the last run played followed the old seed: it is no take of this one
            self._played = []
            self._update_enabled()

    # -- settings --------------------------------------------------------------------------
    def _restore(self) -> None:
        s = self.settings
        self.api.setCurrentIndex(max(self.api.findData(s.get_str("midi/api", default_api())), 0))
        self.clock.setCurrentIndex(max(self.clock.findData(s.get_str("live/clock", "internal")), 0))
        self.mode.setCurrentIndex(max(self.mode.findData(s.get_str("live/mode", "continuous")), 0))
        self.bpm.setValue(s.get_float("live/bpm", 120.0))
        self.meter.setCurrentIndex(max(self.meter.findData(s.get_str("live/meter", SEED_METER)), 0))
        self.new_bars_count.setValue(s.get_int("live/new_bars", 4))

    def save(self) -> None:
        s = self.settings
        s.set_value("midi/api", self.api.currentData())
        s.set_value("live/output", self._wanted_out)
        s.set_value("live/input", self._wanted_in)
        s.set_value("live/clock", self.clock.currentData())
        s.set_value("live/mode", self.mode.currentData())
        s.set_value("live/bpm", self.bpm.value())
        s.set_value("live/meter", self.meter.currentData())
        s.set_value("live/new_bars", self.new_bars_count.value())

"""Generation controls: length, temperature, top-p, variations, random seed (lockable), key.

The panel only collects values (:class:`ControlValues`) and shows progress; the
window turns the values into the engine's options. An unlocked random seed is
redrawn for every Generate and shown, so a take the user likes can be locked
and made again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from rnnmusic.engine import GenerateOptions
from rnnmusic.engine.options import DEFAULT_TEMPERATURE, DEFAULT_TOP_P
from rnnmusic.errors import ConfigError
from rnnmusic.gui.settings import Settings
from rnnmusic.midi.names import key_name, parse_key

MAX_SEED = 2**31 - 1
MODEL_OWN = -0.05  # the repetition box's "Model's own" (None in the options)


def _own_or(value: float) -> float | None:
    return None if value < 0 else value
MAX_BARS = 512
SCALES = ("major", "minor")


@dataclass(frozen=True)
class ControlValues:
    bars: int = 8
    temperature: float = DEFAULT_TEMPERATURE
    top_p: float = 1.0 if DEFAULT_TOP_P is None else DEFAULT_TOP_P  # 1.0 is "off"
    variations: int = 1
    seed: int = 0
    seed_locked: bool = False
    key: str | None = None  # "C major", "A minor", "auto" (the seed's), or None for no key constraint
    repetition: float | None = None  # None: the model's own default

    def to_options(self) -> GenerateOptions:
        """The engine's options for these values (ConfigError for a combination it refuses)."""
        return GenerateOptions(bars=float(self.bars), temperature=self.temperature,
                               top_p=self.top_p if self.top_p < 1.0 else None,  # 1.0 means "off"
                               num=self.variations, seed=self.seed, key=self.key, repetition=self.repetition)


def key_names() -> list[str]:
    """The 24 keys as the key menu lists them: the major keys from C, then the minor keys."""
    return [key_name(tonic, scale == "minor") for scale in SCALES for tonic in range(12)]


def _menu_key(key: str) -> str:
    """A saved key as the menu spells it: settings from older versions hold "A# major" or "F#:minor"."""
    try:
        return key if key == "auto" else key_name(*parse_key(key))
    except ConfigError:
        return key  # no key at all: the menu finds nothing and shows "Any key"


class ControlsPanel(QWidget):
    """The generation settings plus the Generate button, a progress bar and Cancel."""

    generate_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.bars = QSpinBox(minimum=1, maximum=MAX_BARS, value=8, suffix=" bars")
        self.bars.setToolTip("How long the continuation is")
        self.temperature = QDoubleSpinBox(minimum=0.05, maximum=3.0, singleStep=0.05, value=DEFAULT_TEMPERATURE,
                                          decimals=2)
        self.temperature.setToolTip("Below 1: safer, more repetitive; above 1: more surprising")
        self.top_p = QDoubleSpinBox(minimum=0.05, maximum=1.0, singleStep=0.01, value=ControlValues.top_p, decimals=2)
        self.top_p.setToolTip("Leave out unlikely notes: lower keeps only the model's likeliest choices at each "
                              "step, which together make up this share of its confidence (1 = off)")
        # the value just below 0 reads "Model's own": the default each model file carries
        self.repetition = QDoubleSpinBox(minimum=MODEL_OWN, maximum=1.0, singleStep=0.05, value=MODEL_OWN, decimals=2)
        self.repetition.setSpecialValueText("Model's own")
        self.repetition.setToolTip("How often bars come back: 0 always something new, 1 repeat whenever the "
                                   "music allows; the middle plays as the model learned from its tunes")
        self.variations = QSpinBox(minimum=1, maximum=16, value=1)
        self.variations.setToolTip("How many takes one Generate makes")
        self.seed = QSpinBox(minimum=0, maximum=MAX_SEED, value=random.randint(0, 99999))
        self.seed.setToolTip("Random seed: the same seed and settings make the same take")
        self.seed_lock = QCheckBox("Lock")
        self.seed_lock.setToolTip("Keep this seed; unlocked, every Generate draws a new one")
        self.dice = QPushButton("New")
        self.dice.setToolTip("Draw a new random seed")
        self.dice.clicked.connect(self.new_seed)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.seed_lock)
        seed_row.addWidget(self.dice)
        self.key = QComboBox()
        self.key.addItem("Any key", None)
        self.key.addItem("The seed's key", "auto")  # the engine estimates it from the seed's notes
        for name in key_names():
            self.key.addItem(name, name)
        self.key.setToolTip("Keep generated notes in this key")

        form = QFormLayout()
        form.addRow("Length", self.bars)
        form.addRow("Temperature", self.temperature)
        form.addRow("Top-p", self.top_p)
        form.addRow("Repetition", self.repetition)
        form.addRow("Variations", self.variations)
        form.addRow("Random seed", seed_row)
        form.addRow("Key", self.key)

        self.generate_button = QPushButton("Generate")
        self.generate_button.setDefault(True)
        self.generate_button.clicked.connect(self.generate_requested)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.progress = QProgressBar(minimum=0, maximum=1000, value=0, textVisible=False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button, 1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        self.set_busy(False)

    # -- values ----------------------------------------------------------------
    def values(self) -> ControlValues:
        return ControlValues(
            bars=self.bars.value(),
            temperature=round(self.temperature.value(), 2),
            top_p=round(self.top_p.value(), 2),
            variations=self.variations.value(),
            seed=self.seed.value(),
            seed_locked=self.seed_lock.isChecked(),
            key=self.key.currentData(),
            repetition=None if self.repetition.value() < 0 else round(self.repetition.value(), 2),
        )

    def set_values(self, values: ControlValues) -> None:
        self.bars.setValue(values.bars)
        self.temperature.setValue(values.temperature)
        self.top_p.setValue(values.top_p)
        self.repetition.setValue(MODEL_OWN if values.repetition is None else values.repetition)
        self.variations.setValue(values.variations)
        self.seed.setValue(values.seed)
        self.seed_lock.setChecked(values.seed_locked)
        index = self.key.findData(_menu_key(values.key)) if values.key else 0
        self.key.setCurrentIndex(max(index, 0))

    def values_for_next_take(self) -> ControlValues:
        """The values to generate with: an unlocked seed is redrawn first, so each Generate differs."""
        if not self.seed_lock.isChecked():
            self.new_seed()
        return self.values()

    def new_seed(self) -> None:
        self.seed.setValue(random.randint(0, 99999))

    # -- progress ----------------------------------------------------------------
    def set_busy(self, busy: bool) -> None:
        self.generate_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.progress.setValue(0)
        self.progress.setVisible(busy)

    def set_progress(self, fraction: float) -> None:
        self.progress.setValue(int(round(fraction * self.progress.maximum())))

    # -- settings ------------------------------------------------------------------
    def save(self, settings: Settings) -> None:
        v = self.values()
        for key, value in (
            ("bars", v.bars), ("temperature", v.temperature), ("top_p", v.top_p), ("variations", v.variations),
            ("seed", v.seed), ("seed_locked", v.seed_locked), ("key", v.key or ""),
            ("repetition", MODEL_OWN if v.repetition is None else v.repetition),
        ):  # fmt: skip
            settings.set_value(f"controls/{key}", value)

    def restore(self, settings: Settings) -> None:
        d = ControlValues()
        self.set_values(
            ControlValues(
                bars=settings.get_int("controls/bars", d.bars),
                temperature=settings.get_float("controls/temperature", d.temperature),
                top_p=settings.get_float("controls/top_p", d.top_p),
                variations=settings.get_int("controls/variations", d.variations),
                seed=settings.get_int("controls/seed", self.seed.value()),
                seed_locked=settings.get_bool("controls/seed_locked", False),
                key=settings.get_str("controls/key", "") or None,
                repetition=_own_or(settings.get_float("controls/repetition", MODEL_OWN)),
            )
        )

"""The toolbar: open, generate, play/stop, save, and where playback goes (a MIDI port or audio).

The output list is a view over the shared ports model, with the audio preview as
one extra row in front when FluidSynth is available, so it follows the ports
without being refilled by hand.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QLabel, QStyle, QToolBar, QToolButton, QWidget

from rnnmusic.gui.playback import AUDIO_TARGET, Player
from rnnmusic.gui.ports import MidiPorts, choose, chosen, port_choices
from rnnmusic.gui.settings import Settings

AUDIO_LABEL = "Audio preview (FluidSynth)"
OUTPUT_TIP = "Where Play sends the take"


class TransportBar(QToolBar):
    def __init__(self, ports: MidiPorts, player: Player, parent: QWidget | None = None):
        super().__init__("Transport", parent)
        self.setObjectName("transport")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.ports = ports
        self.player = player
        fixed = [(AUDIO_LABEL, AUDIO_TARGET)] if player.audio_available else []
        self.targets = port_choices(ports.outputs, fixed, self)
        self.output = QComboBox(self)
        self.output.setModel(self.targets)
        self.output.setMinimumContentsLength(22)
        self.output.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.output.setToolTip(OUTPUT_TIP)
        self.refresh = QToolButton(self)
        self.refresh.setText("↻")
        self.refresh.setToolTip("List the MIDI ports again")
        self.refresh.clicked.connect(ports.refresh)
        self._play_action: QAction | None = None
        self._wanted = ""  # the user's choice, kept while its port is (temporarily) missing
        self.output.activated.connect(lambda _row: self._remember())
        ports.changed.connect(self._on_ports)

    def add_actions(self, open_action: QAction, generate: QAction, play: QAction, save: QAction) -> None:
        self._play_action = play
        self.addAction(open_action)
        self.addSeparator()
        self.addAction(generate)
        self.addAction(play)
        self.addWidget(QLabel(" to ", self))
        self.addWidget(self.output)
        self.addWidget(self.refresh)
        self.addSeparator()
        self.addAction(save)
        self.set_playing(False)

    def target(self) -> str:
        """AUDIO_TARGET or the name of the chosen MIDI output port ("" when nothing can be chosen)."""
        return chosen(self.output)

    def set_target(self, target: str) -> bool:
        if choose(self.output, target):
            self._wanted = target
            return True
        return False

    def set_playing(self, playing: bool) -> None:
        if self._play_action is not None:
            self._play_action.setText("Stop" if playing else "Play")
            pixmap = QStyle.StandardPixmap.SP_MediaStop if playing else QStyle.StandardPixmap.SP_MediaPlay
            self._play_action.setIcon(self.style().standardIcon(pixmap))
            self._play_action.setToolTip("Stop (Space)" if playing else "Play the current take (Space)")

    def _remember(self) -> None:
        if self.target():
            self._wanted = self.target()

    def _on_ports(self) -> None:
        if not choose(self.output, self._wanted) and self.output.currentIndex() < 0 and self.output.count():
            self.output.setCurrentIndex(0)
        self.output.setToolTip(self.ports.problem or OUTPUT_TIP)

    def save(self, settings: Settings) -> None:
        settings.set_value("playback/target", self._wanted or self.target())

    def restore(self, settings: Settings) -> None:
        self._wanted = settings.get_str("playback/target", "")
        self._on_ports()

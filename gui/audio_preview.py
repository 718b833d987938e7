"""Hear a take without a synth: FluidSynth plays it through the system's audio with a GM SoundFont.

FluidSynth and the SoundFont are found by :mod:`rnnmusic.audio` (the same lookup
`rnnmusic generate --wav` uses, with its install hints). Here FluidSynth runs in
real time as a QProcess, so stopping is ending the process and nothing blocks the
GUI thread. ``RNNMUSIC_AUDIO_DRIVER`` picks FluidSynth's audio driver (jack,
pulseaudio, alsa, coreaudio, ...); by default FluidSynth chooses.

:func:`export_wav` renders a take to a WAV file offline, the way
`rnnmusic generate --wav` does (:func:`rnnmusic.audio.render_wav_to`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import cast

from PySide6.QtCore import QObject, QProcess, Signal

from rnnmusic.atomic import atomic_output
from rnnmusic.audio import AudioUnavailable, check_audio, render_wav_to
from rnnmusic.errors import RnnmusicError
from rnnmusic.midi.write import sequence_to_midi_bytes
from rnnmusic.notes import NoteSequence

DRIVER_ENV = "RNNMUSIC_AUDIO_DRIVER"


class FluidSynthPlayer(QObject):
    """Plays MIDI bytes through FluidSynth; ``failed`` carries FluidSynth's own complaint if it stops early."""

    failed = Signal(str)

    def __init__(self, program: str, soundfont: Path, driver: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.program, self.soundfont, self.driver = program, soundfont, driver
        self.process: QProcess | None = None
        self._folder = tempfile.TemporaryDirectory(prefix="rnnmusic-audio-")
        self._stopping = False

    def arguments(self, midi_path: Path) -> list[str]:
        # -n: no MIDI input driver, -i: no shell, -q: quiet; the file plays once
        args = ["-n", "-i", "-q"]
        if self.driver:
            args += ["-a", self.driver]
            if self.driver == "jack":
                args += ["-j"]  # connect to the system playback ports, or nothing is heard
        return args + [str(self.soundfont), str(midi_path)]

    def start(self, midi: bytes) -> None:
        self.stop()
        path = Path(self._folder.name) / "preview.mid"
        path.write_bytes(midi)
        process = QProcess(self)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.finished.connect(self._on_finished)
        self._stopping = False
        self.process = process
        process.start(self.program, self.arguments(path))

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        self._stopping = True
        if process.state() != QProcess.ProcessState.NotRunning:
            process.terminate()
            if not process.waitForFinished(2000):
                process.kill()
                process.waitForFinished(2000)
        process.deleteLater()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        process = cast(QProcess | None, self.sender())  # the process that ended, maybe no longer self.process
        if self._stopping or code == 0 and status == QProcess.ExitStatus.NormalExit:
            return
        output = bytes(process.readAll().data()).decode(errors="replace").strip().splitlines() if process else []
        reason = output[-1] if output else f"exit status {code}"
        self.failed.emit(f"FluidSynth stopped: {reason} (set {DRIVER_ENV} to choose its audio driver)")


def audio_player_factory() -> Callable[[], FluidSynthPlayer] | None:
    """A factory of FluidSynth players, or None when FluidSynth or a SoundFont is missing."""
    try:
        program, soundfont = check_audio()
    except AudioUnavailable:
        return None
    driver = os.environ.get(DRIVER_ENV) or None
    return lambda: FluidSynthPlayer(program, soundfont, driver)


def export_wav(seq: NoteSequence, path: str | os.PathLike) -> Path:
    """Render ``seq`` to a WAV file at ``path`` with FluidSynth (atomically: a failure leaves no file).

    RnnmusicError, naming the file, when FluidSynth or a SoundFont is missing or the file cannot be written.
    """
    path = Path(path)
    program, soundfont = check_audio()
    if not path.parent.is_dir():
        raise RnnmusicError(f"{path}: cannot be written: folder {path.parent} does not exist")
    with tempfile.TemporaryDirectory(prefix="rnnmusic-wav-") as folder:
        midi = Path(folder) / "take.mid"
        midi.write_bytes(sequence_to_midi_bytes(seq))
        try:
            with atomic_output(path) as tmp:
                render_wav_to(program, soundfont, midi, tmp, name=str(path))
        except OSError as exc:
            raise RnnmusicError(f"{path}: cannot be written ({exc.strerror or exc})") from None
    return path

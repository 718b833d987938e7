"""The error types a user can meet. Each carries a message that names the thing and the problem.

The CLI turns any :class:`RnnmusicError` into one line on stderr and exit status 1;
anything else is a bug and shows a traceback only with ``--debug``.
"""

from __future__ import annotations

import os


class RnnmusicError(Exception):
    """Base of every error caused by bad input rather than by a bug."""


class MidiFileError(RnnmusicError):
    """A MIDI file could not be read or written: names the file and the reason."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class EncodingError(RnnmusicError):
    """A token sequence or encoding config that an encoding cannot accept."""


class ModelFileError(RnnmusicError):
    """A file that is not a usable rnnmusic model: names the file and the reason."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class PortError(RnnmusicError):
    """A MIDI port that cannot be opened; the message lists the ports that exist."""


class ConfigError(RnnmusicError):
    """A bad option or configuration value."""


class OutputError(RnnmusicError):
    """A path rnnmusic was asked to write that it must not or cannot write: names the path and the reason."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class SequenceError(RnnmusicError):
    """A piece rnnmusic will not work with (non-finite times, too long to encode): names its source and why."""

    def __init__(self, source: str | os.PathLike, reason: str):
        self.path = str(source) or "the piece"
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

"""rnnmusic: music generation with recurrent neural networks.

Importing this package loads neither torch nor Qt: the runtime plays models with
ONNX Runtime only, and starts fast.
"""

from rnnmusic.errors import (
    ConfigError,
    EncodingError,
    MidiFileError,
    ModelFileError,
    PortError,
    RnnmusicError,
)
from rnnmusic.notes import (
    ControlChange,
    KeySignature,
    Note,
    NoteSequence,
    TempoChange,
    TimeSignature,
    Track,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "ControlChange",
    "EncodingError",
    "KeySignature",
    "MidiFileError",
    "ModelFileError",
    "Note",
    "NoteSequence",
    "PortError",
    "RnnmusicError",
    "TempoChange",
    "TimeSignature",
    "Track",
    "__version__",
]

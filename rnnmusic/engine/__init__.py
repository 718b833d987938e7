"""The generation engine: ONNX Runtime models, sampling, and the API the CLI, GUI and live engine share.

Importing this package is cheap: onnxruntime loads on the first :func:`load_model`.
"""

from rnnmusic.engine.catalog import ModelEntry, default_model_for, list_models, read_card, resolve_model, seed_kind
from rnnmusic.engine.endless_stream import GenerationStream
from rnnmusic.engine.event_stream import StreamEvent
from rnnmusic.engine.generator import Generator
from rnnmusic.engine.model import Model, load_model, load_model_file
from rnnmusic.engine.options import GenerateOptions
from rnnmusic.engine.provenance import Provenance
from rnnmusic.engine.region_spec import RegionSpec
from rnnmusic.engine.session import GenerationCancelled
from rnnmusic.engine.takes import Takes

__all__ = [
    "GenerateOptions",
    "GenerationCancelled",
    "GenerationStream",
    "Generator",
    "Model",
    "ModelEntry",
    "Provenance",
    "RegionSpec",
    "StreamEvent",
    "Takes",
    "default_model_for",
    "list_models",
    "load_model",
    "load_model_file",
    "read_card",
    "resolve_model",
    "seed_kind",
]

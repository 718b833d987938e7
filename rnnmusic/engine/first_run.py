"""One tiny run of a freshly loaded model, so a graph that fails only when run fails at load.

ONNX Runtime checks a graph's structure when it builds the session, but some faults
show only at the first ``run`` (a weight table shorter than the vocabulary, a shape
that cannot be reshaped, NaN weights). Found there, they would surface as a traceback
in the middle of a generation or a live set; found here, they are one ModelFileError
naming the file, before the user has waited for anything.

Every graph input is fed by name, so inputs the contract adds later need no change here:
ids are the first and the last token, everything else zeros, batch and time 2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnmusic.errors import ModelFileError
from rnnmusic.model_file import INPUT_IDS, INPUT_STATE, OUTPUT_LOGITS, OUTPUT_STATE, ModelInfo

_DTYPES = {"tensor(int64)": np.int64, "tensor(float)": np.float32}
_SIZE = 2  # every dynamic axis (batch, time): two rows of two tokens


def probe(session, info: ModelInfo, path: Path) -> None:
    """Run ``session`` once on a tiny batch; refuse the file when it fails or gives NaN."""
    vocab = info.architecture.vocab_size
    feeds = {}
    for node in session.get_inputs():
        shape = [dim if isinstance(dim, int) and dim > 0 else _SIZE for dim in node.shape]
        feeds[node.name] = np.zeros(shape, dtype=_DTYPES.get(node.type, np.float32))
    feeds[INPUT_IDS] = np.array([[0, vocab - 1], [vocab - 1, 0]], dtype=np.int64)
    try:
        logits, state = session.run([OUTPUT_LOGITS, OUTPUT_STATE], feeds)
    except Exception as exc:  # ORT raises its own Fail / RuntimeException / InvalidArgument types
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ModelFileError(path, f"passes the load checks but fails when run ({detail})") from None
    if logits.shape != (_SIZE, _SIZE, vocab) or state.shape != feeds[INPUT_STATE].shape:
        raise ModelFileError(path, f"gives outputs of shape {list(logits.shape)} and {list(state.shape)} for "
                                   f"{_SIZE} rows of {_SIZE} tokens; its metadata describes a vocabulary of {vocab}")
    if np.isnan(logits).any() or np.isposinf(logits).any() or not np.isfinite(state).all():
        raise ModelFileError(path, "gives NaN or infinite outputs on its first run (its weights are damaged)")

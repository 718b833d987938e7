"""NLL of a torch model on a split, through the same code ONNX evaluation uses.

:func:`rnnmusic.evaluate.split_nll` does the batching, chunking and log-softmax in
numpy; here it is only handed a torch model as its ``run_chunk``. So the training
run's validation and test NLL and ``rnnmusic eval`` of the exported file measure
the same thing, and differ only by torch-vs-ONNX-Runtime arithmetic.
"""

from __future__ import annotations

import numpy as np
import torch

from rnnmusic.evaluate import NLLResult, TokenSplit, split_nll
from rnnmusic.training.device import Placement
from rnnmusic.training.model import RecurrentLM


def torch_split_nll(model: RecurrentLM, split: TokenSplit, time_advance: np.ndarray, place: Placement | None = None,
                    batch_size: int = 16, context: np.ndarray | None = None) -> NLLResult:
    """Sum of NLL over this process's share of ``split`` (all of it without a process group).

    A model that reads the timeline needs ``context``, the split's from
    :func:`rnnmusic.evaluate.split_context` (computed once by the caller, not per evaluation)."""
    device = place.device if place is not None else next(model.parameters()).device
    if model.context_spec is not None and context is None:
        raise ValueError("a model that reads a context needs the split's context (rnnmusic.evaluate.split_context)")
    was_training = model.training
    model.eval()

    def run_chunk(ids: np.ndarray, state: torch.Tensor, context: np.ndarray | None = None):
        # autocast is left off on purpose: evaluation in fp32 keeps the numbers comparable to the exported model
        c = None if context is None else torch.from_numpy(context).to(device)
        logits, new_state = model(torch.from_numpy(ids).to(device), state, c)
        return logits.float().cpu().numpy(), new_state

    def initial(batch: int) -> torch.Tensor:
        return model.initial_state(batch, device)

    shard = (place.rank, place.world) if place is not None else (0, 1)
    try:
        with torch.no_grad():
            return split_nll(run_chunk, initial, split, time_advance, batch_size=batch_size, shard=shard,
                             context=context)
    finally:
        model.train(was_training)

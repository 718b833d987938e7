"""How far back a gradient reaches: ||d loss_T / d x_t|| against the distance T - t.

The vanishing-gradient picture of Bengio et al. (1994) and Hochreiter & Schmidhuber (1997),
measured on a model: the loss of one late position T is differentiated with respect to the
input vector x_t (the output of the model's ``embed`` layer) at every earlier position. A
tanh RNN's curve falls off exponentially; gated cells keep it up far longer. Works for both
families (their ``embed`` is an Embedding or a Linear; the hook does not care).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch


def gradient_by_distance(
    model: torch.nn.Module,
    inputs: Sequence[np.ndarray],
    targets: Sequence[Any],
    loss: Callable[[torch.Tensor, Any], torch.Tensor],
    span: int,
) -> np.ndarray:
    """Median over sequences of ||d loss_T / d x_{T-k}||, for k = 0..span-1.

    ``inputs[i]`` is one model input ([T_i, ...] ids or frames) at least ``span`` long, T its
    last position; ``loss(output_T, targets[i])`` is the loss at T from the model's output
    there. Dropout is off while measuring.
    """
    captured: list[torch.Tensor] = []

    def keep(_module, _inputs, output: torch.Tensor) -> torch.Tensor:
        output.retain_grad()
        captured.append(output)
        return output

    embed: torch.nn.Module = model.embed  # type: ignore[assignment]  # every RecurrentLM has one
    hook = embed.register_forward_hook(keep)
    was_training = model.training
    model.eval()
    rows = []
    try:
        for seq, target in zip(inputs, targets):
            if len(seq) < span:
                raise ValueError(f"a sequence of {len(seq)} positions is shorter than span {span}")
            captured.clear()
            model.zero_grad(set_to_none=True)
            outputs, _ = model(torch.from_numpy(np.asarray(seq))[None])
            last = len(seq) - 1
            loss(outputs[0, last], target).backward()
            grad = captured[0].grad
            assert grad is not None, "retain_grad() was called on the embedding output"
            norms = grad[0].norm(dim=-1).numpy()  # [T]: one norm per input position
            rows.append(norms[last - np.arange(span)])
    finally:
        hook.remove()
        model.train(was_training)
    return np.median(np.stack(rows), axis=0)

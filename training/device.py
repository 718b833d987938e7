"""Where training runs: device choice, mixed precision and the data-parallel process group.

One process per device. A single process needs nothing; under ``torchrun`` (which
sets RANK, LOCAL_RANK and WORLD_SIZE) each process joins a group with nccl on
CUDA and gloo on CPU, and the model is wrapped in DistributedDataParallel.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from rnnmusic.errors import ConfigError


@dataclass(frozen=True)
class Placement:
    device: torch.device
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    amp_dtype: torch.dtype | None = None  # autocast dtype; None: fp32

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world > 1

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def needs_grad_scaler(self) -> bool:
        return self.amp_dtype == torch.float16


def pick_device(name: str, local_rank: int = 0) -> torch.device:
    """``auto``: CUDA, then Apple MPS, then CPU; or an explicit torch device name (checked)."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", local_rank % torch.cuda.device_count())
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"run.device: unknown device {name!r} (auto, cpu, cuda, cuda:N or mps)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError("run.device is cuda but this torch sees no CUDA device")
    if device.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ConfigError("run.device is mps but MPS is not available")
    return device


def amp_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    if precision == "fp32" or (precision == "auto" and device.type != "cuda"):
        return None
    if precision == "auto":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if precision == "bf16" and device.type == "cpu" and not cpu_has_bf16():
        # torch's CPU LSTM/GRU kernels (oneDNN) then fail mid-step with "could not create a primitive
        # descriptor"; say so before any work is done
        raise ConfigError("run.precision bf16: this CPU has no bfloat16 support for torch's recurrent layers "
                          "(oneDNN needs AVX-512 BF16 or AMX); use fp32 (or auto, fp32 on a CPU)")
    return {"bf16": torch.bfloat16, "fp16": torch.float16}[precision]


def cpu_has_bf16() -> bool:
    """Whether torch's oneDNN runs bfloat16 on this CPU (assumed so when this torch cannot tell)."""
    check = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
    return bool(check()) if check is not None else True


def setup(device_name: str, precision: str) -> Placement:
    """Join the process group when started by torchrun; pick the device and precision."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", str(rank)))
    device = pick_device(device_name, local_rank)
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend=backend)
    return Placement(device, rank, world, local_rank, amp_dtype(precision, device))


def teardown(placement: Placement) -> None:
    if placement.distributed and dist.is_initialized():
        dist.destroy_process_group()


def all_reduce_sum(values: list[float], placement: Placement) -> list[float]:
    """Sum floats over all processes (float64 on CPU for gloo, on the device for nccl)."""
    if not placement.distributed:
        return values
    device = placement.device if placement.device.type == "cuda" else torch.device("cpu")
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return tensor.tolist()


def barrier(placement: Placement) -> None:
    if placement.distributed:
        dist.barrier()

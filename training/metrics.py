"""What a run records: metrics.jsonl (always), TensorBoard (when installed), a learning-curve PNG at the end."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

METRICS = "metrics.jsonl"
CURVE = "learning_curve.png"


class MetricsLog:
    """Appends one JSON object per line; on resume, lines beyond the checkpoint's step are dropped first."""

    def __init__(self, run_dir: Path, resume_step: int | None, say: Callable[[str], None]):
        self.path = run_dir / METRICS
        if resume_step is None:
            self.path.write_text("")
        else:
            self._truncate_after(resume_step)
        self._file = open(self.path, "a", encoding="utf-8")
        self._tb = None
        try:
            from torch.utils.tensorboard import SummaryWriter  # needs the optional tensorboard package

            self._tb = SummaryWriter(log_dir=str(run_dir / "tensorboard"))
        except ImportError:
            say("TensorBoard is not installed; metrics go to metrics.jsonl only")

    def _truncate_after(self, step: int) -> None:
        """A killed run may have logged steps the checkpoint does not hold; they will be logged again."""
        if not self.path.exists():
            return
        kept = [line for line in read_metrics(self.path) if line.get("step", 0) <= step]
        self.path.write_text("".join(json.dumps(line) + "\n" for line in kept))

    def log(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()
        if self._tb is not None:
            for key, value in record.items():
                if key != "step" and isinstance(value, (int, float)):
                    self._tb.add_scalar(key, value, record["step"])

    def close(self) -> None:
        self._file.close()
        if self._tb is not None:
            self._tb.close()


def read_metrics(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The records of a metrics.jsonl; a line cut short by a kill is skipped."""
    records = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


def plot_learning_curve(run_dir: Path, say: Callable[[str], None]) -> Path | None:
    """learning_curve.png from metrics.jsonl: training loss and validation NLL against step."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        say(f"matplotlib is not installed (pip install 'rnnmusic[plot]'); skipping {CURVE}")
        return None
    records = read_metrics(run_dir / METRICS)
    train = [(r["step"], r["loss"]) for r in records if "loss" in r]
    valid = [(r["step"], r["valid_nll"]) for r in records if "valid_nll" in r]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    if train:
        ax.plot(*zip(*train), label="training loss", linewidth=1)
    if valid:
        ax.plot(*zip(*valid), "o-", label="validation NLL", linewidth=1.5)
    ax.set_xlabel("step")
    ax.set_ylabel("nats per token")
    ax.set_title(f"learning curve: {run_dir.name}")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path = run_dir / CURVE
    from rnnmusic.atomic import atomic_output

    with atomic_output(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return path

"""The training loop (``rnnmusic train``): AdamW, clipping, warm-up + cosine, validation, exact resume.

A run folder holds ``last.pt`` (everything needed to continue: weights, optimizer,
step, generator states) and ``best.pt`` (weights with the lowest validation NLL),
both written atomically; ``metrics.jsonl``; ``train.log``; ``config.json``;
``summary.json`` and ``learning_curve.png`` at the end. Killed at any moment and
resumed, a run on CPU ends with the same weights, bit for bit, as one never
stopped: the windows come from a saved generator, the learning rate is a function
of the step, and steps after the last checkpoint are simply redone.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from rnnmusic.atomic import remove_stale_parts
from rnnmusic.engine.context import ContextSpec
from rnnmusic.errors import ConfigError
from rnnmusic.evaluate import NLLResult, manifest_encoding, open_split, read_manifest, split_context
from rnnmusic.model_file import Architecture
from rnnmusic.progress import ProgressLine, format_duration
from rnnmusic.training import device as dev
from rnnmusic.training.checkpoint import BEST, LAST, checkpoint_config, load_checkpoint, save_checkpoint
from rnnmusic.training.config import TrainConfig
from rnnmusic.training.data import IGNORE, WindowSampler
from rnnmusic.training.metrics import MetricsLog, plot_learning_curve
from rnnmusic.training.model import RecurrentLM
from rnnmusic.training.nll import torch_split_nll
from rnnmusic.training.optim import EarlyStopping, StepStats, clipped_step, lr_at, make_optimizer, set_lr
from rnnmusic.training.progress_json import Emit, TrainingReport
from rnnmusic.training.transpose import Transposer

#: config keys a resumed run may change (they do not alter what a step computes)
RESUMABLE = {"run.max_steps", "run.epochs", "run.patience", "run.log_every", "run.eval_every",
             "run.checkpoint_every", "run.device", "run.eval_batch_size"}


@dataclass(frozen=True)
class TrainResult:
    run_dir: str
    steps: int
    best_valid_nll: float | None
    test_nll: float | None
    test_nll_per_step: float | None
    stopped_early: bool


def context_spec(config: TrainConfig, encoding) -> ContextSpec | None:
    """The timeline context a model of this config reads: for the grid encodings unless turned off.
    (The performance encoding counts 10 ms shifts, not steps of a bar, so it has none.)"""
    if config.model.context == "off" or not encoding.uses_grid:
        return None
    return ContextSpec(steps_per_quarter=int(encoding.config.steps_per_quarter))


def build_model(config: TrainConfig, encoding) -> RecurrentLM:
    m = config.model
    arch = Architecture(m.cell, m.layers, m.hidden, m.embedding, encoding.vocab_size, m.dropout, m.tied)
    return RecurrentLM(arch, encoding.follow_table if m.grammar_mask else None, context_spec(config, encoding))


def dataset_summary(manifest: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    s = manifest["splits"]
    return {"data_dir": str(data_dir.resolve()), "source": manifest.get("source", ""),
            "content_hash": manifest["content_hash"], "license": manifest.get("license", ""),
            "files": {k: v["pieces"] for k, v in s.items()}, "tokens": {k: v["tokens"] for k, v in s.items()}}


def train(data_dir: str | Path, run_dir: str | Path, config: TrainConfig | None = None, resume: bool = False,
          stop_at_step: int | None = None, quiet: bool = False, report: Emit | None = None) -> TrainResult:
    """Train (or with ``resume``, continue) a run. ``stop_at_step`` stops early as a kill would (tests).

    ``report`` receives the machine-readable progress records of :mod:`rnnmusic.training.progress_json`.
    """
    data_dir, run_dir = Path(data_dir), Path(run_dir)
    manifest = read_manifest(data_dir)
    encoding = manifest_encoding(manifest)
    summary = dataset_summary(manifest, data_dir)
    payload = _resume_payload(run_dir, resume, summary)
    config = _resolve_config(config, payload)
    if config.data.sampling != "windows":
        raise ConfigError(f"data.sampling = {config.data.sampling!r}: the token trainer reads random windows only "
                          "(set data.sampling = \"windows\")")
    place = dev.setup(config.run.device, config.run.precision)
    progress = ProgressLine(enabled=place.is_main and not quiet)

    def say(text: str) -> None:
        if place.is_main:
            progress.message(text)
            with open(run_dir / "train.log", "a", encoding="utf-8") as log:
                log.write(text + "\n")

    try:
        run = _Run(data_dir, run_dir, manifest, encoding, summary, config, place, payload, progress, say)
        return run.loop(stop_at_step, report)
    finally:
        progress.close()
        dev.teardown(place)


def _resume_payload(run_dir: Path, resume: bool, summary: dict[str, Any]) -> dict[str, Any] | None:
    if not resume:
        if (run_dir / LAST).exists():
            raise ConfigError(f"{run_dir} already holds a run ({LAST}); pass --resume to continue it "
                              "or choose another -o")
        return None
    if not (run_dir / LAST).exists():
        raise ConfigError(f"{run_dir}: nothing to resume (no {LAST})")
    payload = load_checkpoint(run_dir / LAST)
    recorded = json.loads(payload.get("dataset", "{}")).get("content_hash")
    if recorded != summary["content_hash"]:
        raise ConfigError(f"{summary['data_dir']} is not the dataset this run was trained on (content hash changed)")
    return payload


def _resolve_config(config: TrainConfig | None, payload: dict[str, Any] | None) -> TrainConfig:
    if payload is None:
        return config or TrainConfig()
    saved = checkpoint_config(payload)
    if config is None:
        return saved
    old, new = _flat(saved), _flat(config)
    changed = sorted(k for k in old if old[k] != new[k] and k not in RESUMABLE)
    if changed:
        raise ConfigError("--resume continues a run with its own config; these keys differ: " + ", ".join(
            f"{k} ({old[k]!r} -> {new[k]!r})" for k in changed))
    return config


def _flat(config: TrainConfig) -> dict[str, Any]:
    return {f"{s}.{k}": v for s, values in config.to_dict().items() for k, v in values.items()}


class _Run:
    """One run's state; ``loop`` trains until the step budget, early stopping or ``stop_at_step``."""

    def __init__(self, data_dir, run_dir, manifest, encoding, summary, config, place, payload, progress, say):
        self.run_dir, self.encoding, self.summary, self.config = run_dir, encoding, summary, config
        self.place, self.progress, self.say = place, progress, say
        r, d = config.run, config.data
        self.train_split = open_split(data_dir, "train", manifest)
        self.valid_split = open_split(data_dir, "valid", manifest)
        self.test_split = open_split(data_dir, "test", manifest)
        transposer = Transposer(encoding, d.transpose) if d.transpose else None
        spec = context_spec(config, encoding)
        spec_json = {} if spec is None else json.loads(spec.to_json())
        # each split's timeline context, computed once (the training windows and every validation read it)
        self.contexts = {s.name: split_context(s, spec_json, encoding)
                         for s in (self.train_split, self.valid_split, self.test_split)}
        self.sampler = WindowSampler(self.train_split, d.window, d.batch_size, transposer, r.seed,
                                     place.rank, place.world, context=self.contexts["train"])
        per_epoch = math.ceil(self.train_split.targets / (d.batch_size * d.window))
        self.steps_per_epoch = r.steps_per_epoch or max(1, per_epoch)
        self.total = r.max_steps if r.max_steps > 0 else r.epochs * self.steps_per_epoch
        self.eval_every = r.eval_every or self.steps_per_epoch

        torch.manual_seed(r.seed)
        self.model = build_model(config, encoding).to(place.device)
        torch.manual_seed(r.seed + place.rank)  # dropout masks differ per process; rank 0 is the 1-process run
        self.optimizer = make_optimizer(self.model, config)
        self.scaler = torch.amp.GradScaler(place.device.type) if place.needs_grad_scaler() else None
        self.step, self.stopping, self.window_stats = 0, EarlyStopping(r.patience), StepStats()
        self.resumed = payload is not None
        self.last_valid_nll: float | None = None
        if payload is not None:
            self._restore(payload)
        self.net = self.model
        if place.distributed:
            from torch.nn.parallel import DistributedDataParallel

            ids = [place.device.index] if place.device.type == "cuda" else None
            # no buffer broadcast: the only buffer is the constant grammar mask
            self.net = DistributedDataParallel(self.model, device_ids=ids, broadcast_buffers=False)
        if place.is_main:  # created only now that the data and config have passed their checks
            run_dir.mkdir(parents=True, exist_ok=True)
            for part in remove_stale_parts(run_dir):  # a kill during a write leaves one; the real files are whole
                say(f"removed {part.name}, left by an interrupted write")
            (run_dir / "config.json").write_text(json.dumps(config.to_dict(), indent=1) + "\n")
        self.metrics = MetricsLog(run_dir, self.step if payload is not None else None, say) if place.is_main else None

    # -- checkpoints -----------------------------------------------------------------
    def _restore(self, payload: dict[str, Any]) -> None:
        self.model.load_state_dict(payload["model"])
        self.optimizer.load_state_dict(payload["optimizer"])
        if self.scaler is not None and payload.get("scaler"):
            self.scaler.load_state_dict(payload["scaler"])
        self.step = payload["step"]
        self.stopping = EarlyStopping(self.config.run.patience, payload["best_valid_nll"], payload["bad_evals"])
        self.window_stats = StepStats(list(payload["window_stats"]))
        self.sampler.set_state(payload["rng_numpy"])
        torch.set_rng_state(payload["rng_torch"])
        if self.place.device.type == "cuda" and payload.get("rng_cuda"):
            torch.cuda.set_rng_state_all(payload["rng_cuda"])
        self.say(f"resumed at step {self.step}")

    def _common(self) -> dict[str, Any]:
        return {"model": self.model.state_dict(), "config": self.config.to_json(),
                "encoding": self.encoding.config_json(), "dataset": json.dumps(self.summary),
                "architecture": json.dumps(asdict(self.model.arch)),
                "step": self.step, "best_valid_nll": self.stopping.best, "bad_evals": self.stopping.bad}

    def _save_last(self) -> None:
        if not self.place.is_main:
            return
        save_checkpoint(self.run_dir / LAST, {
            **self._common(), "optimizer": self.optimizer.state_dict(),
            "scaler": self.scaler.state_dict() if self.scaler else {}, "rng_numpy": self.sampler.state(),
            "window_stats": self.window_stats.as_list(),
            "rng_torch": torch.get_rng_state(),
            "rng_cuda": torch.cuda.get_rng_state_all() if self.place.device.type == "cuda" else []})

    # -- evaluation ------------------------------------------------------------------
    def _nll(self, split) -> NLLResult | None:
        if split.pieces == 0:
            return None
        result = torch_split_nll(self.model, split, self.encoding.time_advance, self.place,
                                 batch_size=self.config.run.eval_batch_size, context=self.contexts[split.name])
        total, tokens, span, first, first_span = dev.all_reduce_sum(
            [result.total, result.tokens, result.time, result.first_total, result.first_time], self.place)
        return NLLResult(total, int(tokens), span, first, first_span)

    def _validate(self) -> bool:
        """Validation NLL; writes best.pt when it improves. Returns True when early stopping says stop."""
        result = self._nll(self.valid_split)
        nll = result.per_token if result else None
        improved = self.stopping.update(nll)
        self.last_valid_nll = nll
        if improved and self.place.is_main:
            save_checkpoint(self.run_dir / BEST, {**self._common(), "metrics": json.dumps({"valid_nll": nll})})
        if self.metrics is not None and nll is not None:
            self.metrics.log({"step": self.step, "valid_nll": nll, "epoch": self.step / self.steps_per_epoch})
        self.say(f"step {self.step}: valid NLL {nll if nll is None else round(nll, 4)} nats/token"
                 + ("  (best)" if improved else f"  (no improvement for {self.stopping.bad})"))
        return self.stopping.should_stop

    # -- the loop --------------------------------------------------------------------
    def loop(self, stop_at_step: int | None, emit: Emit | None = None) -> TrainResult:
        cfg, place = self.config, self.place
        report = TrainingReport(emit, self.total, self.steps_per_epoch, self.step, self.resumed) \
            if emit is not None and place.is_main else None
        tokens_per_step = cfg.data.batch_size * cfg.data.window
        stop = self.stopping.should_stop
        self.say(f"training {self.model.arch.cell} {self.model.arch.layers}x{self.model.arch.hidden} "
                 f"({sum(p.numel() for p in self.model.parameters()):,} parameters) on {place.device} "
                 f"x{place.world}: {self.total} steps, {self.steps_per_epoch} per epoch")
        self.net.train()
        mark, mark_step, started, start_step = time.monotonic(), self.step, time.monotonic(), self.step
        last_loss: float | None = None  # the last logged loss (over every process); None before the first
        while self.step < self.total and not stop:
            inputs, targets, counted = self.sampler.next_batch()
            x = torch.from_numpy(inputs).to(place.device, non_blocking=True)
            y = torch.from_numpy(targets).to(place.device, non_blocking=True)
            context = self.sampler.last_context
            c = None if context is None else torch.from_numpy(context).to(place.device, non_blocking=True)
            lr = lr_at(self.step, self.total, cfg)
            set_lr(self.optimizer, lr)
            with place.autocast():
                logits, _ = self.net(x, None, c)
            # mean over the global batch's targets, whichever process holds them (DDP then averages
            # over processes, hence the factor world): the same loss as one process with the whole batch
            loss = F.cross_entropy(logits.float().flatten(0, 1), y.flatten(), ignore_index=IGNORE,
                                   reduction="sum") * (place.world / max(counted, 1))
            self.optimizer.zero_grad(set_to_none=True)
            (self.scaler.scale(loss) if self.scaler is not None else loss).backward()
            norm = clipped_step(self.model, self.optimizer, cfg, self.scaler, on_skip=lambda bad: self.say(
                f"step {self.step + 1}: gradient norm is {bad}; step skipped"))
            self.step += 1
            step_loss = float(loss.detach())
            self.window_stats.add(step_loss, norm)
            if report is not None:
                report.trained(self.step, step_loss)

            if self.step % cfg.run.log_every == 0 or self.step == self.total:
                now = time.monotonic()
                rate = (self.step - mark_step) * tokens_per_step / max(now - mark, 1e-9)
                line = self.window_stats.line()
                line["loss"] = dev.all_reduce_sum([line["loss"]], place)[0] / place.world
                last_loss = line["loss"]
                if self.metrics is not None:
                    self.metrics.log({"step": self.step, **line, "lr": lr, "tokens_per_s": rate})
                self.window_stats, mark, mark_step = StepStats(), now, self.step
            if self.progress.due():
                elapsed = time.monotonic() - started
                eta = (self.total - self.step) * elapsed / max(self.step - start_step, 1)
                # before the first metrics line, the mean loss of this process's steps so far, not "nan"
                shown_loss = last_loss if last_loss is not None else self.window_stats.mean_loss()
                self.progress.update(
                    f"step {self.step}/{self.total} | loss {shown_loss:.4f} | "
                    f"{(self.step - start_step) * tokens_per_step / max(elapsed, 1e-9):,.0f} tok/s | "
                    f"ETA {format_duration(eta)} | lr {lr:.2e} | grad norm {norm:.3f}")

            if self.step % self.eval_every == 0 or self.step == self.total:
                self.net.eval()
                stop = self._validate()
                self.net.train()
                self._save_last()
                if report is not None:  # after the checkpoint: a kill from here on keeps this step
                    report.validated(self.step, self.last_valid_nll)
            elif self.step % cfg.run.checkpoint_every == 0:
                self._save_last()
            if stop_at_step is not None and self.step >= stop_at_step:
                self._save_last()
                dev.barrier(place)
                return TrainResult(str(self.run_dir), self.step, self.stopping.best, None, None, False)
        dev.barrier(place)
        if stop:
            self.say(f"early stopping at step {self.step}: no improvement in {self.stopping.bad} validations")
        result = self._finish(stopped_early=stop)
        if report is not None:
            report.finished(self.step)
        return result

    def _finish(self, stopped_early: bool) -> TrainResult:
        """Test NLL of the best weights, recorded in best.pt and summary.json; learning curve."""
        best = load_checkpoint(self.run_dir / BEST) if (self.run_dir / BEST).exists() else None
        if best is not None:
            self.model.load_state_dict(best["model"])
        self.model.eval()
        test = self._nll(self.test_split)
        metrics = {"valid_nll": self.stopping.best, "test_nll": test.per_token if test else None,
                   "test_nll_per_step": test.per_step if test else None,
                   "time_unit": "step" if self.encoding.uses_grid else "second",
                   "steps": self.step, "best_step": best["step"] if best else None}
        if self.place.is_main:
            if best is not None:
                save_checkpoint(self.run_dir / BEST, {**best, "metrics": json.dumps(metrics)})
            (self.run_dir / "summary.json").write_text(json.dumps({**metrics, "stopped_early": stopped_early},
                                                                  indent=1) + "\n")
            if self.metrics is not None:
                self.metrics.close()
            if test is not None:
                self.say(f"test NLL {test.per_token:.4f} nats/token, {test.per_step:.4f} nats/{metrics['time_unit']}")
            plot_learning_curve(self.run_dir, self.say)
        dev.barrier(self.place)
        return TrainResult(
            str(self.run_dir), self.step, self.stopping.best, metrics["test_nll"], metrics["test_nll_per_step"],
            stopped_early,
        )

"""One trainer for every architecture.

The architecture supplies networks, losses and optimizer settings (:mod:`zoo.model`); the
trainer owns the loop: ``discriminator_steps`` D updates then one G update per step, optimizers
(timm's factory), learning-rate schedule, autocast (bf16/fp16 with loss scaling), optional
``torch.compile``, an EMA of the inference modules (timm's ``ModelEmaV3``), sample grids,
atomic checkpoints that resume bit-for-bit on the CPU, and a stop on NaN/inf losses that keeps
the last good checkpoint.

A run folder holds ``config.json``, ``checkpoint.safetensors``, ``model.safetensors`` (the
inference weights, EMA when enabled), ``log.jsonl`` and ``samples/step_*.png``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from timm.optim import create_optimizer_v2
from timm.utils import ModelEmaV3
from torch import nn
from tqdm.auto import tqdm

from zoo import distributed
from zoo.checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint
from zoo.data import BatchStream
from zoo.errors import CheckpointError, ConfigError, TrainingDivergedError
from zoo.images import save_grid
from zoo.model import GAN, LossOutput
from zoo.weights import atomic_write_bytes, save_weights

WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"
PRECISIONS = ("fp32", "bf16", "fp16")
SCHEDULES = ("constant", "linear")


@dataclasses.dataclass
class TrainConfig:
    """How to train (not what): every field is a `zoo train` option."""

    steps: int = 1000
    batch_size: int = 64
    seed: int = 0
    lr: dict[str, float] = dataclasses.field(default_factory=dict)  # override per optimizer
    lr_schedule: str = "constant"  # "linear": constant, then to zero over the second half
    ema_decay: float = 0.999  # 0 disables EMA
    precision: str = "fp32"
    compile: bool = False
    device: str = "auto"
    checkpoint_every: int = 500
    sample_every: int = 500
    log_every: int = 25
    eval_every: int = 0  # 0: never; else run the evaluator and extend eval.jsonl / eval.png
    num_samples: int = 64
    sync_bn: bool = False  # with torchrun: BatchNorm statistics over the global batch
    channels_last: bool = False  # NHWC memory format for convolutional networks
    progress: bool = True

    def validate(self) -> None:
        for name in ("steps", "batch_size", "checkpoint_every", "sample_every", "log_every"):
            if getattr(self, name) < 1:
                raise ConfigError(f"train: {name}={getattr(self, name)} must be >= 1")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"train: precision={self.precision!r}; choose one of {PRECISIONS}")
        if self.lr_schedule not in SCHEDULES:
            raise ConfigError(f"train: lr_schedule={self.lr_schedule!r}; choose one of {SCHEDULES}")
        if self.eval_every < 0:
            raise ConfigError(f"train: eval_every={self.eval_every} must be >= 0 (0: never)")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ConfigError(f"train: ema_decay={self.ema_decay} must be in [0, 1)")

    def resume_key(self) -> dict[str, Any]:
        """The settings a resumed run must share with the original (steps may grow)."""
        d = dataclasses.asdict(self)
        for volatile in (
            "eval_every",
            "channels_last",
            "steps",
            "progress",
            "device",
            "checkpoint_every",
            "sample_every",
            "log_every",
            "compile",
        ):
            d.pop(volatile)
        return d


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(
            f"train: device={name!r} is not a torch device (cpu, cuda, cuda:1)"
        ) from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError("train: device='cuda' but no CUDA device is available; use --device cpu")
    return device


# timm names of optimizers whose torch class has a fused (one kernel for all tensors) step
FUSED_OPTIMIZERS = ("adam", "adamw", "sgd", "momentum")


def optimizer_kernel(opt: str, device: torch.device) -> dict[str, bool]:
    """The fastest update kernel torch offers for ``opt`` on ``device``: ``fused`` where it
    exists (Adam on pix2pix's 57M parameters: 18 ms per step on two CPU threads, against 160 ms
    for torch's default per-tensor loop), else ``foreach``."""
    if opt.lower() in FUSED_OPTIMIZERS and device.type in ("cpu", "cuda"):
        return {"fused": True}
    return {"foreach": True}


class Trainer:
    """Trains ``model`` on ``data`` into the run folder ``out``. ``data`` has ``len()``,
    ``source``, ``batch(index)`` (what the model's losses take: an image tensor in [-1, 1],
    or a dict of them) and, for image-to-image models, ``examples(n)`` for previews
    (:class:`zoo.data.ImageData`, :mod:`zoo.translation_data`). ``evaluator`` maps a model
    (the inference weights, eval mode) to metrics; with ``eval_every`` the trainer writes
    them to ``eval.jsonl`` and plots the curve into ``eval.png``."""

    def __init__(
        self,
        model: GAN,
        data: Any,
        config: TrainConfig,
        out: str | Path,
        extra_info: dict[str, Any] | None = None,
        evaluator: Callable[[GAN], dict[str, float]] | None = None,
    ) -> None:
        config.validate()
        self.config, self.out = config, Path(out)
        self.shard = distributed.current()
        if config.batch_size % self.shard.world:
            raise ConfigError(
                f"train: batch_size={config.batch_size} (the global batch) must divide evenly "
                f"over {self.shard.world} processes"
            )
        self.device = resolve_device(config.device)
        if self.shard.world > 1 and self.device.type == "cuda":
            self.device = torch.device("cuda", self.shard.local_rank)
        if config.sync_bn and self.device.type != "cuda":
            raise ConfigError(
                "train: --sync-bn needs CUDA devices (torch's SyncBatchNorm has no "
                "CPU kernel); on CPUs each process normalises its own slice"
            )
        if config.sync_bn and self.shard.world > 1:
            model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        self.model = model.to(self.device).train()
        if config.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        distributed.broadcast_module(self.model)
        self.data = data
        self.extra_info = extra_info or {}
        self.evaluator = evaluator
        if config.eval_every and evaluator is None:
            raise ConfigError("train: eval_every needs an evaluator")
        self.step = 0
        self.stream = BatchStream(len(data), config.batch_size, config.seed)

        specs = model.optimizers()
        if set(specs) != {"generator", "discriminator"}:
            raise ConfigError(
                f"{model.architecture}.optimizers() must return 'generator' and 'discriminator', "
                f"got {sorted(specs)}"
            )
        unknown = set(config.lr) - set(specs)
        if unknown:
            raise ConfigError(f"train: --lr names {sorted(unknown)}; valid: {sorted(specs)}")
        self.params: dict[str, list[nn.Parameter]] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.base_lr: dict[str, float] = {}
        for name, spec in specs.items():
            params = [p for m in spec.modules for p in getattr(model, m).parameters()]
            self.base_lr[name] = config.lr.get(name, spec.lr)
            self.params[name] = params
            self.optimizers[name] = create_optimizer_v2(
                params,
                opt=spec.opt,
                lr=self.base_lr[name],
                weight_decay=spec.weight_decay,
                betas=spec.betas,
                **optimizer_kernel(spec.opt, self.device),
            )
        self.autocast_dtype = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[
            config.precision
        ]
        use_scaler = config.precision == "fp16"
        self.scalers = {
            n: torch.amp.GradScaler(self.device.type, enabled=use_scaler) for n in self.optimizers
        }
        self.ema = None
        if config.ema_decay > 0:
            # the live inference modules, which the EMA copies at start and follows each step
            self._ema_source = nn.ModuleDict(dict(model.named_inference_modules()))
            self.ema = ModelEmaV3(self._ema_source, decay=config.ema_decay, use_warmup=True)
        if config.compile:
            names = model.compile_modules
            if names is None:
                names = tuple(m for spec in specs.values() for m in spec.modules)
            for m in names:
                getattr(model, m).compile()
        # a separate eval-mode copy used to draw sample grids from the (EMA) weights
        self.sampler = type(model)(model.config).to(self.device).eval()

    # -- the loop ---------------------------------------------------------------------------
    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)

    def _next_batch(self) -> Any:
        index = self.stream.next_index()  # the global batch, the same on every rank
        local = len(index) // self.shard.world
        index = index[self.shard.rank * local : (self.shard.rank + 1) * local]
        batch = self.data.batch(index)
        if isinstance(batch, dict):  # image-to-image: {"A": ..., "B": ...}
            return {k: self._to_device(v) for k, v in batch.items()}
        return self._to_device(batch)

    def _to_device(self, images: torch.Tensor) -> torch.Tensor:
        images = images.to(self.device, non_blocking=True)
        if self.config.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        return images

    def _update(self, name: str, compute: Any, batch: Any) -> LossOutput:
        """One optimizer step of ``name`` with the other networks frozen."""
        for other, params in self.params.items():
            for p in params:
                p.requires_grad_(other == name)
        opt, scaler = self.optimizers[name], self.scalers[name]
        opt.zero_grad(set_to_none=True)
        with self._autocast():
            out = compute(batch)
        if not torch.isfinite(out.loss.detach()).all():
            raise TrainingDivergedError(
                f"{name} loss became {out.loss.item()} at step {self.step + 1}; training stopped. "
                f"The last good checkpoint ({self._last_checkpoint_note()}) is kept in {self.out}. "
                "Try a lower --lr, --precision fp32, or resume from the checkpoint."
            )
        scaler.scale(out.loss).backward()
        distributed.average_gradients(self.params[name])
        scaler.step(opt)
        scaler.update()
        return out

    def train_step(self) -> tuple[LossOutput, LossOutput]:
        """One step: ``discriminator_steps`` D updates (each on a fresh batch) and one G
        update, in the model's ``update_order`` (the second network sees the last batch of
        the first), then the EMA update. Returns (D output, G output)."""
        self._set_lr()
        outs: dict[str, LossOutput] = {}
        for name, fresh in self.model.update_schedule():
            if fresh:
                batch = self._next_batch()
            outs[name] = self._update(name, self.model.loss_of(name), batch)
        self.step += 1
        if self.ema is not None:
            self.ema.update(self._ema_source, step=self.step)
        return outs["discriminator"], outs["generator"]

    def _last_checkpoint_note(self) -> str:
        path = self.out / CHECKPOINT_NAME
        return f"{path.name}, step {self._saved_step}" if path.exists() else "none written yet"

    def _set_lr(self) -> None:
        if self.config.lr_schedule == "constant":
            return
        half = self.config.steps / 2
        factor = 1.0 if self.step < half else max(0.0, (self.config.steps - self.step) / half)
        for name, opt in self.optimizers.items():
            for group in opt.param_groups:
                group["lr"] = self.base_lr[name] * factor

    def train(self, resume: bool = False) -> Path:
        """Run until ``config.steps``; returns the path of the inference weights."""
        self._prepare_out(resume)
        cfg = self.config
        bar = tqdm(
            total=cfg.steps,
            initial=self.step,
            desc=f"train {self.model.architecture}",
            disable=not cfg.progress or not self.shard.is_main,
            unit="step",
            dynamic_ncols=True,
        )
        log = (self.out / "log.jsonl").open("a") if self.shard.is_main else None
        started = time.perf_counter()
        self._stop_requested = False
        previous_handler = self._catch_sigint()
        try:
            while self.step < cfg.steps:
                d_out, g_out = self.train_step()
                if log is not None and (self.step % cfg.log_every == 0 or self.step == cfg.steps):
                    scalars = {
                        "d_loss": d_out.loss.detach(),
                        "g_loss": g_out.loss.detach(),
                        **d_out.logs,
                        **g_out.logs,
                    }
                    logs = {"step": self.step, **{k: float(v) for k, v in scalars.items()}}
                    log.write(json.dumps(logs) + "\n")
                    log.flush()
                    bar.set_postfix({k: f"{v:.3g}" for k, v in logs.items() if k != "step"})
                bar.update(1)
                if self.step % cfg.sample_every == 0 or self.step == cfg.steps:
                    self.save_samples()
                if cfg.eval_every and (self.step % cfg.eval_every == 0 or self.step == cfg.steps):
                    self.evaluate()
                if self.step % cfg.checkpoint_every == 0 or self.step == cfg.steps:
                    self.save()
                if self._stop_requested:  # Ctrl-C: stop between steps, keep everything
                    self.save()
                    bar.write(
                        f"interrupted: checkpoint at step {self.step} saved in {self.out}; "
                        "continue with --resume",
                        file=sys.stderr,
                    )
                    raise KeyboardInterrupt
        finally:
            if previous_handler is not None:
                signal.signal(signal.SIGINT, previous_handler)
            bar.close()
            if log is not None:
                log.close()
        elapsed = time.perf_counter() - started
        self._write_run_config(elapsed)
        return self.out / WEIGHTS_NAME

    def _catch_sigint(self):
        """Turn the first Ctrl-C into a stop after the current step (a second one aborts)."""
        if threading.current_thread() is not threading.main_thread():
            return None

        def handler(signum, frame):
            self._stop_requested = True
            signal.signal(signal.SIGINT, signal.default_int_handler)

        return signal.signal(signal.SIGINT, handler)

    # -- state ------------------------------------------------------------------------------
    def inference_state(self) -> dict[str, torch.Tensor]:
        if self.ema is None:
            return self.model.inference_state_dict()
        return dict(self.ema.module.state_dict())

    def save_samples(self) -> Path | None:
        if not self.shard.is_main:
            return None
        self.sampler.load_inference_state_dict(self.inference_state())
        images, nrow = self.sampler.preview(self.data, self.config.num_samples, self.config.seed)
        path = save_grid(images, self.out / "samples" / f"step_{self.step:06d}.png", nrow)
        save_grid(images, self.out / "samples" / "latest.png", nrow)
        return path

    def evaluate(self) -> dict[str, float] | None:
        """Measure the inference weights; append to eval.jsonl and redraw eval.png."""
        if not self.shard.is_main or self.evaluator is None:
            return None
        from zoo.plots import plot_curves

        self.sampler.load_inference_state_dict(self.inference_state())
        metrics = {"step": self.step, **self.evaluator(self.sampler)}
        path = self.out / "eval.jsonl"
        with path.open("a") as fh:
            fh.write(json.dumps(metrics) + "\n")
        records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        plot_curves(records, self.out / "eval.png", f"{self.model.architecture}: {self.out.name}")
        return metrics

    def _resume_key(self) -> dict[str, Any]:
        return {"model": self.model.config.to_dict(), "train": self.config.resume_key()}

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "step": self.step,
            "model": self.model.state_dict(),
            "optimizers": {n: o.state_dict() for n, o in self.optimizers.items()},
            "scalers": {n: s.state_dict() for n, s in self.scalers.items()},
            "data": self.stream.state(),
            "rng_cpu": torch.get_rng_state(),
        }
        if self.device.type == "cuda":
            state["rng_cuda"] = torch.cuda.get_rng_state(self.device)
        if self.ema is not None:
            state["ema"] = self.ema.module.state_dict()
        return state

    def save(self) -> None:
        """Write the checkpoint and the inference weights, each atomically. A failed write
        (disk full, file too large) leaves the previous files as they were. Rank 0 only."""
        if not self.shard.is_main:
            self._saved_step = self.step
            return
        try:
            self._save()
        except OSError as exc:
            raise CheckpointError(
                f"cannot write the checkpoint in {self.out} at step {self.step}: {exc}. "
                f"The previous checkpoint ({self._last_checkpoint_note()}) is kept"
            ) from None

    def _save(self) -> None:
        save_checkpoint(
            self.out / CHECKPOINT_NAME, self.state(), self.model.architecture, self._resume_key()
        )
        self._saved_step = self.step
        save_weights(
            self.out / WEIGHTS_NAME,
            self.inference_state(),
            self.model.architecture,
            self.model.config.to_dict(),
            extra={"step": str(self.step)},
        )

    def load(self, path: Path) -> None:
        state = load_checkpoint(path, self.model.architecture, self._resume_key())
        # compiled modules keep their parameter names, so the state dict loads as is
        self.model.load_state_dict(state["model"])
        for name, opt in self.optimizers.items():
            opt.load_state_dict(state["optimizers"][name])
        for name, scaler in self.scalers.items():
            if state["scalers"][name]:
                scaler.load_state_dict(state["scalers"][name])
        if self.ema is not None:
            if "ema" not in state:
                raise CheckpointError(f"{path} holds no EMA state but this run uses --ema-decay")
            self.ema.module.load_state_dict(state["ema"])
        self.stream.load_state(state["data"])
        torch.set_rng_state(state["rng_cpu"])
        if self.device.type == "cuda" and "rng_cuda" in state:
            torch.cuda.set_rng_state(state["rng_cuda"], self.device)
        self.step = int(state["step"])
        self._saved_step = self.step
        self._truncate_log()

    def _truncate_log(self) -> None:
        """Drop log and eval lines of steps after the checkpoint: the resumed run writes them
        again."""
        for name in ("log.jsonl", "eval.jsonl"):
            path = self.out / name
            if not path.exists() or not self.shard.is_main:
                continue
            kept = []
            for line in path.read_text().splitlines():
                try:
                    if json.loads(line)["step"] <= self.step:
                        kept.append(line + "\n")
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue  # a line torn by a kill
            atomic_write_bytes(path, "".join(kept).encode())

    def _prepare_out(self, resume: bool) -> None:
        ckpt = self.out / CHECKPOINT_NAME
        self._saved_step = 0
        if ckpt.exists() and not resume:
            raise CheckpointError(
                f"{self.out} already holds a run (checkpoint at {ckpt}); pass --resume to "
                "continue it, or choose another --out"
            )
        if self.shard.is_main:  # only rank 0 writes
            try:
                self.out.mkdir(parents=True, exist_ok=True)
                probe = self.out / ".write-test"
                probe.write_bytes(b"")
                probe.unlink()
            except OSError as exc:
                raise CheckpointError(
                    f"cannot write to the output folder {self.out}: {exc}"
                ) from None
        if resume:
            if not ckpt.exists():
                raise CheckpointError(f"--resume: no checkpoint in {self.out} ({ckpt} is missing)")
            self.load(ckpt)
        self._write_run_config(None)

    def _write_run_config(self, elapsed: float | None) -> None:
        from zoo import __version__

        if not self.shard.is_main:
            return
        info = {
            "architecture": self.model.architecture,
            "config": self.model.config.to_dict(),
            "train": {k: v for k, v in dataclasses.asdict(self.config).items() if k != "progress"},
            "data": self.data.source,
            "step": self.step,
            "zoo_version": __version__,
            "device": str(self.device),
            "processes": self.shard.world,
            **self.extra_info,
        }
        if elapsed is not None:
            info["train_time_s"] = round(elapsed, 1)
        atomic_write_bytes(self.out / CONFIG_NAME, (json.dumps(info, indent=2) + "\n").encode())


def seed_everything(seed: int) -> None:
    """Seed torch's CPU and CUDA generators (the trainer uses no other randomness)."""
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)

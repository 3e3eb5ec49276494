"""One trainer for every architecture: the loop.

The architecture supplies networks, losses and optimizer settings (:mod:`zoo.models.base`);
the trainer owns the loop: ``discriminator_steps`` D updates then one G update per step, in
the model's ``update_order``, autocast (bf16/fp16 with loss scaling), optional
``torch.compile``, an EMA of the inference modules (timm's ``ModelEmaV3``), sample grids,
atomic checkpoints that resume bit-for-bit on the CPU, and a stop on NaN/inf losses that keeps
the last good checkpoint. Its parts live beside it: :mod:`~zoo.train.config` (settings),
:mod:`~zoo.train.optim` (optimizers, schedule), :mod:`~zoo.train.run` (the run folder),
:mod:`~zoo.train.checkpoint` (state files), :mod:`~zoo.train.distributed` (torchrun).

A run folder holds ``run.json``, ``checkpoint.safetensors``, ``model.safetensors`` (the
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
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
from timm.utils import ModelEmaV3
from torch import nn
from tqdm.auto import tqdm

from zoo._version import __version__
from zoo.constants import WEIGHTS_NAME
from zoo.data.images import ImageData
from zoo.data.stream import BatchStream
from zoo.errors import CheckpointError, ConfigError, TrainingDivergedError
from zoo.images import save_grid
from zoo.inference.fast import bf16_is_fast, channels_last_refusal
from zoo.models._publish import plugin_extra
from zoo.models._weights import save_weights
from zoo.models.base import GAN, LossOutput, with_handover
from zoo.nn import apply_spectral_norm
from zoo.train import distributed
from zoo.train.augment import AdaptiveProbability, DiffAugment
from zoo.train.checkpoint import load_checkpoint, save_checkpoint
from zoo.train.config import BEST, TrainConfig, resolve_device
from zoo.train.optim import Optimizers
from zoo.train.phases import StepPhases
from zoo.train.run import RunFolder
from zoo.train.top_k import TopK

#: in-memory image sets up to this size train from a CUDA device's memory (Trainer._resident)
RESIDENT_MAX_BYTES = 2 * 1024**3


class Trainer:
    """Trains ``model`` on ``data`` into the run folder ``out``. ``data`` has ``len()``,
    ``source``, ``batch(index)`` (what the model's losses take: an image tensor in [-1, 1],
    or a dict of tensors: images and labels, A and B) and, for image-to-image models,
    ``examples(n)`` for previews (the model's task loads it:
    :meth:`zoo.tasks.Task.training_data`). ``evaluator`` maps a model (the inference weights,
    eval mode) to metrics; with ``eval_every`` the trainer writes
    them to ``eval.jsonl`` and plots the curve into ``eval.png``."""

    #: training seconds before this session (up to the checkpoint resumed from), and when
    #: this session's training began
    _time_before: float = 0.0
    _started: float | None = None

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
        self.run = RunFolder(self.out, writer=self.shard.is_main)
        if config.batch_size % self.shard.world:
            raise ConfigError(
                f"train: batch_size={config.batch_size} (the global batch) must divide evenly "
                f"over {self.shard.world} processes"
            )
        if config.eval_every and evaluator is None:
            raise ConfigError("train: eval_every needs an evaluator")
        self.device = self._device()
        #: phase timing for `zoo bench --kinds train --profile` (disabled: no cost)
        self.phases = StepPhases(self.device)
        if config.precision == "bf16" and not bf16_is_fast(self.device):
            warnings.warn(
                f"train: --precision bf16 is emulated on this {self.device.type} (no native bf16, "
                "e.g. an AVX2-only CPU): training runs many times slower than --precision fp32",
                stacklevel=2,
            )
        if (config.r1_gamma or config.ada_target) and (
            type(model).real_scores is GAN.real_scores or "discriminator" not in model.optimizers()
        ):
            raise ConfigError(
                f"train: R1 (--r1-gamma) and ADA (--ada-target) need one discriminator that "
                f"scores real images (the model's real_scores); {model.architecture} has none"
            )
        self.discriminators = discriminator_names(model)
        if config.spectral_norm:
            for name in self.discriminators:
                apply_spectral_norm(getattr(model, name))
        self.model = self._place(model)
        self.data, self.evaluator = self._resident(data), evaluator
        self.extra_info = extra_info or {}
        self.step = 0
        self.stream = BatchStream(len(data), config.batch_size, config.seed)
        self.opt = Optimizers.build(self.model, config.lr, self.device)
        self.optimizers, self.params = self.opt.optimizers, self.opt.params
        self.autocast_dtype = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[
            config.precision
        ]
        use_scaler = config.precision == "fp16"
        self.scalers = {
            n: torch.amp.GradScaler(self.device.type, enabled=use_scaler) for n in self.optimizers
        }
        self.ema = self._ema()
        self.augment = self._augment()
        self.ada = None
        if config.ada_target:
            self.ada = AdaptiveProbability(config.ada_target, config.ada_speed)
        self.r1_every = config.r1_every if config.r1_gamma > 0 else 0
        self.top_k = self._top_k()
        self.best: dict[str, Any] | None = None
        if config.compile:
            self._compile()
        # a separate eval-mode copy used to draw sample grids from the (EMA) weights
        self.sampler = type(model)(model.config).to(self.device).eval()

    def _resident(self, data: Any) -> Any:
        """In-memory image sets up to ``RESIDENT_MAX_BYTES`` move to a CUDA device whole, as
        uint8: batches are then indexed and converted there, with no per-step host work or
        copy (the data phase was 15-19% of DCGAN's step on an H200)."""
        if (
            self.device.type == "cuda"
            and isinstance(data, ImageData)
            and data.images.nbytes <= RESIDENT_MAX_BYTES
        ):
            return data.to(self.device)
        return data

    def _device(self) -> torch.device:
        device = resolve_device(self.config.device)
        if self.shard.world > 1 and device.type == "cuda":
            device = torch.device("cuda", self.shard.local_rank)
        if self.config.sync_bn and device.type != "cuda":
            raise ConfigError(
                "train: --sync-bn needs CUDA devices (torch's SyncBatchNorm has no "
                "CPU kernel); on CPUs each process normalises its own slice"
            )
        return device

    def _place(self, model: GAN) -> GAN:
        """The model on the device, in training mode and memory format, same on every rank."""
        if self.config.sync_bn and self.shard.world > 1:
            model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        model = model.to(self.device).train()
        if self.config.channels_last:
            refusal = channels_last_refusal(model)
            if refusal:
                raise ConfigError(
                    f"--channels-last: {model.architecture or type(model).__name__} cannot "
                    f"run channels_last ({refusal})"
                )
            model = model.to(memory_format=torch.channels_last)
        distributed.broadcast_module(model)
        return model

    def _ema(self) -> ModelEmaV3 | None:
        if self.config.ema_decay <= 0:
            return None
        # the live inference modules, which the EMA copies at start and follows each step
        self._ema_source = nn.ModuleDict(dict(self.model.named_inference_modules()))
        return ModelEmaV3(
            self._ema_source, decay=self.config.ema_decay, use_warmup=self.config.ema_warmup
        )

    def _augment(self) -> DiffAugment | None:
        """DiffAugment on every discriminator's input (probability 0 to start under ADA)."""
        if not self.config.augment:
            return None
        augment = DiffAugment(self.config.augment, p=0.0 if self.config.ada_target else 1.0)
        for name in self.discriminators:
            augment.attach(getattr(self.model, name))
        return augment

    def _top_k(self) -> TopK | None:
        """Top-k training: a hook on every discriminator, active in generator updates."""
        if self.config.top_k >= 1.0:
            return None
        top_k = TopK(self.config.top_k, self.config.top_k_decay)
        for name in self.discriminators:
            top_k.attach(getattr(self.model, name), name)
        return top_k

    def _compile(self) -> None:
        names = self.model.compile_modules
        if names is None:
            names = tuple(m for spec in self.model.optimizers().values() for m in spec.modules)
        for m in names:
            getattr(self.model, m).compile()

    @contextlib.contextmanager
    def _eager_discriminators(self) -> Iterator[None]:
        """The discriminators uncompiled for a while: R1 differentiates D's input gradient
        (a double backward), which torch.compile's AOTAutograd does not support."""
        modules = [getattr(self.model, name) for name in self.discriminators]
        compiled = [m._compiled_call_impl for m in modules]  # set by Module.compile()
        for m in modules:
            m._compiled_call_impl = None
        try:
            yield
        finally:
            for m, call in zip(modules, compiled):
                m._compiled_call_impl = call

    # -- the loop ---------------------------------------------------------------------------
    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)

    def _next_batch(self) -> Any:
        with self.phases("data"):
            index = self.stream.next_index()  # the global batch, the same on every rank
            local = len(index) // self.shard.world
            index = index[self.shard.rank * local : (self.shard.rank + 1) * local]
            batch = self.data.batch(index)
            if isinstance(batch, dict):  # {"A": ..., "B": ...}; {"images": ..., "labels": ...}
                return {k: self._to_device(v) for k, v in batch.items()}
            return self._to_device(batch)

    def _to_device(self, tensor: torch.Tensor) -> torch.Tensor:
        tensor = tensor.to(self.device, non_blocking=True)
        if self.config.channels_last and tensor.ndim == 4:  # images, not labels
            tensor = tensor.contiguous(memory_format=torch.channels_last)
        return tensor

    def _update(self, name: str, compute: Any, batch: Any) -> LossOutput:
        """One optimizer step of ``name`` with the other networks frozen."""
        self.opt.train_only(name)
        opt, scaler = self.optimizers[name], self.scalers[name]
        with self.phases("optimizer"):
            opt.zero_grad(set_to_none=True)
        with self.phases("forward"), self._autocast():
            out = compute(batch)
        if not torch.isfinite(out.loss.detach()).all():
            raise TrainingDivergedError(
                f"{name} loss became {out.loss.item()} at step {self.step + 1}; training stopped. "
                f"The last good checkpoint ({self._last_checkpoint_note()}) is kept in {self.out}. "
                "Try a lower --lr, --precision fp32, or resume from the checkpoint."
            )
        with self.phases("backward"):
            scaler.scale(out.loss).backward()
            distributed.average_gradients(self.params[name])
        with self.phases("optimizer"):
            scaler.step(opt)
            scaler.update()
        return out

    def train_step(self) -> tuple[LossOutput | None, LossOutput]:
        """One step: the model's :meth:`~zoo.GAN.update_schedule` (by default
        ``discriminator_steps`` D updates, each on a fresh batch, and one G update, in the
        model's ``update_order``; the second network sees the last batch of the first), then
        the EMA update. Returns (D output, or None where the schedule had no D update, G
        output)."""
        self.opt.set_lr(self.config.lr_schedule, self.step, self.config.steps)
        self.model.training_progress = self.step / self.config.steps
        outs: dict[str, LossOutput] = {}
        extra: dict[str, torch.Tensor | float] = {}
        epochs = self.stream.epochs_seen  # before this step's batches (top-k's schedule)
        previous: LossOutput | None = None
        for name, fresh in self.model.update_schedule():
            if fresh:
                batch, previous = self._next_batch(), None
            if self.top_k is not None and name == "generator":
                local = self.config.batch_size // self.shard.world
                self.top_k.k = extra["top_k"] = self.top_k.count(local, epochs)
            try:
                loss = self.model.loss_of(name)
                previous = outs[name] = self._update(name, loss, with_handover(batch, previous))
            finally:
                if self.top_k is not None:
                    self.top_k.k = None
        self.step += 1
        if self.r1_every and self.step % self.r1_every == 0:
            with self._eager_discriminators():
                extra["r1"] = self._update("discriminator", self._r1_loss, batch).logs["r1"]
        if self.ada is not None and self.step % self.ada.interval == 0:
            extra["ada_rt"] = self._adapt_augmentation(batch)
        if self.augment is not None:
            extra["augment_p"] = self.augment.p
        if self.ema is not None:
            with self.phases("ema"):
                self.ema.update(self._ema_source, step=self.step)
        d_out = outs.get("discriminator")
        if extra and d_out is not None:
            d_out.logs.update(extra)
        return d_out, outs["generator"]

    def _r1_loss(self, batch: Any) -> LossOutput:
        """Lazy R1 (Mescheder et al., 2018; Karras et al., 2020): every ``r1_every`` steps,
        gamma/2 * E[||grad_x D(x)||^2] on reals, scaled by ``r1_every``."""
        real, scores = self.model.real_scores(batch)
        (grad,) = torch.autograd.grad(scores.float().sum(), real, create_graph=True)
        penalty = grad.float().pow(2).flatten(1).sum(1).mean()
        loss = penalty * (self.config.r1_gamma / 2 * self.r1_every)
        return LossOutput(loss, {"r1": penalty.detach()})

    @torch.no_grad()
    def _adapt_augmentation(self, batch: Any) -> float:
        """ADA: score the reals as D sees them (augmented) and move the probability."""
        with self._autocast():
            _, scores = self.model.real_scores(batch)
        scores = distributed.mean_over_processes(torch.sign(scores.float()).mean())
        assert self.ada is not None and self.augment is not None
        self.augment.p, rt = self.ada.step(self.augment.p, scores, self.config.batch_size)
        return rt

    def _last_checkpoint_note(self) -> str:
        path = self.run.checkpoint
        return f"{path.name}, step {self._saved_step}" if path.exists() else "none written yet"

    def train(self, resume: bool = False) -> Path:
        """Run until ``config.steps``; returns the path of the inference weights. The run
        folder is locked while it runs: a second training into it is refused."""
        try:
            self._prepare_out(resume)
            return self._train()
        finally:
            self.run.release()

    def _train(self) -> Path:
        cfg = self.config
        bar = tqdm(
            total=cfg.steps,
            initial=self.step,
            desc=f"train {self.model.architecture}",
            disable=not cfg.progress or not self.shard.is_main,
            unit="step",
            dynamic_ncols=True,
        )
        log = self.run.open_log()
        self._started = time.perf_counter()
        self._stop_requested = False
        previous_handler = self._catch_sigint()
        try:
            while self.step < cfg.steps:
                d_out, g_out = self.train_step()
                if log is not None and (self.step % cfg.log_every == 0 or self.step == cfg.steps):
                    scalars = {"g_loss": g_out.loss.detach(), **g_out.logs}
                    if d_out is not None:
                        scalars = {"d_loss": d_out.loss.detach(), **d_out.logs, **scalars}
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
            for signum, previous in (previous_handler or {}).items():
                signal.signal(signum, previous)
            bar.close()
            if log is not None:
                log.close()
        self._write_run_config(self.train_time())
        return self.out / WEIGHTS_NAME

    def train_time(self) -> float:
        """Seconds of training so far: this session's, plus those up to the checkpoint a
        resumed run started from (steps redone after an interruption count once)."""
        if self._started is None:
            return self._time_before
        return self._time_before + time.perf_counter() - self._started

    def _catch_sigint(self):
        """Turn the first Ctrl-C (or SIGTERM, as ``kill`` and schedulers send) into a stop
        after the current step, with a checkpoint; a second one aborts. Returns the handlers
        to restore."""
        if threading.current_thread() is not threading.main_thread():
            return None

        def handler(signum, frame):
            self._stop_requested = True
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)

        return {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}

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
        path, latest = self.run.sample_paths(self.step)
        save_grid(images, path, nrow)
        save_grid(images, latest, nrow)
        return path

    def evaluate(self) -> dict[str, float] | None:
        """Measure the inference weights; append to eval.jsonl and redraw eval.png."""
        if not self.shard.is_main or self.evaluator is None:
            return None
        from zoo.metrics.plots import plot_curves

        self.sampler.load_inference_state_dict(self.inference_state())
        metrics = {"step": self.step, **self.evaluator(self.sampler)}
        records = self.run.append_eval(metrics)
        plot_curves(records, self.run.eval_plot, f"{self.model.architecture}: {self.out.name}")
        if self.config.keep_best:
            self._keep_if_best(metrics)
        return metrics

    def _keep_if_best(self, metrics: dict[str, float]) -> None:
        """Write best.safetensors and best.json when ``metrics`` beat the best so far."""
        name = self.config.keep_best
        if name not in metrics:
            raise ConfigError(
                f"train: --keep-best {name}: the evaluation gives {', '.join(metrics)}"
            )
        value, larger = float(metrics[name]), BEST[name]
        if self.best is None:
            self.best = self.run.read_best()
        if self.best is not None:
            old = float(self.best["value"])
            if (value <= old) if larger else (value >= old):
                return
        save_weights(
            self.run.best_weights,
            self.inference_state(),
            self.model.architecture,
            self.model.config.to_dict(),
            extra={"step": str(self.step), name: str(value)},
        )
        self.best = {"metric": name, "value": value, "step": self.step, "metrics": metrics}
        self.run.write_best(self.best)

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
            "train_time_s": self.train_time(),
        }
        if self.device.type == "cuda":
            state["rng_cuda"] = torch.cuda.get_rng_state(self.device)
        if self.ema is not None:
            state["ema"] = self.ema.module.state_dict()
        if self.augment is not None:
            state["augment_p"] = self.augment.p
        return state

    def save(self) -> None:
        """Write the checkpoint and the inference weights, each atomically. A failed write
        (disk full, file too large) leaves the previous files as they were. Rank 0 only."""
        if not self.shard.is_main:
            self._saved_step = self.step
            return
        try:
            save_checkpoint(
                self.run.checkpoint, self.state(), self.model.architecture, self._resume_key()
            )
        except OSError as exc:
            raise CheckpointError(
                f"cannot write the checkpoint in {self.out} at step {self.step}: {exc}. "
                f"The previous checkpoint ({self._last_checkpoint_note()}) is kept"
            ) from None
        self._saved_step = self.step
        try:
            save_weights(
                self.out / WEIGHTS_NAME,
                self.inference_state(),
                self.model.architecture,
                self.model.config.to_dict(),
                extra={"step": str(self.step), **plugin_extra(self.model)},
            )
        except OSError as exc:
            kept = "the previous one is kept" if (self.out / WEIGHTS_NAME).exists() else "none"
            raise CheckpointError(
                f"cannot write the weights {self.out / WEIGHTS_NAME} at step {self.step}: "
                f"{exc} ({kept}). The checkpoint of step {self.step} was written: free some "
                "space and continue with --resume"
            ) from None
        self._write_run_config(self.train_time())  # run.json says how far the run got

    def load(self, path: Path) -> None:
        defaults = {
            "model": type(self.model.config).field_defaults(),
            "train": TrainConfig().resume_key(),
        }
        state = load_checkpoint(path, self.model.architecture, self._resume_key(), defaults)
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
        if self.augment is not None:
            self.augment.p = float(state.get("augment_p", self.augment.p))
        self.stream.load_state(state["data"])
        torch.set_rng_state(state["rng_cpu"])
        if self.device.type == "cuda" and "rng_cuda" in state:
            torch.cuda.set_rng_state(state["rng_cuda"], self.device)
        self.step = int(state["step"])
        if self.step < 0:
            raise CheckpointError(f"{path} says step {self.step}; a checkpoint's step is >= 0")
        self._time_before = float(state.get("train_time_s", 0.0))  # 0 in older ones
        self._saved_step = self.step
        self.run.truncate_logs(self.step)

    def _prepare_out(self, resume: bool) -> None:
        self._saved_step = 0
        self._time_before, self._started = 0.0, None
        self.run.prepare(resume)
        if resume:
            self.load(self.run.checkpoint)
        self._write_run_config(None)

    def _write_run_config(self, elapsed: float | None) -> None:
        info = {
            "architecture": self.model.architecture,
            "config": self.model.config.to_dict(),
            "train": {k: v for k, v in dataclasses.asdict(self.config).items() if k != "progress"},
            "data": self.data.source,
            "step": self.step,
            "zoo_version": __version__,
            **plugin_extra(self.model),
            "device": str(self.device),
            "processes": self.shard.world,
            **self.extra_info,
        }
        if elapsed is not None:
            info["train_time_s"] = round(elapsed, 1)
        self.run.write_info(info)


def discriminator_names(model: GAN) -> tuple[str, ...]:
    """The networks that are trained but not published: the discriminators (critics)."""
    trained = [m for spec in model.optimizers().values() for m in spec.modules]
    return tuple(m for m in dict.fromkeys(trained) if m not in model.inference_modules)


def seed_everything(seed: int) -> None:
    """Seed torch's CPU and CUDA generators (the trainer uses no other randomness)."""
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)

"""How to train (not what): :class:`TrainConfig`, whose fields are the `zoo train` options.

Each field declares its default, its help and its rule once; `zoo train`'s flags are generated
from them (:func:`zoo.cli.train.add_train_config_arguments`), and :meth:`TrainConfig.validate`
checks values the same way whether they come from the CLI or from Python.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from zoo.errors import ConfigError

PRECISIONS = ("fp32", "bf16", "fp16")
SCHEDULES = ("constant", "linear")


def option(default: Any, help: str, *, min: int | None = None, choices: tuple = (), **kw) -> Any:
    """A TrainConfig field with its `zoo train` help, lower bound and choices."""
    metadata = {"help": help, "min": min, "choices": choices, **kw}
    if isinstance(default, dict):
        return dataclasses.field(default_factory=dict, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass
class TrainConfig:
    """How to train (not what): every field is a `zoo train` option."""

    steps: int = option(1000, "generator updates", min=1)
    batch_size: int = option(64, "global batch size (split over torchrun processes)", min=1)
    seed: int = option(0, "random seed of weights, data order and noise", min=0)
    lr: dict[str, float] = option(
        {},
        "learning rate override per optimizer, OPT=VALUE, repeatable "
        "(generator=1e-4, discriminator=4e-4)",
        metavar="OPT=VALUE",
    )
    lr_schedule: str = option(
        "constant", "'linear' decays to zero over the second half", choices=SCHEDULES
    )
    ema_decay: float = option(0.999, "EMA of the generator weights, 0 disables")
    precision: str = option(
        "fp32", "autocast precision (fp16 uses loss scaling)", choices=PRECISIONS
    )
    compile: bool = option(False, "torch.compile the networks")
    device: str = option("auto", "auto, cpu, cuda, cuda:1")
    checkpoint_every: int = option(500, "steps between checkpoints", min=1)
    sample_every: int = option(500, "steps between sample grids", min=1)
    log_every: int = option(25, "steps between log lines", min=1)
    eval_every: int = option(
        0,
        "run zoo eval's metrics every N steps into eval.jsonl and the curve eval.png (0: never)",
        min=0,
    )
    eval_samples: int = option(500, "samples per --eval-every evaluation", min=20)
    num_samples: int = option(64, "images in each sample grid", min=1)
    sync_bn: bool = option(False, "under torchrun: BatchNorm statistics over the global batch")
    channels_last: bool = option(
        False, "NHWC memory format for convolutional networks (faster with bf16 on CPUs)"
    )
    progress: bool = option(True, "a progress bar", negated="no progress bar")

    def validate(self) -> None:
        for f in dataclasses.fields(self):
            value, meta = getattr(self, f.name), f.metadata
            if meta.get("min") is not None and value < meta["min"]:
                raise ConfigError(f"train: {f.name}={value} must be >= {meta['min']}")
            if meta.get("choices") and value not in meta["choices"]:
                raise ConfigError(
                    f"train: {f.name}={value!r}; choose one of {', '.join(meta['choices'])}"
                )
        if not 0.0 <= self.ema_decay < 1.0:
            raise ConfigError(f"train: ema_decay={self.ema_decay} must be in [0, 1)")
        for name, value in self.lr.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"train: lr {name}={value!r} must be a positive number")

    #: settings that may change when a run is resumed
    VOLATILE = (
        "eval_every",
        "eval_samples",
        "channels_last",
        "steps",
        "progress",
        "device",
        "checkpoint_every",
        "sample_every",
        "log_every",
        "compile",
    )

    def resume_key(self) -> dict[str, Any]:
        """The settings a resumed run must share with the original (steps may grow)."""
        d = dataclasses.asdict(self)
        for volatile in self.VOLATILE:
            d.pop(volatile)
        return d


def resolve_device(name: str) -> torch.device:
    """``auto`` (CUDA when present), or a torch device name that exists here."""
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

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
from zoo.train.augment import parse_policy

PRECISIONS = ("fp32", "bf16", "fp16")
SCHEDULES = ("constant", "linear")
#: metrics --keep-best can select by, and whether larger is better
BEST = {"fid": False, "kid": False, "is": True, "precision": True, "recall": True}


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
    ema_decay: float = option(
        0.999, "EMA of the inference weights (decay per step), 0 disables", metavar="DECAY"
    )
    ema_warmup: bool = option(
        True,
        "EMA warm-up (timm's ModelEmaV3): decay min(--ema-decay, 1 - step^(-2/3)) at update "
        "step + 1, so that early averages forget the random start",
        negated="no EMA warm-up: a constant --ema-decay from step 1",
    )
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
    keep_best: str = option(
        "",
        "with --eval-every: keep the weights of the best evaluation so far as "
        "best.safetensors, by this metric (fid, kid: lower is better; is, precision, "
        "recall: higher)",
        metavar="METRIC",
    )
    augment: str = option(
        "",
        "DiffAugment policies applied to every discriminator input, real and fake, "
        "comma-separated: color, translation, cutout (Zhao et al., 2020; small data)",
        metavar="POLICIES",
    )
    ada_target: float = option(
        0.0,
        "ADA (Karras et al., 2020): adapt the probability of each --augment transform so that "
        "E[sign(D(real))] stays near this target (0.6 in the paper); 0: probability 1",
        metavar="RT",
    )
    ada_speed: int = option(
        100_000, "ADA: images over which the probability may move from 0 to 1", min=1
    )
    r1_gamma: float = option(
        0.0,
        "R1 penalty gamma/2 E[||grad D(real)||^2] on reals (Mescheder et al., 2018); 0: off",
        metavar="GAMMA",
    )
    r1_every: int = option(
        16, "lazy R1: every N steps, scaled by N (StyleGAN2's lazy regularisation)", min=1
    )
    top_k: float = option(
        1.0,
        "top-k training (Sinha et al., 2020): the generator learns only from the fakes the "
        "discriminator scores highest, a share shrinking by --top-k-decay per epoch down to "
        "this one (0.5 to 0.75 in the paper); 1: all fakes",
        metavar="SHARE",
    )
    top_k_decay: float = option(
        0.99, "top-k: factor per epoch by which the share of fakes kept shrinks", metavar="GAMMA"
    )
    spectral_norm: bool = option(
        False, "spectral normalisation of every layer of the discriminators (zoo.nn)"
    )
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
        self._validate_regularisers()
        if not 0.0 <= self.ema_decay < 1.0:
            raise ConfigError(f"train: ema_decay={self.ema_decay} must be in [0, 1)")
        for name, value in self.lr.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"train: lr {name}={value!r} must be a positive number")

    def _validate_regularisers(self) -> None:
        if self.augment:
            try:
                parse_policy(self.augment)
            except ValueError as exc:
                raise ConfigError(f"train: {exc}") from None
        if not 0.0 <= self.ada_target < 1.0:
            raise ConfigError(f"train: ada_target={self.ada_target} must be in [0, 1)")
        if self.ada_target and not self.augment:
            raise ConfigError("train: ada_target adapts --augment's probability; give --augment")
        if not 0.0 < self.top_k <= 1.0:
            raise ConfigError(f"train: top_k={self.top_k} must be in (0, 1]")
        if not 0.0 < self.top_k_decay <= 1.0:
            raise ConfigError(f"train: top_k_decay={self.top_k_decay} must be in (0, 1]")
        if self.r1_gamma < 0:
            raise ConfigError(f"train: r1_gamma={self.r1_gamma} must be >= 0")
        if self.keep_best:
            if self.keep_best not in BEST:
                raise ConfigError(
                    f"train: keep_best={self.keep_best!r}; choose one of {', '.join(BEST)}"
                )
            if not self.eval_every:
                raise ConfigError("train: keep_best needs --eval-every N")

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
        "keep_best",
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

"""The trainer's optimizers: one per network group an architecture names, built with timm's
factory and torch's fastest update kernel, and the learning-rate schedule."""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
from timm.optim import create_optimizer_v2
from torch import nn

from zoo.errors import ConfigError
from zoo.models.base import GAN

#: the two optimizer names every architecture returns from ``optimizers()``
NETWORKS = ("generator", "discriminator")
# timm names of optimizers whose torch class has a fused (one kernel for all tensors) step
FUSED_OPTIMIZERS = ("adam", "adamw", "sgd", "momentum")


def optimizer_kernel(opt: str, device: torch.device) -> dict[str, Any]:
    """The fastest update kernel torch offers for ``opt`` on ``device``: ``fused`` where it
    exists (Adam on pix2pix's 57M parameters: see CHANGELOG.md), else ``foreach``."""
    if opt.lower() in FUSED_OPTIMIZERS and device.type in ("cpu", "cuda"):
        return {"fused": True}
    return {"foreach": True}


@dataclasses.dataclass
class Optimizers:
    """The optimizer of each network group, its parameters and its base learning rate."""

    params: dict[str, list[nn.Parameter]]
    optimizers: dict[str, torch.optim.Optimizer]
    base_lr: dict[str, float]

    @classmethod
    def build(cls, model: GAN, lr: dict[str, float], device: torch.device) -> Optimizers:
        """From ``model.optimizers()``, with ``lr`` overriding learning rates by name."""
        specs = model.optimizers()
        if set(specs) != set(NETWORKS):
            raise ConfigError(
                f"{model.architecture}.optimizers() must return 'generator' and 'discriminator', "
                f"got {sorted(specs)}"
            )
        unknown = set(lr) - set(specs)
        if unknown:
            raise ConfigError(f"train: --lr names {sorted(unknown)}; valid: {sorted(specs)}")
        built = cls({}, {}, {})
        for name, spec in specs.items():
            params = [p for m in spec.modules for p in getattr(model, m).parameters()]
            built.base_lr[name] = lr.get(name, spec.lr)
            built.params[name] = params
            built.optimizers[name] = create_optimizer_v2(
                params,
                opt=spec.opt,
                lr=built.base_lr[name],
                weight_decay=spec.weight_decay,
                betas=spec.betas,
                **optimizer_kernel(spec.opt, device),
            )
        return built

    def set_lr(self, schedule: str, step: int, steps: int) -> None:
        """``constant``, or ``linear``: constant, then to zero over the second half."""
        if schedule == "constant":
            return
        half = steps / 2
        factor = 1.0 if step < half else max(0.0, (steps - step) / half)
        for name, opt in self.optimizers.items():
            for group in opt.param_groups:
                group["lr"] = self.base_lr[name] * factor

    def train_only(self, name: str) -> None:
        """Let gradients flow into ``name``'s parameters only (the others are frozen)."""
        for other, params in self.params.items():
            for p in params:
                p.requires_grad_(other == name)

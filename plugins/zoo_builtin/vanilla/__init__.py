"""Vanilla GAN (Goodfellow et al., 2014): MLP generator and discriminator, non-saturating loss."""

from __future__ import annotations

import dataclasses
import math

import torch
from torch import nn

import zoo
from zoo.losses import NonSaturatingLoss

#: the largest MLP the config describes (a 28x28 generator of 8 x 8192 units: 2 GB of weights)
MAX_LAYERS, MAX_WIDTH = 8, 8192


@dataclasses.dataclass(frozen=True)
class VanillaConfig(zoo.GeneratorConfig):
    image_size: int = zoo.choice(28, (28, 32, 64), "side of the square images")
    channels: int = zoo.choice(1, (1, 3), "1 (grayscale) or 3 (RGB)")
    latent_dim: int = zoo.bounded(100, 1, 4096, "size of the latent code")
    g_hidden: tuple[int, ...] = dataclasses.field(
        default=(256, 512, 1024),
        metadata={"doc": "generator hidden widths: 1 to 8 layers of 1 to 8192 units"},
    )
    d_hidden: tuple[int, ...] = dataclasses.field(
        default=(512, 256),
        metadata={"doc": "discriminator hidden widths: 1 to 8 layers of 1 to 8192 units"},
    )
    lr: float = zoo.bounded(2e-4, 1e-7, 1.0, "Adam learning rate of both networks")

    def validate(self) -> None:
        super().validate()
        for name in ("g_hidden", "d_hidden"):
            widths = getattr(self, name)
            if not widths or min(widths) < 1:
                raise zoo.ConfigError(f"vanilla config: {name}={widths} needs positive widths")
            if len(widths) > MAX_LAYERS or max(widths) > MAX_WIDTH:
                raise zoo.ConfigError(
                    f"vanilla config: {name}={widths}: at most {MAX_LAYERS} layers of at most "
                    f"{MAX_WIDTH} units"
                )


class Generator(nn.Module):
    def __init__(self, cfg: VanillaConfig) -> None:
        super().__init__()
        self.shape = (cfg.channels, cfg.image_size, cfg.image_size)
        layers: list[nn.Module] = []
        width = cfg.latent_dim
        for i, h in enumerate(cfg.g_hidden):
            layers.append(nn.Linear(width, h))
            if i > 0:  # as in the common reference MLP: no norm on the first layer
                layers.append(nn.BatchNorm1d(h))
            layers.append(nn.LeakyReLU(0.2, True))
            width = h
        layers += [nn.Linear(width, math.prod(self.shape)), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(z.shape[0], *self.shape)


class Discriminator(nn.Module):
    def __init__(self, cfg: VanillaConfig) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = cfg.channels * cfg.image_size**2
        for h in cfg.d_hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2, True)]
            width = h
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)


class VanillaGAN(NonSaturatingLoss, zoo.UnconditionalGAN):
    """MLP GAN with the non-saturating loss and Adam(lr, 0.5, 0.999)."""

    Config = VanillaConfig

    def __init__(self, config: VanillaConfig | None = None, **overrides) -> None:
        super().__init__(config, **overrides)
        self.generator = Generator(self.config)
        self.discriminator = Discriminator(self.config)

    def optimizers(self) -> dict[str, zoo.OptimizerSpec]:
        lr = self.config.lr
        return {
            "discriminator": zoo.OptimizerSpec(("discriminator",), "adam", lr, (0.5, 0.999)),
            "generator": zoo.OptimizerSpec(("generator",), "adam", lr, (0.5, 0.999)),
        }

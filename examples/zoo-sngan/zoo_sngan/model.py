"""SNGAN (Miyato et al., 2018) as a gan-zoo plugin.

What makes it more than a DCGAN copy:

* every weight of the discriminator is spectrally normalised (``torch.nn.utils.
  parametrizations.spectral_norm``, one power iteration per forward), which bounds its
  Lipschitz constant without a gradient penalty, and it has no BatchNorm;
* the hinge loss: D minimises E[relu(1 - D(x))] + E[relu(1 + D(G(z)))], G minimises
  -E[D(G(z))];
* Adam(2e-4, 0.5, 0.999) with one D step per G step (the paper's "standard" setting);
* ``networks="resnet"``: the paper's residual generator and discriminator
  (:mod:`zoo.nn.resnet`) instead of the DCGAN pair (``"dcgan"``, the default).

Written only against gan-zoo's public API (``zoo``, ``zoo.nn``), as any plugin must be.
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

import zoo
from zoo.nn import (
    conv_discriminator,
    conv_generator,
    init_dcgan_weights,
    resnet_discriminator,
    resnet_generator,
)


@dataclasses.dataclass(frozen=True)
class SNGANConfig(zoo.GeneratorConfig):
    image_size: int = zoo.choice(32, (28, 32, 64), "side of the square images")
    channels: int = zoo.choice(3, (1, 3), "1 (grayscale) or 3 (RGB)")
    latent_dim: int = zoo.bounded(128, 1, 4096, "size of the latent code")
    g_width: int = zoo.bounded(64, 4, 1024, "generator channels of the last layer")
    d_width: int = zoo.bounded(64, 4, 1024, "discriminator channels of the first layer")
    lr: float = zoo.bounded(2e-4, 1e-7, 1.0, "Adam learning rate of both networks")
    networks: str = zoo.choice("dcgan", ("dcgan", "resnet"), "DCGAN or residual (SNGAN) networks")


def hinge_d_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()


def hinge_g_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    return -fake_scores.mean()


def spectrally_normalised(module: nn.Module) -> nn.Module:
    """Wrap every convolution and linear layer of ``module`` in spectral normalisation."""
    for name, child in module.named_children():
        if isinstance(child, (nn.Conv2d, nn.Linear)):
            setattr(module, name, spectral_norm(child))
        else:
            spectrally_normalised(child)
    return module


class SNGAN(zoo.UnconditionalGAN):
    """Spectrally normalised discriminator, hinge loss, DCGAN or residual networks."""

    Config = SNGANConfig

    def __init__(self, config: SNGANConfig | None = None, **overrides) -> None:
        super().__init__(config, **overrides)
        c = self.config
        if c.networks == "resnet":  # PyTorch's default initialisation
            self.generator = resnet_generator(c.latent_dim, c.image_size, c.channels, c.g_width)
            critic = resnet_discriminator(c.image_size, c.channels, c.d_width)
        else:
            self.generator = conv_generator(c.latent_dim, c.image_size, c.channels, c.g_width)
            critic = conv_discriminator(c.image_size, c.channels, c.d_width, "none")
            init_dcgan_weights(critic)
            init_dcgan_weights(self.generator)
        self.discriminator = spectrally_normalised(critic)

    def optimizers(self) -> dict[str, zoo.OptimizerSpec]:
        lr = self.config.lr
        return {
            "discriminator": zoo.OptimizerSpec(("discriminator",), "adam", lr, (0.5, 0.999)),
            "generator": zoo.OptimizerSpec(("generator",), "adam", lr, (0.5, 0.999)),
        }

    def discriminator_loss(self, real: torch.Tensor) -> zoo.LossOutput:
        with torch.no_grad():
            fake = self.generator(self.latent(real.shape[0]))
        real_scores, fake_scores = self.discriminator(real), self.discriminator(fake)
        return zoo.LossOutput(
            hinge_d_loss(real_scores, fake_scores),
            {"d_real": real_scores.detach().mean(), "d_fake": fake_scores.detach().mean()},
        )

    def generator_loss(self, real: torch.Tensor) -> zoo.LossOutput:
        fake = self.generator(self.latent(real.shape[0]))
        return zoo.LossOutput(hinge_g_loss(self.discriminator(fake)))

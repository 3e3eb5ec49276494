"""DCGAN (Radford et al., 2016): strided and transposed convolutions, BatchNorm, ReLU in the
generator, LeakyReLU(0.2) in the discriminator, Tanh output, Adam(2e-4, 0.5, 0.999)."""

from __future__ import annotations

import dataclasses

import zoo
from zoo.losses import NonSaturatingLoss
from zoo.nn import conv_discriminator, conv_generator, init_dcgan_weights


@dataclasses.dataclass(frozen=True)
class DCGANConfig(zoo.GeneratorConfig):
    image_size: int = zoo.choice(64, (28, 32, 64), "side of the square images")
    channels: int = zoo.choice(3, (1, 3), "1 (grayscale) or 3 (RGB)")
    latent_dim: int = zoo.bounded(100, 1, 4096, "size of the latent code")
    g_width: int = zoo.bounded(64, 4, 1024, "generator channels of the last layer (ngf)")
    d_width: int = zoo.bounded(64, 4, 1024, "discriminator channels of the first layer (ndf)")
    lr: float = zoo.bounded(2e-4, 1e-7, 1.0, "Adam learning rate of both networks")


class DCGAN(NonSaturatingLoss, zoo.UnconditionalGAN):
    """The DCGAN architecture and non-saturating objective."""

    Config = DCGANConfig

    def __init__(self, config: DCGANConfig | None = None, **overrides) -> None:
        super().__init__(config, **overrides)
        c = self.config
        self.generator = conv_generator(c.latent_dim, c.image_size, c.channels, c.g_width)
        self.discriminator = conv_discriminator(c.image_size, c.channels, c.d_width, "batch")
        init_dcgan_weights(self)

    def optimizers(self) -> dict[str, zoo.OptimizerSpec]:
        lr = self.config.lr
        return {
            "discriminator": zoo.OptimizerSpec(("discriminator",), "adam", lr, (0.5, 0.999)),
            "generator": zoo.OptimizerSpec(("generator",), "adam", lr, (0.5, 0.999)),
        }

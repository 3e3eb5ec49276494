"""WGAN-GP (Gulrajani et al., 2017): a DCGAN-style generator, a critic without BatchNorm,
the Wasserstein loss with a gradient penalty (lambda 10, one interpolation coefficient and one
gradient norm per sample), five critic updates per generator update, Adam(1e-4, 0, 0.9)."""

from __future__ import annotations

import dataclasses

import torch

import zoo
from zoo.losses import gradient_penalty
from zoo.nn import conv_discriminator, conv_generator, init_dcgan_weights


@dataclasses.dataclass(frozen=True)
class WGANGPConfig(zoo.GeneratorConfig):
    image_size: int = zoo.choice(64, (28, 32, 64), "side of the square images")
    channels: int = zoo.choice(3, (1, 3), "1 (grayscale) or 3 (RGB)")
    latent_dim: int = zoo.bounded(128, 1, 4096, "size of the latent code")
    g_width: int = zoo.bounded(64, 4, 1024, "generator channels of the last layer")
    d_width: int = zoo.bounded(64, 4, 1024, "critic channels of the first layer")
    critic_norm: str = zoo.choice("none", ("none", "layer"), "critic normalisation (never batch)")
    gp_weight: float = zoo.bounded(10.0, 0.0, 1e4, "lambda of the gradient penalty")
    n_critic: int = zoo.bounded(5, 1, 100, "critic updates per generator update")
    lr: float = zoo.bounded(1e-4, 1e-7, 1.0, "Adam learning rate of both networks")


class WGANGP(zoo.UnconditionalGAN):
    """Wasserstein GAN with gradient penalty."""

    Config = WGANGPConfig
    # the gradient penalty differentiates the critic twice, which torch.compile cannot
    compile_modules = ("generator",)

    def __init__(self, config: WGANGPConfig | None = None, **overrides) -> None:
        super().__init__(config, **overrides)
        c = self.config
        self.generator = conv_generator(c.latent_dim, c.image_size, c.channels, c.g_width)
        self.discriminator = conv_discriminator(c.image_size, c.channels, c.d_width, c.critic_norm)
        init_dcgan_weights(self)

    @property
    def discriminator_steps(self) -> int:  # type: ignore[override]
        return self.config.n_critic

    def optimizers(self) -> dict[str, zoo.OptimizerSpec]:
        lr = self.config.lr
        return {
            "discriminator": zoo.OptimizerSpec(("discriminator",), "adam", lr, (0.0, 0.9)),
            "generator": zoo.OptimizerSpec(("generator",), "adam", lr, (0.0, 0.9)),
        }

    def discriminator_loss(self, real: torch.Tensor) -> zoo.LossOutput:
        with torch.no_grad():
            fake = self.generator(self.latent(real.shape[0]))
        real_score = self.discriminator(real).mean()
        fake_score = self.discriminator(fake).mean()
        gp = gradient_penalty(self.discriminator, real, fake)
        return zoo.LossOutput(
            fake_score - real_score + self.config.gp_weight * gp,
            {"wasserstein": (real_score - fake_score).detach(), "gp": gp.detach()},
        )

    def generator_loss(self, real: torch.Tensor) -> zoo.LossOutput:
        fake = self.generator(self.latent(real.shape[0]))
        return zoo.LossOutput(-self.discriminator(fake).mean())

"""cGAN with a projection discriminator (Miyato and Koyama, 2018): a generator with
class-conditional BatchNorm, a spectrally normalised discriminator with the projection head
``psi(phi(x)) + <embed(y), phi(x)>`` (phi: sum-pooled features), the hinge loss, Adam(2e-4,
0.5, 0.999), one discriminator update per generator update.

Where it deviates from the paper: the networks are DCGAN-sized (the paper used ResNets) and
keep DCGAN's Adam settings (the paper: beta1 0, five D updates per G update); fake images are
drawn with uniformly random classes for both losses, also on imbalanced data (emoji: drawn
at the data's class frequencies, the rare categories stayed untrained). A first version
conditioned the generator by concatenating a class embedding to the code; on MNIST it
learned one image per class (the code ignored), so the generator takes the class through its
BatchNorms, as the paper's does.
"""

from __future__ import annotations

import dataclasses

import torch

import zoo
from zoo.losses import hinge_d_loss, hinge_g_loss
from zoo.nn import CBNGenerator, ProjectionDiscriminator, init_dcgan_weights


@dataclasses.dataclass(frozen=True)
class CGANConfig(zoo.ConditionalConfig):
    image_size: int = zoo.choice(28, (28, 32, 64), "side of the square images")
    channels: int = zoo.choice(1, (1, 3), "1 (grayscale) or 3 (RGB)")
    latent_dim: int = zoo.bounded(64, 1, 4096, "size of the latent code")
    g_width: int = zoo.bounded(64, 4, 1024, "generator channels of the last layer (ngf)")
    d_width: int = zoo.bounded(64, 4, 1024, "discriminator channels of the first layer (ndf)")
    lr: float = zoo.bounded(2e-4, 1e-7, 1.0, "Adam learning rate of both networks")


class CGAN(zoo.ConditionalGAN):
    """Class-conditional DCGAN with a projection discriminator and the hinge loss."""

    Config = CGANConfig
    small_config = {"image_size": 28, "g_width": 8, "d_width": 8, "latent_dim": 16}

    def __init__(self, config: CGANConfig | None = None, **overrides) -> None:
        super().__init__(config, **overrides)
        c = self.config
        self.generator = CBNGenerator(
            c.latent_dim, c.num_classes, c.image_size, c.channels, c.g_width
        )
        self.discriminator = ProjectionDiscriminator(
            c.image_size, c.channels, c.d_width, c.num_classes
        )
        init_dcgan_weights(self.generator)

    def optimizers(self) -> dict[str, zoo.OptimizerSpec]:
        lr = self.config.lr
        return {
            "discriminator": zoo.OptimizerSpec(("discriminator",), "adam", lr, (0.5, 0.999)),
            "generator": zoo.OptimizerSpec(("generator",), "adam", lr, (0.5, 0.999)),
        }

    def discriminator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        real, labels = batch["images"], batch["labels"]
        with torch.no_grad():
            fake, fake_labels = self.fake(real.shape[0])
        real_logits = self.discriminator(real, labels)
        fake_logits = self.discriminator(fake, fake_labels)
        return zoo.LossOutput(
            hinge_d_loss(real_logits, fake_logits),
            {"d_real": real_logits.detach().mean(), "d_fake": fake_logits.detach().mean()},
        )

    def generator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        fake, labels = self.fake(batch["images"].shape[0])
        return zoo.LossOutput(hinge_g_loss(self.discriminator(fake, labels)))

"""AC-GAN (Odena et al., 2017): a generator fed the latent code and a class, a discriminator
that outputs a real/fake logit and class logits. With the source log-likelihood L_S and the
class log-likelihood L_C of real and generated images, D maximises L_S + L_C and G
maximises L_C - L_S; DCGAN networks and Adam(2e-4, 0.5, 0.999) as in the paper's
experiments.

Where it deviates from the paper: G minimises the non-saturating -log D(G(z)) instead of
log(1 - D(G(z))) (as the paper's own code and the common implementations do), the class is
given through class-conditional BatchNorms, not a one-hot concatenated to the code (with a
concatenated embedding the generator learned one image per class on MNIST), and the
discriminator has BatchNorm without dropout.
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F

import zoo
from zoo.losses import nonsaturating_d_loss, nonsaturating_g_loss
from zoo.nn import AuxiliaryClassifierDiscriminator, CBNGenerator, init_dcgan_weights


@dataclasses.dataclass(frozen=True)
class ACGANConfig(zoo.ConditionalConfig):
    image_size: int = zoo.choice(28, (28, 32, 64), "side of the square images")
    channels: int = zoo.choice(1, (1, 3), "1 (grayscale) or 3 (RGB)")
    latent_dim: int = zoo.bounded(64, 1, 4096, "size of the latent code")
    g_width: int = zoo.bounded(64, 4, 1024, "generator channels of the last layer (ngf)")
    d_width: int = zoo.bounded(64, 4, 1024, "discriminator channels of the first layer (ndf)")
    class_weight: float = zoo.bounded(1.0, 0.0, 100.0, "weight of the class loss L_C")
    fake_class_loss: bool = dataclasses.field(
        default=True,
        metadata={"doc": "D's class loss on generated images too (the paper); False: reals only"},
    )
    lr: float = zoo.bounded(2e-4, 1e-7, 1.0, "Adam learning rate of both networks")


class ACGAN(zoo.ConditionalGAN):
    """Auxiliary-classifier GAN."""

    Config = ACGANConfig
    small_config = {"image_size": 28, "g_width": 8, "d_width": 8, "latent_dim": 16}

    def __init__(self, config: ACGANConfig | None = None, **overrides) -> None:
        super().__init__(config, **overrides)
        c = self.config
        self.generator = CBNGenerator(
            c.latent_dim, c.num_classes, c.image_size, c.channels, c.g_width
        )
        self.discriminator = AuxiliaryClassifierDiscriminator(
            c.image_size, c.channels, c.d_width, c.num_classes
        )
        init_dcgan_weights(self)

    def optimizers(self) -> dict[str, zoo.OptimizerSpec]:
        lr = self.config.lr
        return {
            "discriminator": zoo.OptimizerSpec(("discriminator",), "adam", lr, (0.5, 0.999)),
            "generator": zoo.OptimizerSpec(("generator",), "adam", lr, (0.5, 0.999)),
        }

    def real_scores(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        real = batch["images"].detach().requires_grad_(True)
        return real, self.discriminator(real)[0]  # the real/fake head

    def discriminator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        real, labels = batch["images"], batch["labels"]
        with torch.no_grad():
            fake, fake_labels = self.fake(real.shape[0])
        real_source, real_classes = self.discriminator(real)
        fake_source, fake_classes = self.discriminator(fake)
        source = nonsaturating_d_loss(real_source, fake_source)
        classes = F.cross_entropy(real_classes, labels)
        if self.config.fake_class_loss:
            classes = classes + F.cross_entropy(fake_classes, fake_labels)
        accuracy = (real_classes.detach().argmax(1) == labels).float().mean()
        return zoo.LossOutput(
            source + self.config.class_weight * classes,
            {"d_source": source.detach(), "d_class": classes.detach(), "d_accuracy": accuracy},
        )

    def generator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        fake, labels = self.fake(batch["images"].shape[0])
        source, classes = self.discriminator(fake)
        class_loss = F.cross_entropy(classes, labels)
        return zoo.LossOutput(
            nonsaturating_g_loss(source) + self.config.class_weight * class_loss,
            {"g_class": class_loss.detach()},
        )

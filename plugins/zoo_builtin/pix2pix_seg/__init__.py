"""Adversarial segmentation in the pix2pix manner (Luc et al., 2016, "Semantic Segmentation
using Adversarial Networks"): pix2pix's U-Net producing class logits instead of an image, a
PatchGAN discriminator on (image, class map) pairs (the true one-hot mask, or the
generator's softmax probabilities), cross-entropy plus ``adversarial_weight`` times the GAN
loss. ``adversarial_weight=0`` trains the same U-Net with cross-entropy alone (the
discriminator is then not trained), the baseline that shows what the GAN term buys.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import torch
import torch.nn.functional as F

import zoo
from zoo.losses import patch_gan_loss
from zoo.nn import NLayerDiscriminator, UnetGenerator, init_normal
from zoo.nn.translation import NORMS, UNET_DEPTHS


@dataclasses.dataclass(frozen=True)
class Pix2PixSegConfig(zoo.SegmentationConfig):
    image_size: int = zoo.bounded(64, 32, 2048, "training crop side (a multiple of 2^depth)")
    input_nc: int = zoo.choice(3, (1, 3), "image channels")
    generator: str = zoo.choice("unet_64", tuple(UNET_DEPTHS), "U-Net depth (unet_64: 6 halvings)")
    ngf: int = zoo.bounded(32, 1, 1024, "generator channels of the first layer")
    ndf: int = zoo.bounded(32, 1, 1024, "discriminator channels of the first layer")
    n_layers_d: int = zoo.bounded(3, 1, 8, "PatchGAN layers (3: 70x70 patches)")
    norm: str = zoo.choice("batch", NORMS, "normalisation of G and D")
    adversarial_weight: float = zoo.bounded(0.1, 0.0, 100.0, "weight of the GAN loss (0: none)")
    lr: float = zoo.bounded(2e-4, 1e-7, 1.0, "Adam learning rate")
    beta1: float = zoo.bounded(0.5, 0.0, 0.999, "Adam beta1")


class Pix2PixSeg(zoo.SegmentationGAN):
    """Image -> mask of ``num_classes`` classes."""

    Config = Pix2PixSegConfig
    small_config = {"ngf": 4, "ndf": 4, "image_size": 32, "generator": "unet_32"}

    def __init__(self, config: Pix2PixSegConfig | None = None, **overrides) -> None:
        super().__init__(config, **overrides)
        c = self.config
        self.generator = UnetGenerator(
            c.input_nc, c.num_classes, UNET_DEPTHS[c.generator], c.ngf, c.norm, tanh=False
        )
        if c.image_size % self.generator.stride:
            raise zoo.ConfigError(
                f"pix2pix-seg config: image_size={c.image_size} must be a multiple of "
                f"{self.generator.stride} for generator={c.generator!r}"
            )
        self.discriminator = NLayerDiscriminator(
            c.input_nc + c.num_classes, c.ndf, c.n_layers_d, c.norm
        )
        init_normal(self)

    @property
    def cross_entropy_only(self) -> bool:
        return self.config.adversarial_weight == 0

    def optimizers(self) -> dict[str, zoo.OptimizerSpec]:
        c = self.config
        return {
            "discriminator": zoo.OptimizerSpec(("discriminator",), "adam", c.lr, (c.beta1, 0.999)),
            "generator": zoo.OptimizerSpec(("generator",), "adam", c.lr, (c.beta1, 0.999)),
        }

    def update_schedule(self) -> Iterator[tuple[str, bool]]:
        if self.cross_entropy_only:
            yield "generator", True
        else:
            yield from super().update_schedule()

    def _pair(self, images: torch.Tensor, class_map: torch.Tensor) -> torch.Tensor:
        return self.discriminator(torch.cat([images, class_map * 2 - 1], 1))

    def _one_hot(self, mask: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        k = self.config.num_classes
        return F.one_hot(mask, k).permute(0, 3, 1, 2).to(like.dtype)

    def discriminator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        images, mask = batch["A"], batch["mask"]
        with torch.no_grad():
            probs = self.generator(images).softmax(1)
        loss_fake = patch_gan_loss(self._pair(images, probs), False, "vanilla")
        loss_real = patch_gan_loss(self._pair(images, self._one_hot(mask, probs)), True, "vanilla")
        return zoo.LossOutput(
            0.5 * (loss_fake + loss_real),
            {"d_real": loss_real.detach(), "d_fake": loss_fake.detach()},
        )

    def generator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        images, mask = batch["A"], batch["mask"]
        logits = self.generator(images)
        ce = F.cross_entropy(logits.float(), mask)
        if self.cross_entropy_only:
            return zoo.LossOutput(ce, {"g_ce": ce.detach()})
        gan = patch_gan_loss(self._pair(images, logits.softmax(1)), True, "vanilla")
        return zoo.LossOutput(
            ce + self.config.adversarial_weight * gan, {"g_ce": ce.detach(), "g_gan": gan.detach()}
        )

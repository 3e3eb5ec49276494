"""SRGAN (Ledig et al., 2017): an SRResNet generator (residual blocks, sub-pixel
upsampling), a VGG-style discriminator on high-resolution patches, a content loss plus a small
adversarial term (``adversarial_weight``, 1e-3 in the paper).

The paper's recipe is two stages with the common trainer: pretrain the generator with the
content loss alone (``--set adversarial_weight=0``: the SRResNet; the discriminator is then
not trained at all), then fine-tune adversarially from it (``zoo train srgan --init-from
RUN``). ``relativistic=True`` uses ESRGAN's relativistic average discriminator. The content
loss is L1 or MSE on pixels: the paper's perceptual loss on VGG features needs ImageNet VGG
weights, which cannot be had offline here, so it is not offered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import torch
import torch.nn.functional as F

import zoo
from zoo.nn import SCALES, SR_NORMS, SRDiscriminator, SRResNet, init_normal


@dataclasses.dataclass(frozen=True)
class SRGANConfig(zoo.SuperResolutionConfig):
    scale: int = zoo.choice(4, SCALES, "upscaling factor")
    image_size: int = zoo.bounded(96, 8, 1024, "high-resolution training crop side")
    channels: int = zoo.choice(3, (1, 3), "image channels")
    width: int = zoo.bounded(64, 4, 512, "generator channels")
    blocks: int = zoo.bounded(16, 1, 64, "generator residual blocks")
    norm: str = zoo.choice("none", SR_NORMS, "generator norm (SRGAN: batch; EDSR/ESRGAN: none)")
    residual: bool = zoo.choice(True, (True, False), "add the bicubic upscaling to the output")
    ndf: int = zoo.bounded(64, 4, 512, "discriminator channels of the first layer")
    content_loss: str = zoo.choice("l1", ("l1", "mse"), "pixel loss against the original")
    adversarial_weight: float = zoo.bounded(1e-3, 0.0, 10.0, "weight of the GAN loss (0: SRResNet)")
    relativistic: bool = zoo.choice(False, (True, False), "ESRGAN's relativistic average GAN")
    lr: float = zoo.bounded(1e-4, 1e-7, 1.0, "Adam learning rate")


class SRGAN(zoo.SuperResolutionGAN):
    """Single-image super-resolution by ``scale``."""

    Config = SRGANConfig
    small_config = {"width": 8, "blocks": 2, "ndf": 4, "image_size": 32}

    def __init__(self, config: SRGANConfig | None = None, **overrides) -> None:
        super().__init__(config, **overrides)
        c = self.config
        if c.image_size % c.scale:
            raise zoo.ConfigError(
                f"srgan config: image_size={c.image_size} must be a multiple of the scale "
                f"{c.scale} (it is the high-resolution crop side)"
            )
        self.generator = SRResNet(c.channels, c.width, c.blocks, c.scale, c.norm, c.residual)
        self.discriminator = SRDiscriminator(c.channels, c.ndf)
        init_normal(self.discriminator)
        if c.residual:  # start at bicubic: the learned detail starts small
            torch.nn.init.zeros_(self.generator.head.weight)
            torch.nn.init.zeros_(self.generator.head.bias)

    @property
    def content_only(self) -> bool:
        return self.config.adversarial_weight == 0

    def optimizers(self) -> dict[str, zoo.OptimizerSpec]:
        lr = self.config.lr
        return {
            "discriminator": zoo.OptimizerSpec(("discriminator",), "adam", lr, (0.9, 0.999)),
            "generator": zoo.OptimizerSpec(("generator",), "adam", lr, (0.9, 0.999)),
        }

    def update_schedule(self) -> Iterator[tuple[str, bool]]:
        if self.content_only:  # SRResNet: the discriminator plays no part
            yield "generator", True
        else:
            yield from super().update_schedule()

    def _logits(self, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, ...]:
        d_real, d_fake = self.discriminator(real), self.discriminator(fake)
        if self.config.relativistic:  # D(x) - E[D(fake)], D(fake) - E[D(x)]
            return d_real - d_fake.mean(), d_fake - d_real.mean()
        return d_real, d_fake

    def discriminator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        with torch.no_grad():
            fake = self.generator(batch["A"])
        real_logits, fake_logits = self._logits(batch["B"], fake)
        loss_real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
        loss_fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        return zoo.LossOutput(
            loss_real + loss_fake, {"d_real": loss_real.detach(), "d_fake": loss_fake.detach()}
        )

    def generator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        c = self.config
        fake = self.generator(batch["A"])
        loss_fn = F.l1_loss if c.content_loss == "l1" else F.mse_loss
        content = loss_fn(fake, batch["B"])
        if self.content_only:
            return zoo.LossOutput(content, {"g_content": content.detach()})
        real_logits, fake_logits = self._logits(batch["B"], fake)
        adversarial = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
        if c.relativistic:
            adversarial = 0.5 * (
                adversarial
                + F.binary_cross_entropy_with_logits(real_logits, torch.zeros_like(real_logits))
            )
        return zoo.LossOutput(
            content + c.adversarial_weight * adversarial,
            {"g_content": content.detach(), "g_gan": adversarial.detach()},
        )

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

import torch

import zoo
from zoo.losses import SuperResolutionLoss, SuperResolutionLossConfig
from zoo.nn import SCALES, SR_NORMS, SRDiscriminator, SRResNet, init_normal


@dataclasses.dataclass(frozen=True)
class SRGANConfig(SuperResolutionLossConfig, zoo.SuperResolutionConfig):
    scale: int = zoo.choice(4, SCALES, "upscaling factor")
    image_size: int = zoo.bounded(96, 8, 1024, "high-resolution training crop side")
    channels: int = zoo.choice(3, (1, 3), "image channels")
    width: int = zoo.bounded(64, 4, 512, "generator channels")
    blocks: int = zoo.bounded(16, 1, 64, "generator residual blocks")
    norm: str = zoo.choice("none", SR_NORMS, "generator norm (SRGAN: batch; EDSR/ESRGAN: none)")
    residual: bool = zoo.choice(True, (True, False), "add the bicubic upscaling to the output")


class SRGAN(SuperResolutionLoss, zoo.SuperResolutionGAN):
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

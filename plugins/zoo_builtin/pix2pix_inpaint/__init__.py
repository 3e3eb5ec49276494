"""Inpainting in the pix2pix manner: pix2pix's U-Net takes the image with its hole blanked and
the mask (``zoo.masks.masked_input``), a PatchGAN discriminator judges (image, mask)
pairs, the real image or the generator's output pasted into the hole
(:class:`zoo.losses.InpaintingLoss`: L1 with the hole's pixels weighted ``hole_weight``, as
Liu et al., 2018, plus ``adversarial_weight`` times the GAN loss). ``adversarial_weight=0``
trains the U-Net on L1 alone (the discriminator is then not trained), the baseline that shows
what the GAN term buys.
"""

from __future__ import annotations

import dataclasses

import zoo
from zoo.losses import InpaintingLoss, InpaintingLossConfig
from zoo.nn import NLayerDiscriminator, UnetGenerator, init_normal
from zoo.nn.translation import NORMS, UNET_DEPTHS


@dataclasses.dataclass(frozen=True)
class Pix2PixInpaintConfig(InpaintingLossConfig, zoo.InpaintingConfig):
    image_size: int = zoo.bounded(128, 32, 2048, "training crop side (a multiple of 2^depth)")
    channels: int = zoo.choice(3, (1, 3), "image channels")
    generator: str = zoo.choice(
        "unet_128", tuple(UNET_DEPTHS), "U-Net depth (unet_128: 7 halvings)"
    )
    ngf: int = zoo.bounded(32, 1, 1024, "generator channels of the first layer")
    ndf: int = zoo.bounded(32, 1, 1024, "discriminator channels of the first layer")
    n_layers_d: int = zoo.bounded(3, 1, 8, "PatchGAN layers (3: 70x70 patches)")
    norm: str = zoo.choice("batch", NORMS, "normalisation of G and D")


class Pix2PixInpaint(InpaintingLoss, zoo.InpaintingGAN):
    """Fills the holes of images with ``channels`` channels."""

    Config = Pix2PixInpaintConfig
    small_config = {"ngf": 4, "ndf": 4, "image_size": 32, "generator": "unet_32"}

    def __init__(self, config: Pix2PixInpaintConfig | None = None, **overrides) -> None:
        super().__init__(config, **overrides)
        c = self.config
        self.generator = UnetGenerator(
            c.channels + 1, c.channels, UNET_DEPTHS[c.generator], c.ngf, c.norm
        )
        if c.image_size % self.generator.stride:
            raise zoo.ConfigError(
                f"pix2pix-inpaint config: image_size={c.image_size} must be a multiple of "
                f"{self.generator.stride} for generator={c.generator!r}"
            )
        self.discriminator = NLayerDiscriminator(c.channels + 1, c.ndf, c.n_layers_d, c.norm)
        init_normal(self)

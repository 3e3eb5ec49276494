"""Inpainting in the pix2pix manner: pix2pix's U-Net takes the image with its hole blanked and
the mask (``zoo.masks.masked_input``); with ``coarse="diffusion"`` (the default) the hole is
first filled by ``zoo.masks.diffusion_fill`` (4 sweeps a level: cheap to run and to export)
and the U-Net, its last layer starting at zero,
adds a correction to that fill, so training starts from the diffusion fill rather than from
grey (coarse to fine, as DeepFill's two stages). A PatchGAN discriminator judges (image, mask)
pairs, the real image or the generator's output pasted into the hole
(:class:`zoo.losses.InpaintingLoss`: L1 with the hole's pixels weighted ``hole_weight``, as
Liu et al., 2018, plus ``adversarial_weight`` times the GAN loss). ``adversarial_weight=0``
trains the U-Net on L1 alone (the discriminator is then not trained), the baseline that shows
what the GAN term buys.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

import zoo
from zoo.losses import InpaintingLoss, InpaintingLossConfig
from zoo.masks import diffusion_fill
from zoo.nn import NLayerDiscriminator, UnetGenerator, init_normal
from zoo.nn.translation import NORMS, UNET_DEPTHS

#: Jacobi sweeps of the coarse fill at each pyramid level (40, the metric's baseline, makes
#: the exported graph ten times larger for 0.15 dB)
COARSE_SWEEPS = 4


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
    coarse: str = zoo.choice(
        "diffusion", ("diffusion", "none"), "U-Net refines a diffusion fill, or fills from grey"
    )


class DiffusionRefiner(nn.Module):
    """``masked_input`` -> the diffusion fill of the hole plus the U-Net's correction of it
    (the U-Net sees the filled image and the mask)."""

    def __init__(self, unet: UnetGenerator, channels: int) -> None:
        super().__init__()
        self.unet, self.channels, self.stride = unet, channels, unet.stride
        last = [m for m in unet.modules() if isinstance(m, nn.ConvTranspose2d)][-1]
        nn.init.zeros_(last.weight)  # starts as the diffusion fill itself
        nn.init.zeros_(last.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.channels
        images, masks = x[:, :c], x[:, c:]
        with torch.no_grad():
            filled = diffusion_fill(images, masks, COARSE_SWEEPS)
        return filled + self.unet(torch.cat([filled, masks], 1))


class Pix2PixInpaint(InpaintingLoss, zoo.InpaintingGAN):
    """Fills the holes of images with ``channels`` channels."""

    Config = Pix2PixInpaintConfig
    small_config = {"ngf": 4, "ndf": 4, "image_size": 32, "generator": "unet_32"}

    def __init__(self, config: Pix2PixInpaintConfig | None = None, **overrides) -> None:
        super().__init__(config, **overrides)
        c = self.config
        unet = UnetGenerator(c.channels + 1, c.channels, UNET_DEPTHS[c.generator], c.ngf, c.norm)
        self.discriminator = NLayerDiscriminator(c.channels + 1, c.ndf, c.n_layers_d, c.norm)
        init_normal(unet)  # before the refiner zeroes its last layer
        init_normal(self.discriminator)
        self.generator = unet if c.coarse == "none" else DiffusionRefiner(unet, c.channels)
        if c.image_size % unet.stride:
            raise zoo.ConfigError(
                f"pix2pix-inpaint config: image_size={c.image_size} must be a multiple of "
                f"{self.generator.stride} for generator={c.generator!r}"
            )

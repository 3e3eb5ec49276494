"""pix2pix (Isola et al., 2017): a U-Net generator with skip connections (BatchNorm, dropout
0.5 in the inner layers), a 70x70 PatchGAN discriminator on the (input, output) pair, the GAN
loss plus lambda_L1 = 100 times the L1 distance to the target, Adam(2e-4, 0.5, 0.999).

Module layout and parameter names are those of the reference implementation
(junyanz/pytorch-CycleGAN-and-pix2pix), so ``latest_net_G.pth`` files import with
``zoo import-checkpoint latest_net_G.pth -o DIR``.
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F

import zoo
from zoo.losses import patch_gan_loss
from zoo.nn import NLayerDiscriminator, build_generator, init_normal
from zoo.nn.translation import GENERATORS, NORMS


@dataclasses.dataclass(frozen=True)
class Pix2PixConfig(zoo.ImageToImageConfig):
    image_size: int = zoo.bounded(256, 32, 2048, "training crop side (a multiple of 2^depth)")
    input_nc: int = zoo.choice(3, (1, 2, 3, 4), "channels of the input A")
    output_nc: int = zoo.choice(3, (1, 2, 3, 4), "channels of the output B")
    generator: str = zoo.choice("unet_256", GENERATORS, "netG of the reference")
    ngf: int = zoo.bounded(64, 1, 1024, "generator channels of the first layer")
    ndf: int = zoo.bounded(64, 1, 1024, "discriminator channels of the first layer")
    n_layers_d: int = zoo.bounded(3, 1, 8, "PatchGAN layers (3: 70x70 patches)")
    norm: str = zoo.choice("batch", NORMS, "normalisation of G and D")
    dropout: bool = zoo.choice(True, (True, False), "dropout 0.5 in the generator")
    gan_mode: str = zoo.choice("vanilla", ("vanilla", "lsgan"), "GAN loss")
    lambda_l1: float = zoo.bounded(100.0, 0.0, 1e5, "weight of the L1 loss")
    lr: float = zoo.bounded(2e-4, 1e-7, 1.0, "Adam learning rate")
    beta1: float = zoo.bounded(0.5, 0.0, 0.999, "Adam beta1")


class Pix2Pix(zoo.ImageToImageGAN):
    """Paired image-to-image translation A -> B."""

    Config = Pix2PixConfig
    directions = {"AtoB": "generator"}
    # every code path, quickly: a 6-level U-Net, 4 channels wide
    small_config = {"ngf": 4, "ndf": 4, "image_size": 64, "generator": "unet_64"}

    def __init__(self, config: Pix2PixConfig | None = None, **overrides) -> None:
        super().__init__(config, **overrides)
        c = self.config
        self.generator = build_generator(
            c.generator, c.input_nc, c.output_nc, c.ngf, c.norm, c.dropout
        )
        if c.image_size % self.generator.stride:
            raise zoo.ConfigError(
                f"pix2pix config: image_size={c.image_size} must be a multiple of "
                f"{self.generator.stride} for generator={c.generator!r}"
            )
        self.discriminator = NLayerDiscriminator(
            c.input_nc + c.output_nc, c.ndf, c.n_layers_d, c.norm
        )
        init_normal(self)

    def optimizers(self) -> dict[str, zoo.OptimizerSpec]:
        c = self.config
        return {
            "discriminator": zoo.OptimizerSpec(("discriminator",), "adam", c.lr, (c.beta1, 0.999)),
            "generator": zoo.OptimizerSpec(("generator",), "adam", c.lr, (c.beta1, 0.999)),
        }

    def discriminator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        a, b = batch["A"], batch["B"]
        with torch.no_grad():
            fake = self.generator(a)
        mode = self.config.gan_mode
        loss_fake = patch_gan_loss(self.discriminator(torch.cat([a, fake], 1)), False, mode)
        loss_real = patch_gan_loss(self.discriminator(torch.cat([a, b], 1)), True, mode)
        return zoo.LossOutput(
            0.5 * (loss_fake + loss_real),
            {"d_real": loss_real.detach(), "d_fake": loss_fake.detach()},
        )

    def generator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        a, b = batch["A"], batch["B"]
        fake = self.generator(a)
        logits = self.discriminator(torch.cat([a, fake], 1))
        gan = patch_gan_loss(logits, True, self.config.gan_mode)
        l1 = F.l1_loss(fake, b)
        return zoo.LossOutput(
            gan + self.config.lambda_l1 * l1, {"g_gan": gan.detach(), "g_l1": l1.detach()}
        )

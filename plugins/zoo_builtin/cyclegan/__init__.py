"""CycleGAN (Zhu et al., 2017): two ResNet generators (reflection padding, InstanceNorm,
transposed-convolution upsampling; 9 or 6 blocks), two 70x70 PatchGAN discriminators, the
least-squares GAN loss, cycle-consistency loss (lambda 10 each way), identity loss (0.5 of
lambda), and a pool of 50 past fakes for the discriminators. Adam(2e-4, 0.5, 0.999).

Networks are named after the reference implementation's files: ``G_A`` (A -> B, from
``latest_net_G_A.pth``), ``G_B`` (B -> A), ``D_A`` (judges domain B), ``D_B`` (judges A).
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F

import zoo
from zoo.losses import patch_gan_loss
from zoo.nn import ImagePool, NLayerDiscriminator, build_generator, init_normal
from zoo.nn.translation import GENERATORS, NORMS


@dataclasses.dataclass(frozen=True)
class CycleGANConfig(zoo.ImageToImageConfig):
    image_size: int = zoo.bounded(256, 16, 2048, "training crop side (a multiple of 4)")
    input_nc: int = zoo.choice(3, (1, 2, 3, 4), "channels of domain A")
    output_nc: int = zoo.choice(3, (1, 2, 3, 4), "channels of domain B")
    generator: str = zoo.choice("resnet_9blocks", GENERATORS, "netG of the reference")
    ngf: int = zoo.bounded(64, 1, 1024, "generator channels of the first layer")
    ndf: int = zoo.bounded(64, 1, 1024, "discriminator channels of the first layer")
    n_layers_d: int = zoo.bounded(3, 1, 8, "PatchGAN layers (3: 70x70 patches)")
    norm: str = zoo.choice("instance", NORMS, "normalisation of G and D")
    dropout: bool = zoo.choice(False, (True, False), "dropout 0.5 in the generators")
    gan_mode: str = zoo.choice("lsgan", ("lsgan", "vanilla"), "GAN loss")
    lambda_a: float = zoo.bounded(10.0, 0.0, 1e4, "cycle loss weight A -> B -> A")
    lambda_b: float = zoo.bounded(10.0, 0.0, 1e4, "cycle loss weight B -> A -> B")
    lambda_identity: float = zoo.bounded(0.5, 0.0, 10.0, "identity loss, relative to lambda")
    pool_size: int = zoo.bounded(50, 0, 10000, "past fakes kept for the discriminators")
    lr: float = zoo.bounded(2e-4, 1e-7, 1.0, "Adam learning rate")
    beta1: float = zoo.bounded(0.5, 0.0, 0.999, "Adam beta1")


class CycleGAN(zoo.ImageToImageGAN):
    """Unpaired translation between domains A and B, both ways."""

    Config = CycleGANConfig
    inference_modules = ("G_A", "G_B")
    directions = {"AtoB": "G_A", "BtoA": "G_B"}
    # as the reference: update the generators, then show the discriminators those fakes
    update_order = ("generator", "discriminator")
    small_config = {"ngf": 4, "ndf": 4, "image_size": 64}

    @classmethod
    def reference_config(cls, inferred: dict) -> dict:
        """Reference generators of different input and output channels take no identity
        loss (it needs input_nc == output_nc)."""
        config = dict(inferred)
        if config["input_nc"] != config["output_nc"]:
            config["lambda_identity"] = 0.0
        return config

    def __init__(self, config: CycleGANConfig | None = None, **overrides) -> None:
        super().__init__(config, **overrides)
        c = self.config
        if c.lambda_identity > 0 and c.input_nc != c.output_nc:
            raise zoo.ConfigError(
                f"cyclegan config: lambda_identity={c.lambda_identity} needs input_nc == "
                f"output_nc (got {c.input_nc} and {c.output_nc}); set lambda_identity=0"
            )
        self.G_A = build_generator(c.generator, c.input_nc, c.output_nc, c.ngf, c.norm, c.dropout)
        self.G_B = build_generator(c.generator, c.output_nc, c.input_nc, c.ngf, c.norm, c.dropout)
        if c.image_size % self.G_A.stride:
            raise zoo.ConfigError(
                f"cyclegan config: image_size={c.image_size} must be a multiple of "
                f"{self.G_A.stride} for generator={c.generator!r}"
            )
        self.D_A = NLayerDiscriminator(c.output_nc, c.ndf, c.n_layers_d, c.norm)
        self.D_B = NLayerDiscriminator(c.input_nc, c.ndf, c.n_layers_d, c.norm)
        size = c.image_size
        self.fake_A_pool = ImagePool(c.pool_size, (c.input_nc, size, size))
        self.fake_B_pool = ImagePool(c.pool_size, (c.output_nc, size, size))
        init_normal(self)

    def optimizers(self) -> dict[str, zoo.OptimizerSpec]:
        c = self.config
        betas = (c.beta1, 0.999)
        return {
            "generator": zoo.OptimizerSpec(("G_A", "G_B"), "adam", c.lr, betas),
            "discriminator": zoo.OptimizerSpec(("D_A", "D_B"), "adam", c.lr, betas),
        }

    def generator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        c = self.config
        a, b = batch["A"], batch["B"]
        fake_b, fake_a = self.G_A(a), self.G_B(b)
        rec_a, rec_b = self.G_B(fake_b), self.G_A(fake_a)
        gan_a = patch_gan_loss(self.D_A(fake_b), True, c.gan_mode)
        gan_b = patch_gan_loss(self.D_B(fake_a), True, c.gan_mode)
        cycle = F.l1_loss(rec_a, a) * c.lambda_a + F.l1_loss(rec_b, b) * c.lambda_b
        loss = gan_a + gan_b + cycle
        logs = {"g_gan": (gan_a + gan_b).detach(), "cycle": cycle.detach()}
        if c.lambda_identity > 0:
            idt = F.l1_loss(self.G_A(b), b) * c.lambda_b + F.l1_loss(self.G_B(a), a) * c.lambda_a
            loss = loss + idt * c.lambda_identity
            logs["identity"] = idt.detach()
        # the discriminators see the fakes of this update (CycleGAN's order: G, then D)
        handover = {"fake_A": fake_a.detach(), "fake_B": fake_b.detach()}
        return zoo.LossOutput(loss, logs, handover)

    def discriminator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        c = self.config
        a, b = batch["A"], batch["B"]
        if "fake_A" in batch:  # handed over by the generator update of this step
            fakes = batch["fake_A"], batch["fake_B"]
        else:  # called on its own (or on a fresh batch)
            with torch.no_grad():
                fakes = (self.G_B(b), self.G_A(a))
        fake_a, fake_b = self.fake_A_pool.query(fakes[0]), self.fake_B_pool.query(fakes[1])
        d_a = 0.5 * (
            patch_gan_loss(self.D_A(b), True, c.gan_mode)
            + patch_gan_loss(self.D_A(fake_b), False, c.gan_mode)
        )
        d_b = 0.5 * (
            patch_gan_loss(self.D_B(a), True, c.gan_mode)
            + patch_gan_loss(self.D_B(fake_a), False, c.gan_mode)
        )
        return zoo.LossOutput(d_a + d_b, {"d_a": d_a.detach(), "d_b": d_b.detach()})

"""R3GAN (Huang, Gokaslan, Kuleshov and Tompkin, NeurIPS 2024, "The GAN is dead; long live the
GAN! A Modern GAN Baseline"): the relativistic pairing loss (RpGAN) with zero-centred gradient
penalties on real and fake images (R1 and R2), and a plain modern backbone (residual blocks
of grouped convolutions, no normalisation, filtered resampling; :mod:`.networks`).

``r3gan`` draws unconditional images, ``r3gan-cond`` class-conditional ones (the class's
embedding concatenated to the code; the discriminator projects its features on the class's
embedding; each fake is drawn with the class of the real image it is paired with). The
reference's schedules are cosine decays over the whole run here: the penalty weight
``gamma`` falls to ``gamma * gamma_decay``. Adam with beta1 0 as in the paper.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar

import torch

import zoo
from zoo.losses import relativistic_d_loss, relativistic_g_loss, zero_centered_penalty

from .networks import Discriminator, Generator
from .reference import PICKLE_MODULES, is_r3gan_pickle, load_pickle

#: sides an R3GAN draws: 4 * 2^(stages - 1)
SIZES = (8, 16, 32, 64, 128, 256, 512, 1024)
MAX_STAGES, MAX_WIDTH, MAX_BLOCKS = 9, 4096, 16


def _per_stage(doc: str, default: tuple[int, ...]) -> Any:
    return dataclasses.field(default=default, metadata={"doc": doc})


@dataclasses.dataclass(frozen=True)
class R3GANConfig(zoo.GeneratorConfig):
    image_size: int = zoo.choice(32, SIZES, "side of the square images: 4 * 2^(stages - 1)")
    channels: int = zoo.bounded(3, 1, 4, "image channels (1: grayscale, 3: RGB)")
    latent_dim: int = zoo.bounded(64, 1, 4096, "size of the latent code (NoiseDimension)")
    widths: tuple[int, ...] = _per_stage(
        "generator width per stage from 4x4 up (the discriminator mirrors it); 1 to 4096",
        (128, 128, 128, 128),
    )
    cardinalities: tuple[int, ...] = _per_stage(
        "groups of the KxK convolution per stage; each divides width * expansion",
        (8, 8, 8, 8),
    )
    blocks: tuple[int, ...] = _per_stage("residual blocks per stage, 1 to 16", (1, 1, 1, 1))
    expansion: int = zoo.bounded(2, 1, 8, "width multiplier inside a residual block")
    kernel_size: int = zoo.choice(3, (1, 3, 5), "side of the grouped convolution")
    bf16_stages: tuple[int, ...] = _per_stage(
        "generator stages run in bfloat16, and the discriminator's of the same resolutions "
        "(the reference's FP16Stages: -1 is the highest resolution)",
        (),
    )
    gamma: float = zoo.bounded(0.05, 0.0, 1e4, "weight of the R1 and R2 penalties (x gamma/2)")
    gamma_decay: float = zoo.bounded(
        0.1, 0.0, 1.0, "gamma at the end of the run, as a share of gamma (cosine decay)"
    )
    lr: float = zoo.bounded(2e-4, 1e-7, 1.0, "Adam learning rate of both networks")
    beta2: float = zoo.bounded(0.9, 0.0, 0.9999, "Adam beta2 (beta1 is 0)")

    def validate(self) -> None:
        super().validate()
        stages = int(math.log2(self.image_size // 4)) + 1
        where = f"{self.architecture or 'r3gan'} config"
        problems = []
        for name in ("widths", "cardinalities", "blocks"):
            values = getattr(self, name)
            if len(values) != stages:
                problems.append(
                    f"{name}={values} has {len(values)} stages; image_size={self.image_size} "
                    f"needs {stages} (4x4 up to {self.image_size}x{self.image_size})"
                )
            elif min(values) < 1:
                problems.append(f"{name}={values} needs positive values")
        if max(self.widths, default=0) > MAX_WIDTH or max(self.blocks, default=0) > MAX_BLOCKS:
            problems.append(f"at most {MAX_WIDTH} channels and {MAX_BLOCKS} blocks a stage")
        if not problems:
            for width, groups in zip(self.widths, self.cardinalities):
                if (width * self.expansion) % groups:
                    problems.append(
                        f"cardinalities={self.cardinalities}: {groups} groups do not divide "
                        f"{width} x expansion {self.expansion} channels"
                    )
        if any(not -stages <= i < stages for i in self.bf16_stages):
            problems.append(f"bf16_stages={self.bf16_stages}: stages are 0..{stages - 1} or -1..")
        if problems:
            raise zoo.ConfigError(f"{where}: " + "; ".join(problems))


@dataclasses.dataclass(frozen=True)
class R3GANConditionalConfig(R3GANConfig, zoo.ConditionalConfig):
    g_embedding: int = zoo.bounded(
        0, 0, 4096, "size of the generator's class embedding (0: latent_dim, as the reference)"
    )
    d_embedding: int = zoo.bounded(
        0, 0, 4096, "size of the discriminator's class embedding (0: widths[0], as the reference)"
    )


def build_networks(c: R3GANConfig, num_classes: int = 0) -> tuple[Generator, Discriminator]:
    """The generator and discriminator of config ``c`` (the discriminator mirrors the
    generator's stages), with ``c.bf16_stages`` set to run in bfloat16."""
    g_embedding = d_embedding = 0
    if num_classes:
        assert isinstance(c, R3GANConditionalConfig)
        g_embedding = c.g_embedding or c.latent_dim
        d_embedding = c.d_embedding or c.widths[0]
    shape = {"expansion": c.expansion, "channels": c.channels, "kernel_size": c.kernel_size}
    generator = Generator(
        c.latent_dim, c.widths, c.cardinalities, c.blocks, **shape,
        num_classes=num_classes, embedding_dim=g_embedding,
    )  # fmt: skip
    discriminator = Discriminator(
        c.widths[::-1], c.cardinalities[::-1], c.blocks[::-1], **shape,
        num_classes=num_classes, embedding_dim=d_embedding,
    )  # fmt: skip
    stages = len(c.widths)
    for i in c.bf16_stages:  # the same resolution in both networks
        generator.main_layers[i % stages].dtype = torch.bfloat16
        discriminator.main_layers[stages - 1 - i % stages].dtype = torch.bfloat16
    return generator, discriminator


class RpGANLoss:
    """RpGAN with R1 and R2 (the paper's eq. 5): D minimises softplus(-(D(x) - D(G(z)))) +
    gamma/2 (|grad D(x)|^2 + |grad D(G(z))|^2), G minimises softplus(-(D(G(z)) - D(x))).
    ``gamma`` falls from ``config.gamma`` to ``gamma * gamma_decay`` along a cosine over the
    run (``training_progress``)."""

    config: R3GANConfig
    training_progress: float
    generator: torch.nn.Module
    discriminator: torch.nn.Module

    def gamma_now(self) -> float:
        c = self.config
        final = c.gamma * c.gamma_decay
        return final + (c.gamma - final) * 0.5 * (1 + math.cos(math.pi * self.training_progress))

    def rpgan_d_loss(
        self, real: torch.Tensor, fake: torch.Tensor, real_labels: Any, fake_labels: Any
    ) -> zoo.LossOutput:
        real = real.detach().requires_grad_(True)
        fake = fake.detach().requires_grad_(True)
        real_logits = self.discriminator(real, real_labels)
        fake_logits = self.discriminator(fake, fake_labels)
        r1 = zero_centered_penalty(real, real_logits)
        r2 = zero_centered_penalty(fake, fake_logits)
        gamma = self.gamma_now()
        loss = relativistic_d_loss(real_logits, fake_logits) + gamma / 2 * (r1 + r2).mean()
        logs = {
            "d_real": real_logits.detach().mean(),
            "d_fake": fake_logits.detach().mean(),
            "r1": r1.detach().mean(),
            "r2": r2.detach().mean(),
            "gamma": torch.tensor(gamma),
        }
        return zoo.LossOutput(loss, logs)

    def rpgan_g_loss(
        self, real: torch.Tensor, fake: torch.Tensor, real_labels: Any, fake_labels: Any
    ) -> zoo.LossOutput:
        real_logits = self.discriminator(real.detach(), real_labels)
        fake_logits = self.discriminator(fake, fake_labels)
        return zoo.LossOutput(relativistic_g_loss(real_logits, fake_logits))

    def optimizers(self) -> dict[str, zoo.OptimizerSpec]:
        c = self.config
        return {
            "discriminator": zoo.OptimizerSpec(("discriminator",), "adam", c.lr, (0.0, c.beta2)),
            "generator": zoo.OptimizerSpec(("generator",), "adam", c.lr, (0.0, c.beta2)),
        }

    # brownvc/R3GAN's network pickles (.reference): the unconditional class reads those
    # with c_dim 0, the conditional one the others
    pickle_modules: ClassVar[tuple[str, ...]] = PICKLE_MODULES

    @classmethod
    def reads_pickle(cls, contents: Any) -> bool:
        conditional = issubclass(cls, zoo.ConditionalGAN)
        return is_r3gan_pickle(contents) and bool(contents["G_ema"].get("c_dim")) == conditional

    @classmethod
    def from_reference_pickle(
        cls, contents: Any, overrides: dict[str, Any], discriminator: bool = False
    ) -> Any:
        return load_pickle(cls, contents, overrides, discriminator)


class R3GAN(RpGANLoss, zoo.UnconditionalGAN):
    """R3GAN, unconditional."""

    Config = R3GANConfig
    small_config = {
        "image_size": 16,
        "latent_dim": 8,
        "widths": (8, 8, 8),
        "cardinalities": (2, 2, 2),
        "blocks": (1, 1, 1),
    }
    # the penalties differentiate the discriminator twice, which torch.compile cannot
    compile_modules = ("generator",)

    def __init__(self, config: R3GANConfig | None = None, **overrides: Any) -> None:
        super().__init__(config, **overrides)
        self.generator, self.discriminator = build_networks(self.config)

    def discriminator_loss(self, real: torch.Tensor) -> zoo.LossOutput:
        with torch.no_grad():
            fake = self.generator(self.latent(real.shape[0]))
        return self.rpgan_d_loss(real, fake, None, None)

    def generator_loss(self, real: torch.Tensor) -> zoo.LossOutput:
        fake = self.generator(self.latent(real.shape[0]))
        return self.rpgan_g_loss(real, fake, None, None)


class R3GANConditional(RpGANLoss, zoo.ConditionalGAN):
    """R3GAN, class-conditional."""

    Config = R3GANConditionalConfig
    config: R3GANConditionalConfig
    small_config = R3GAN.small_config
    compile_modules = ("generator",)

    def __init__(self, config: R3GANConditionalConfig | None = None, **overrides: Any) -> None:
        super().__init__(config, **overrides)
        self.generator, self.discriminator = build_networks(self.config, self.num_classes)

    # each fake is drawn with the class of the real image it is paired with, as the reference

    def discriminator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        real, labels = batch["images"], batch["labels"]
        with torch.no_grad():
            fake = self.generator(self.latent(real.shape[0]), labels)
        return self.rpgan_d_loss(real, fake, labels, labels)

    def generator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        real, labels = batch["images"], batch["labels"]
        fake = self.generator(self.latent(real.shape[0]), labels)
        return self.rpgan_g_loss(real, fake, labels, labels)

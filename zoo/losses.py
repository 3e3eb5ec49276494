"""GAN objectives shared by plugins (public API)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from zoo.config import bounded, choice
from zoo.masks import composite, masked_input
from zoo.models.base import LossOutput, OptimizerSpec
from zoo.tasks.latent import LatentCodes
from zoo.train.distributed import sharded


def nonsaturating_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-log D(x) - log(1 - D(G(z))), on logits (Goodfellow et al., 2014)."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def nonsaturating_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """-log D(G(z)): the non-saturating generator loss, on logits."""
    return F.softplus(-fake_logits).mean()


def hinge_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]: the hinge loss of the discriminator
    (Lim and Ye, 2017; Miyato et al., 2018)."""
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def hinge_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """-E[D(G(z))]: the generator's side of the hinge loss."""
    return -fake_logits.mean()


def relativistic_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """softplus(-(D(x) - D(G(z)))): the discriminator's relativistic pairing loss (RpGAN;
    Jolicoeur-Martineau, 2019; R3GAN), each real paired with one fake."""
    return F.softplus(-(real_logits - fake_logits)).mean()


def relativistic_g_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """softplus(-(D(G(z)) - D(x))): the generator's side of the relativistic pairing loss."""
    return F.softplus(-(fake_logits - real_logits)).mean()


def zero_centered_penalty(images: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """|grad_x D(x)|^2 per image (N,), for ``images`` that require grad and ``logits`` computed
    from them: R1 on real images, R2 on fakes (Mescheder et al., 2018; R3GAN)."""
    (grads,) = torch.autograd.grad(logits.sum(), images, create_graph=True)
    return grads.float().square().sum(dim=list(range(1, grads.ndim)))


def gradient_penalty(
    critic: nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """WGAN-GP penalty (Gulrajani et al., 2017): E[(||grad D(x_hat)||_2 - 1)^2].

    One interpolation coefficient per sample (alpha ~ U[0, 1], broadcast over C, H, W), and
    the gradient norm taken per sample over all of its dimensions, then averaged.
    """
    shape = (real.shape[0],) + (1,) * (real.ndim - 1)
    device = "cpu" if generator else real.device
    alpha = sharded(
        lambda m: torch.rand((m, *shape[1:]), generator=generator, device=device), shape[0]
    )
    alpha = alpha.to(device=real.device, dtype=real.dtype)
    mixed = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    scores = critic(mixed)
    (grads,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()


class NonSaturatingLoss(LatentCodes):
    """The losses of unconditional GANs with logits-output discriminators: the non-saturating
    objective of Goodfellow et al. (2014). Use as ``class MyGAN(NonSaturatingLoss,
    zoo.UnconditionalGAN)``."""

    def discriminator_loss(self, real: torch.Tensor):
        with torch.no_grad():
            fake = self.generator(self.latent(real.shape[0]))
        real_logits = self.discriminator(real)
        fake_logits = self.discriminator(fake)
        return LossOutput(
            nonsaturating_d_loss(real_logits, fake_logits),
            {"d_real": real_logits.detach().mean(), "d_fake": fake_logits.detach().mean()},
        )

    def generator_loss(self, real: torch.Tensor):
        fake = self.generator(self.latent(real.shape[0]))
        return LossOutput(nonsaturating_g_loss(self.discriminator(fake)))


class ConditionalNonSaturatingLoss:
    """The non-saturating objective for class-conditional GANs whose discriminator scores
    (images, labels): fakes drawn with :meth:`zoo.ConditionalGAN.fake`'s classes. Use as
    ``class MyGAN(ConditionalNonSaturatingLoss, zoo.ConditionalGAN)``."""

    discriminator: torch.nn.Module

    def discriminator_loss(self, batch: dict[str, torch.Tensor]) -> LossOutput:
        real, labels = batch["images"], batch["labels"]
        with torch.no_grad():
            fake, fake_labels = self.fake(real.shape[0])  # type: ignore[attr-defined]
        real_logits = self.discriminator(real, labels)
        fake_logits = self.discriminator(fake, fake_labels)
        return LossOutput(
            nonsaturating_d_loss(real_logits, fake_logits),
            {"d_real": real_logits.detach().mean(), "d_fake": fake_logits.detach().mean()},
        )

    def generator_loss(self, batch: dict[str, torch.Tensor]) -> LossOutput:
        fake, labels = self.fake(batch["images"].shape[0])  # type: ignore[attr-defined]
        return LossOutput(nonsaturating_g_loss(self.discriminator(fake, labels)))


@dataclasses.dataclass(frozen=True)
class SuperResolutionLossConfig:
    """The config fields of :class:`SuperResolutionLoss` (a mixin before
    :class:`zoo.SuperResolutionConfig`: ``class MyConfig(SuperResolutionLossConfig,
    zoo.SuperResolutionConfig)``); ``ndf`` is the width of ``zoo.nn.SRDiscriminator``."""

    ndf: int = bounded(64, 4, 512, "discriminator channels of the first layer")
    content_loss: str = choice("l1", ("l1", "mse"), "pixel loss against the original")
    adversarial_weight: float = bounded(1e-3, 0.0, 10.0, "weight of the GAN loss (0: none)")
    relativistic: bool = choice(False, (True, False), "ESRGAN's relativistic average GAN")
    lr: float = bounded(1e-4, 1e-7, 1.0, "Adam learning rate")


class SuperResolutionLoss:
    """SRGAN's objective for upscalers (Ledig et al., 2017): a pixel content loss plus
    ``adversarial_weight`` times the GAN loss, ESRGAN's relativistic average one with
    ``relativistic`` (Wang et al., 2018); with ``adversarial_weight=0`` the content loss
    alone, and the discriminator is never trained. Batches are ``{"A": low-res, "B":
    high-res}``. Use as ``class MyUpscaler(SuperResolutionLoss, zoo.SuperResolutionGAN)``
    with a config that has :class:`SuperResolutionLossConfig`'s fields."""

    config: SuperResolutionLossConfig
    generator: nn.Module
    discriminator: nn.Module

    @property
    def content_only(self) -> bool:
        return self.config.adversarial_weight == 0

    def optimizers(self) -> dict[str, OptimizerSpec]:
        lr = self.config.lr
        return {
            "discriminator": OptimizerSpec(("discriminator",), "adam", lr, (0.9, 0.999)),
            "generator": OptimizerSpec(("generator",), "adam", lr, (0.9, 0.999)),
        }

    def update_schedule(self) -> Iterator[tuple[str, bool]]:
        if self.content_only:  # the discriminator plays no part
            yield "generator", True
        else:
            yield from super().update_schedule()  # type: ignore[misc]

    def _logits(self, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, ...]:
        d_real, d_fake = self.discriminator(real), self.discriminator(fake)
        if self.config.relativistic:  # D(x) - E[D(fake)], D(fake) - E[D(x)]
            return d_real - d_fake.mean(), d_fake - d_real.mean()
        return d_real, d_fake

    def discriminator_loss(self, batch: dict[str, torch.Tensor]) -> LossOutput:
        with torch.no_grad():
            fake = self.generator(batch["A"])
        real_logits, fake_logits = self._logits(batch["B"], fake)
        loss_real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
        loss_fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        return LossOutput(
            loss_real + loss_fake, {"d_real": loss_real.detach(), "d_fake": loss_fake.detach()}
        )

    def generator_loss(self, batch: dict[str, torch.Tensor]) -> LossOutput:
        c = self.config
        fake = self.generator(batch["A"])
        loss_fn = F.l1_loss if c.content_loss == "l1" else F.mse_loss
        content = loss_fn(fake, batch["B"])
        if self.content_only:
            return LossOutput(content, {"g_content": content.detach()})
        real_logits, fake_logits = self._logits(batch["B"], fake)
        adversarial = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
        if c.relativistic:
            adversarial = 0.5 * (
                adversarial
                + F.binary_cross_entropy_with_logits(real_logits, torch.zeros_like(real_logits))
            )
        return LossOutput(
            content + c.adversarial_weight * adversarial,
            {"g_content": content.detach(), "g_gan": adversarial.detach()},
        )


def hole_weighted_l1(
    outputs: torch.Tensor, targets: torch.Tensor, masks: torch.Tensor, hole_weight: float = 6.0
) -> torch.Tensor:
    """L1 between ``outputs`` and ``targets`` with the hole's pixels (``masks`` 1) weighted
    ``hole_weight`` and the kept ones 1 (Liu et al., 2018, partial convolutions: 6 and 1),
    a mean over all pixels."""
    weights = 1 + (hole_weight - 1) * masks
    return ((outputs - targets).abs() * weights).mean()


@dataclasses.dataclass(frozen=True)
class InpaintingLossConfig:
    """The config fields of :class:`InpaintingLoss` (a mixin before
    :class:`zoo.InpaintingConfig`: ``class MyConfig(InpaintingLossConfig,
    zoo.InpaintingConfig)``)."""

    hole_weight: float = bounded(6.0, 1.0, 100.0, "L1 weight of hole pixels (kept: 1)")
    adversarial_weight: float = bounded(0.01, 0.0, 100.0, "weight of the GAN loss (0: none)")
    lr: float = bounded(2e-4, 1e-7, 1.0, "Adam learning rate")
    beta1: float = bounded(0.5, 0.0, 0.999, "Adam beta1")


class InpaintingLoss:
    """An inpainting objective in pix2pix's manner: the generator's loss is L1 with the
    hole's pixels weighted ``hole_weight`` (:func:`hole_weighted_l1`) plus
    ``adversarial_weight`` times the GAN loss of a discriminator judging (image, mask) pairs
    (``discriminator`` takes C + 1 channels: the image, then the mask in [-1, 1]): the real
    image, or the generator's output pasted into the hole. With ``adversarial_weight=0`` the
    L1 alone, and the discriminator is never trained. Batches are ``{"A": images, "mask":
    holes}``. Use as ``class MyInpainter(InpaintingLoss, zoo.InpaintingGAN)`` with a config
    that has :class:`InpaintingLossConfig`'s fields."""

    config: InpaintingLossConfig
    generator: nn.Module
    discriminator: nn.Module

    @property
    def l1_only(self) -> bool:
        return self.config.adversarial_weight == 0

    def optimizers(self) -> dict[str, OptimizerSpec]:
        c = self.config
        return {
            "discriminator": OptimizerSpec(("discriminator",), "adam", c.lr, (c.beta1, 0.999)),
            "generator": OptimizerSpec(("generator",), "adam", c.lr, (c.beta1, 0.999)),
        }

    def update_schedule(self) -> Iterator[tuple[str, bool]]:
        if self.l1_only:  # the discriminator plays no part
            yield "generator", True
        else:
            yield from super().update_schedule()  # type: ignore[misc]

    def _fill(self, images: torch.Tensor, masks: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out = self.generator(masked_input(images, masks))
        return out, composite(out, images, masks)

    def _judge(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        return self.discriminator(torch.cat([images, masks * 2 - 1], 1))

    def discriminator_loss(self, batch: dict[str, torch.Tensor]) -> LossOutput:
        images, masks = batch["A"], batch["mask"]
        with torch.no_grad():
            filled = self._fill(images, masks)[1]
        loss_fake = patch_gan_loss(self._judge(filled, masks), False, "vanilla")
        loss_real = patch_gan_loss(self._judge(images, masks), True, "vanilla")
        return LossOutput(
            0.5 * (loss_fake + loss_real),
            {"d_real": loss_real.detach(), "d_fake": loss_fake.detach()},
        )

    def generator_loss(self, batch: dict[str, torch.Tensor]) -> LossOutput:
        c = self.config
        images, masks = batch["A"], batch["mask"]
        out, filled = self._fill(images, masks)
        l1 = hole_weighted_l1(out.float(), images.float(), masks, c.hole_weight)
        if self.l1_only:
            return LossOutput(l1, {"g_l1": l1.detach()})
        gan = patch_gan_loss(self._judge(filled, masks), True, "vanilla")
        return LossOutput(
            l1 + c.adversarial_weight * gan, {"g_l1": l1.detach(), "g_gan": gan.detach()}
        )


def patch_gan_loss(logits: torch.Tensor, target_is_real: bool, mode: str) -> torch.Tensor:
    """The reference pix2pix/CycleGAN ``GANLoss`` on raw discriminator outputs: ``"vanilla"``
    is binary cross-entropy on logits (pix2pix), ``"lsgan"`` the least-squares loss of Mao et
    al. (2017) (CycleGAN), each against a target of 1 (real) or 0 (fake) per patch."""
    target = torch.full_like(logits, 1.0 if target_is_real else 0.0)
    if mode == "vanilla":
        return F.binary_cross_entropy_with_logits(logits, target)
    if mode == "lsgan":
        return F.mse_loss(logits, target)
    raise ValueError(f"gan_mode={mode!r}; choose 'vanilla' or 'lsgan'")

"""StyleGAN3 (Karras et al., NeurIPS 2021, "Alias-Free Generative Adversarial Networks";
NVlabs/stylegan3): Fourier-feature input under a w-dependent rotation and translation,
modulated convolutions whose leaky ReLU runs between FIR low-pass filters at twice the
sampling rate, cutoffs rising to the image's Nyquist frequency. StyleGAN3-T (translation
equivariant: 3x3 convolutions) and -R (rotation too: ``conv_kernel=1``, radial downsampling
filters, twice the channels) are configs of one architecture. The discriminator is
StyleGAN2's (:class:`zoo.nn.stylegan.Discriminator`).

``truncation`` is the reference's psi (w pulled toward ``w_avg``), as for ``stylegan2``. The
reference's pickles import (``zoo import-checkpoint stylegan3-t-*.pkl -o DIR``) as data. On
the common trainer with the non-saturating loss (the trainer's ``--r1-gamma`` is R1); the
input-magnitude averages (``magnitude_ema``) are tracked in training as the reference does.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import zoo
from zoo.losses import ConditionalNonSaturatingLoss, NonSaturatingLoss
from zoo.nn.stylegan import Discriminator
from zoo.tasks import StyleSampling

from .networks import Generator
from .reference import is_stylegan3_pickle, load_pickle

SIZES = tuple(2**i for i in range(3, 11))


@dataclasses.dataclass(frozen=True)
class StyleGAN3Config(zoo.GeneratorConfig):
    image_size: int = zoo.choice(32, SIZES, "side of the square images (img_resolution)")
    channels: int = zoo.bounded(3, 1, 4, "image channels (img_channels)")
    latent_dim: int = zoo.bounded(512, 1, 4096, "size of z (z_dim)")
    w_dim: int = zoo.bounded(512, 1, 4096, "size of w")
    mapping_layers: int = zoo.bounded(2, 1, 16, "layers of the mapping network")
    mapping_lr: float = zoo.bounded(0.01, 1e-4, 1.0, "learning-rate multiplier of the mapping")
    channel_base: int = zoo.bounded(32768, 16, 2**20, "feature maps: (base / 2) / cutoff")
    channel_max: int = zoo.bounded(512, 1, 4096, "at most this many feature maps")
    num_layers: int = zoo.bounded(14, 2, 32, "synthesis layers (without input and ToRGB)")
    num_critical: int = zoo.bounded(2, 1, 8, "critically sampled layers at the end")
    margin_size: int = zoo.bounded(10, 0, 64, "pixels computed beyond the image's border")
    conv_kernel: int = zoo.choice(3, (1, 3), "3: StyleGAN3-T; 1: StyleGAN3-R")
    use_radial_filters: bool = zoo.choice(False, (False, True), "radial downsampling (-R)")
    filter_size: int = zoo.bounded(6, 2, 16, "low-pass taps per unit of the lower rate")
    conv_clamp: float = zoo.bounded(256.0, 0.0, 1e6, "clamp layer outputs to ±this (0: off)")
    num_fp16_res: int = zoo.bounded(4, 0, 10, "the reference's FP16 resolutions (speed only)")
    magnitude_ema_beta: float = zoo.bounded(0.999, 0.0, 1.0, "decay of the input magnitudes")
    d_architecture: str = zoo.choice("resnet", ("orig", "skip", "resnet"), "discriminator's")
    d_channel_base: int = zoo.bounded(0, 0, 2**20, "discriminator's (0: channel_base)")
    d_channel_max: int = zoo.bounded(0, 0, 4096, "discriminator's (0: channel_max; -R: half)")
    mbstd_group_size: int = zoo.bounded(4, 1, 64, "minibatch standard deviation group")
    lr: float = zoo.bounded(2.5e-3, 1e-7, 1.0, "Adam learning rate of the generator")
    d_lr: float = zoo.bounded(2e-3, 1e-7, 1.0, "Adam learning rate of the discriminator")

    def validate(self) -> None:
        super().validate()
        if self.num_critical >= self.num_layers:
            raise zoo.ConfigError(
                f"num_critical={self.num_critical} must be below num_layers={self.num_layers}"
            )


@dataclasses.dataclass(frozen=True)
class StyleGAN3ConditionalConfig(StyleGAN3Config, zoo.ConditionalConfig):
    cmap_dim: int = zoo.bounded(0, 0, 4096, "discriminator's class projection (0: its 4x4 width)")


def build_networks(c: StyleGAN3Config, num_classes: int = 0) -> tuple[Generator, Discriminator]:
    clamp = c.conv_clamp or None
    generator = Generator(
        c.latent_dim, num_classes, c.w_dim, c.image_size, c.channels,
        mapping_layers=c.mapping_layers, mapping_lr=c.mapping_lr,
        channel_base=c.channel_base, channel_max=c.channel_max, num_layers=c.num_layers,
        num_critical=c.num_critical, margin_size=c.margin_size, conv_kernel=c.conv_kernel,
        use_radial_filters=c.use_radial_filters, filter_size=c.filter_size,
        conv_clamp=clamp, magnitude_ema_beta=c.magnitude_ema_beta,
    )  # fmt: skip
    discriminator = Discriminator(
        num_classes, c.image_size, c.channels, c.d_architecture,
        c.d_channel_base or c.channel_base, c.d_channel_max or c.channel_max,
        conv_clamp=clamp, cmap_dim=getattr(c, "cmap_dim", 0) or None,
        mbstd_group_size=c.mbstd_group_size,
    )  # fmt: skip
    return generator, discriminator


class StyleGAN3Family(StyleSampling):
    """What both variants share: sampling through w, Adam as the reference, pickle import."""

    pickle_modules: ClassVar[tuple[str, ...]] = ("training.networks_stylegan3",)
    noise_inputs = False  # StyleGAN3's synthesis has no noise

    def optimizers(self) -> dict[str, zoo.OptimizerSpec]:
        c = self.config  # type: ignore[attr-defined]
        return {
            "discriminator": zoo.OptimizerSpec(("discriminator",), "adam", c.d_lr, (0.0, 0.99)),
            "generator": zoo.OptimizerSpec(("generator",), "adam", c.lr, (0.0, 0.99)),
        }

    @classmethod
    def reads_pickle(cls, contents: Any) -> bool:
        conditional = issubclass(cls, zoo.ConditionalGAN)
        return is_stylegan3_pickle(contents) and (
            bool(contents["G_ema"].get("c_dim")) == conditional
        )

    @classmethod
    def from_reference_pickle(
        cls, contents: Any, overrides: dict[str, Any], discriminator: bool = False
    ) -> Any:
        return load_pickle(cls, contents, overrides, discriminator)


class StyleGAN3(StyleGAN3Family, NonSaturatingLoss, zoo.UnconditionalGAN):
    """StyleGAN3, unconditional."""

    Config = StyleGAN3Config
    small_config = {
        "image_size": 16, "latent_dim": 8, "w_dim": 8, "channel_base": 256,
        "channel_max": 16, "num_layers": 4, "num_critical": 1, "margin_size": 2,
        "filter_size": 4,
    }  # fmt: skip

    def __init__(self, config: StyleGAN3Config | None = None, **overrides: Any) -> None:
        super().__init__(config, **overrides)
        self.generator, self.discriminator = build_networks(self.config)


class StyleGAN3Conditional(StyleGAN3Family, ConditionalNonSaturatingLoss, zoo.ConditionalGAN):
    """StyleGAN3, class-conditional (one-hot classes through the mapping network)."""

    Config = StyleGAN3ConditionalConfig
    config: StyleGAN3ConditionalConfig
    small_config = StyleGAN3.small_config

    def __init__(self, config: StyleGAN3ConditionalConfig | None = None, **overrides: Any) -> None:
        super().__init__(config, **overrides)
        self.generator, self.discriminator = build_networks(self.config, self.num_classes)

"""StyleGAN2 (Karras et al., CVPR 2020) in the layout of StyleGAN2-ADA (Karras et al., NeurIPS
2020; NVlabs/stylegan2-ada-pytorch): a mapping network to w, a synthesis network of
modulated convolutions with noise and skip RGB outputs, a residual discriminator with
minibatch standard deviation; class-conditional through the mapping network (``c_dim``) and
a projection in the discriminator.

``truncation`` is the reference's psi: w pulled toward the average w (``mapping.w_avg``),
``w = w_avg + psi (w - w_avg)``: 1 (or None) is no truncation, 0.7 the usual setting, 0 the
average image. (The zoo's other generators redraw latent values beyond a threshold instead.)
Noise is the constant buffers the reference's ``noise_mode='const'`` uses.

The reference's pickles import (``zoo import-checkpoint network-snapshot-*.pkl -o DIR``):
read as data, never executed (:mod:`zoo.importers`), the config from each network's
recorded constructor arguments. Trains on the common trainer with the non-saturating loss;
its lazy R1 is the trainer's ``--r1-gamma`` (path length regularisation and style mixing
are not implemented).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import zoo
from zoo.losses import ConditionalNonSaturatingLoss, NonSaturatingLoss
from zoo.nn.stylegan import Discriminator
from zoo.tasks import StyleSampling

from .networks import Generator
from .reference import is_stylegan2_pickle, load_pickle

SIZES = tuple(2**i for i in range(2, 11))


@dataclasses.dataclass(frozen=True)
class StyleGAN2Config(zoo.GeneratorConfig):
    image_size: int = zoo.choice(32, SIZES, "side of the square images (img_resolution)")
    channels: int = zoo.bounded(3, 1, 4, "image channels (img_channels)")
    latent_dim: int = zoo.bounded(512, 1, 4096, "size of z (z_dim)")
    w_dim: int = zoo.bounded(512, 1, 4096, "size of w")
    mapping_layers: int = zoo.bounded(8, 1, 16, "layers of the mapping network")
    mapping_lr: float = zoo.bounded(0.01, 1e-4, 1.0, "learning-rate multiplier of the mapping")
    channel_base: int = zoo.bounded(32768, 16, 2**20, "feature maps at a resolution: base / side")
    channel_max: int = zoo.bounded(512, 1, 4096, "at most this many feature maps")
    architecture: str = zoo.choice("skip", ("orig", "skip", "resnet"), "generator's layout")
    d_architecture: str = zoo.choice("resnet", ("orig", "skip", "resnet"), "discriminator's")
    conv_clamp: float = zoo.bounded(0.0, 0.0, 1e6, "clamp convolution outputs to ±this (0: off)")
    num_fp16_res: int = zoo.bounded(0, 0, 10, "the reference's FP16 resolutions (speed only)")
    mbstd_group_size: int = zoo.bounded(4, 1, 64, "minibatch standard deviation group")
    lr: float = zoo.bounded(2.5e-3, 1e-7, 1.0, "Adam learning rate of both networks")

    def validate(self) -> None:
        super().validate()
        if self.image_size < 8:
            raise zoo.ConfigError(f"image_size={self.image_size}: StyleGAN2 needs 8 or more")


@dataclasses.dataclass(frozen=True)
class StyleGAN2ConditionalConfig(StyleGAN2Config, zoo.ConditionalConfig):
    cmap_dim: int = zoo.bounded(0, 0, 4096, "discriminator's class projection (0: its 4x4 width)")


def build_networks(c: StyleGAN2Config, num_classes: int = 0) -> tuple[Generator, Discriminator]:
    clamp = c.conv_clamp or None
    generator = Generator(
        c.latent_dim, num_classes, c.w_dim, c.image_size, c.channels,
        mapping_layers=c.mapping_layers, mapping_lr=c.mapping_lr,
        channel_base=c.channel_base, channel_max=c.channel_max,
        architecture=c.architecture, conv_clamp=clamp,
    )  # fmt: skip
    cmap = getattr(c, "cmap_dim", 0) or None
    discriminator = Discriminator(
        num_classes, c.image_size, c.channels, c.d_architecture, c.channel_base, c.channel_max,
        conv_clamp=clamp, cmap_dim=cmap, mbstd_group_size=c.mbstd_group_size,
    )  # fmt: skip
    return generator, discriminator


class StyleGAN2Family(StyleSampling):
    """What both variants share: sampling through w, Adam as the reference, pickle import."""

    pickle_modules: ClassVar[tuple[str, ...]] = ("training.networks",)

    def optimizers(self) -> dict[str, zoo.OptimizerSpec]:
        lr = self.config.lr  # type: ignore[attr-defined]
        return {
            "discriminator": zoo.OptimizerSpec(("discriminator",), "adam", lr, (0.0, 0.99)),
            "generator": zoo.OptimizerSpec(("generator",), "adam", lr, (0.0, 0.99)),
        }

    @classmethod
    def reads_pickle(cls, contents: Any) -> bool:
        conditional = issubclass(cls, zoo.ConditionalGAN)
        return is_stylegan2_pickle(contents) and (
            bool(contents["G_ema"].get("c_dim")) == conditional
        )

    @classmethod
    def from_reference_pickle(
        cls, contents: Any, overrides: dict[str, Any], discriminator: bool = False
    ) -> Any:
        return load_pickle(cls, contents, overrides, discriminator)


class StyleGAN2(StyleGAN2Family, NonSaturatingLoss, zoo.UnconditionalGAN):
    """StyleGAN2, unconditional."""

    Config = StyleGAN2Config
    small_config = {
        "image_size": 16, "latent_dim": 8, "w_dim": 8, "mapping_layers": 2,
        "channel_base": 128, "channel_max": 16,
    }  # fmt: skip

    def __init__(self, config: StyleGAN2Config | None = None, **overrides: Any) -> None:
        super().__init__(config, **overrides)
        self.generator, self.discriminator = build_networks(self.config)


class StyleGAN2Conditional(StyleGAN2Family, ConditionalNonSaturatingLoss, zoo.ConditionalGAN):
    """StyleGAN2, class-conditional (one-hot classes through the mapping network)."""

    Config = StyleGAN2ConditionalConfig
    config: StyleGAN2ConditionalConfig
    small_config = StyleGAN2.small_config

    def __init__(self, config: StyleGAN2ConditionalConfig | None = None, **overrides: Any) -> None:
        super().__init__(config, **overrides)
        self.generator, self.discriminator = build_networks(self.config, self.num_classes)

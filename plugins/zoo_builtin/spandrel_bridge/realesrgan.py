"""Real-ESRGAN's training for the upscalers spandrel knows (Wang et al., 2021).

``zoo train realesrgan`` fine-tunes an upscaler (RealESRGAN_x4plus's RRDBNet by default; with
``--init-from``, any model of the ``spandrel`` architecture, whose network it takes) on
high-resolution images whose low-resolution inputs are made on the fly by Real-ESRGAN's
second-order degradations (:func:`zoo.data.degradations.second_order`), against Real-ESRGAN's
U-Net discriminator with spectral norm (:class:`zoo.nn.UNetDiscriminator`), with L1 plus 0.1
times the GAN loss (:class:`zoo.losses.SuperResolutionLoss`)::

    zoo train realesrgan --init-from realesrgan-x4plus --data photos --out runs/ft

Real-ESRGAN's own recipe adds a VGG19 perceptual loss (its ImageNet weights are not
available offline here) and sharpened (USM) targets; those are not part of this one. Its
exponential moving average of the generator (decay 0.999) is the trainer's default
(``--ema-decay``). The trained model is a ``realesrgan`` model: it
loads, upscales, tiles, exports and benchmarks as the ``spandrel`` one does.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from torch import nn

import zoo
from zoo.data.degradations import second_order
from zoo.nn import UNetDiscriminator
from zoo_builtin.spandrel_bridge import Spandrel, SpandrelConfig

#: RealESRGAN_x4plus's RRDBNet as spandrel describes it (23 blocks of 64 filters)
X4PLUS = {
    "act": "leakyrelu", "in_nc": 3, "mode": "CNA", "norm": None, "num_blocks": 23,
    "num_filters": 64, "out_nc": 3, "plus": False, "scale": 4, "shuffle_factor": None,
    "upsampler": "upconv",
}  # fmt: skip
#: the config values a run takes from the ``spandrel`` model it starts from
NETWORK_FIELDS = ("network", "network_class", "hyperparameters", "scale", "channels")


@dataclasses.dataclass(frozen=True)
class RealESRGANConfig(SpandrelConfig):
    network: str = zoo.bounded("ESRGAN", doc="spandrel's architecture id")
    network_class: str = zoo.bounded("ESRGAN", doc="the network class spandrel builds")
    hyperparameters: str = zoo.bounded(
        json.dumps(X4PLUS, sort_keys=True),
        doc="its constructor arguments (JSON); --init-from a spandrel model sets them",
    )
    image_size: int = zoo.bounded(256, 16, 1024, "high-resolution training crop side (x8)")
    ndf: int = zoo.bounded(64, 4, 512, "U-Net discriminator channels of the first layer")
    adversarial_weight: float = zoo.bounded(0.1, 0.0, 10.0, "weight of the GAN loss (0: none)")


class RealESRGAN(Spandrel):
    """An upscaler spandrel knows, trained as Real-ESRGAN trains."""

    Config = RealESRGANConfig
    small_config = {
        "hyperparameters": json.dumps({**X4PLUS, "num_blocks": 1, "num_filters": 8}),
        "image_size": 32,
        "ndf": 4,
    }
    training_degradation = staticmethod(second_order)

    def build_discriminator(self) -> nn.Module:
        if self.config.image_size % 8:
            raise zoo.ConfigError(
                f"image_size={self.config.image_size}: the U-Net discriminator takes sides "
                "that are multiples of 8"
            )
        return UNetDiscriminator(self.config.channels, self.config.ndf)

    @classmethod
    def config_from(cls, start: zoo.GAN) -> dict[str, Any] | None:
        """A ``spandrel`` upscaler's network (its shape, scale and channels)."""
        if start.architecture not in ("spandrel", cls.architecture):
            return None
        return {k: getattr(start.config, k) for k in NETWORK_FIELDS}

    @classmethod
    def reads_checkpoint(cls, paths: list[Any]) -> bool:
        return False  # weights files import as `spandrel` models; start from those

"""Weight initialisation shared by the convolutional GANs."""

from __future__ import annotations

from torch import nn


def init_normal(module: nn.Module, gain: float = 0.02) -> None:
    """DCGAN's initialisation, also the reference pix2pix/CycleGAN default
    (``init_type='normal'``): conv/linear weights N(0, gain), biases 0, norm scales
    (BatchNorm, GroupNorm) N(1, gain) and shifts 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, gain)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)) and m.weight is not None:
            nn.init.normal_(m.weight, 1.0, gain)
            nn.init.zeros_(m.bias)


def init_dcgan_weights(module: nn.Module) -> None:
    """DCGAN initialisation: :func:`init_normal` with gain 0.02."""
    init_normal(module)

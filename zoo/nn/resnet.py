"""The residual GAN networks of SNGAN (Miyato et al., 2018), public for plugins.

The generator projects the latent code to a small map with a linear layer, then each block
doubles the resolution: BatchNorm, ReLU, nearest upsampling, 3x3 convolution, BatchNorm, ReLU,
3x3 convolution, added to a 1x1-convolved upsampled shortcut; BatchNorm, ReLU, 3x3 convolution
and Tanh make the image. The discriminator mirrors it with average-pooled residual blocks (the
first one "optimised": no ReLU before its first convolution), ReLU, global sum pooling and a
linear layer. Neither has spectral normalisation built in: wrap the discriminator with
:func:`zoo.nn.apply_spectral_norm`.

Channels follow :func:`zoo.nn.conv_generator`'s convention: ``width`` is the generator's last
(and the discriminator's first) block, doubling at every halving of the resolution.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from zoo.nn.dcgan import base_size

__all__ = ["UpBlock", "DownBlock", "resnet_generator", "resnet_discriminator"]


class UpBlock(nn.Module):
    """A generator block: (N, c_in, s, s) -> (N, c_out, 2s, 2s)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.bn1, self.bn2 = nn.BatchNorm2d(c_in), nn.BatchNorm2d(c_out)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, 1, 1)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.shortcut = nn.Conv2d(c_in, c_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.interpolate(F.relu(self.bn1(x)), scale_factor=2.0)
        h = self.conv2(F.relu(self.bn2(self.conv1(h))))
        return h + self.shortcut(F.interpolate(x, scale_factor=2.0))


class DownBlock(nn.Module):
    """A discriminator block: (N, c_in, s, s) -> (N, c_out, s/2, s/2); ``first``: the
    optimised input block (no ReLU on the image, pooling before the shortcut's convolution)."""

    def __init__(self, c_in: int, c_out: int, first: bool = False) -> None:
        super().__init__()
        self.first = first
        self.conv1 = nn.Conv2d(c_in, c_out, 3, 1, 1)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.shortcut = nn.Conv2d(c_in, c_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(x if self.first else F.relu(x))
        h = F.avg_pool2d(self.conv2(F.relu(h)), 2)
        if self.first:
            return h + self.shortcut(F.avg_pool2d(x, 2))
        return h + F.avg_pool2d(self.shortcut(x), 2)


class _Project(nn.Module):
    """(N, latent_dim) -> (N, channels, size, size) through one linear layer."""

    def __init__(self, latent_dim: int, channels: int, size: int) -> None:
        super().__init__()
        self.shape = (channels, size, size)
        self.linear = nn.Linear(latent_dim, channels * size * size)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.linear(z).unflatten(1, self.shape)


class _SumPool(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x).sum((2, 3))


def _levels(image_size: int) -> tuple[int, int]:
    start = base_size(image_size)
    return start, int(math.log2(image_size // start))


def resnet_generator(latent_dim: int, image_size: int, channels: int, width: int) -> nn.Sequential:
    """Residual generator: (N, latent_dim) -> (N, channels, image_size, image_size) in [-1, 1]."""
    start, n_up = _levels(image_size)
    ch = width * 2 ** (n_up - 1)
    layers: list[nn.Module] = [_Project(latent_dim, ch, start)]
    for i in range(n_up):
        out = max(ch // 2, width) if i < n_up - 1 else width
        layers.append(UpBlock(ch, out))
        ch = out
    layers += [
        nn.BatchNorm2d(ch),
        nn.ReLU(),
        nn.Conv2d(ch, channels, 3, 1, 1),
        nn.Tanh(),
    ]
    return nn.Sequential(*layers)


def resnet_discriminator(image_size: int, channels: int, width: int) -> nn.Sequential:
    """Residual discriminator returning one logit per image, shape (N,)."""
    _, n_down = _levels(image_size)
    layers: list[nn.Module] = [DownBlock(channels, width, first=True)]
    ch = width
    for _ in range(n_down - 1):
        layers.append(DownBlock(ch, ch * 2))
        ch *= 2
    layers += [_SumPool(), nn.Linear(ch, 1), nn.Flatten(0)]
    return nn.Sequential(*layers)

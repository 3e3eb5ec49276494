"""The DCGAN family of networks (public: plugins may use them, like timm.layers).

The DCGAN family (Radford et al., 2016): the generator projects the latent code to a small
map with a transposed convolution, then doubles the resolution with stride-2 transposed
convolutions (BatchNorm + ReLU) up to the image size, ending in Tanh. The discriminator mirrors
it with stride-2 convolutions and LeakyReLU(0.2), no norm on the first layer.
"""

from __future__ import annotations

import math

from torch import nn

from zoo.errors import ConfigError
from zoo.nn.init import init_dcgan_weights

__all__ = ["base_size", "conv_generator", "conv_discriminator", "init_dcgan_weights"]


def base_size(image_size: int) -> int:
    """Side of the smallest feature map: 7 for 28 (MNIST), 4 for powers of two."""
    if image_size % 7 == 0 and (image_size // 7) & (image_size // 7 - 1) == 0:
        return 7
    if image_size >= 4 and image_size & (image_size - 1) == 0:
        return 4
    raise ConfigError(f"image_size={image_size} must be 7 * 2^k or 2^k (e.g. 28, 32, 64)")


def conv_generator(latent_dim: int, image_size: int, channels: int, width: int) -> nn.Sequential:
    """DCGAN generator: (N, latent_dim) -> (N, channels, image_size, image_size) in [-1, 1]."""
    start = base_size(image_size)
    n_up = int(math.log2(image_size // start))
    ch = width * 2 ** (n_up - 1)
    layers: list[nn.Module] = [
        nn.Unflatten(1, (latent_dim, 1, 1)),
        nn.ConvTranspose2d(latent_dim, ch, start, 1, 0, bias=False),
        nn.BatchNorm2d(ch),
        nn.ReLU(True),
    ]
    for _ in range(n_up - 1):
        layers += [
            nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ch // 2),
            nn.ReLU(True),
        ]
        ch //= 2
    layers += [nn.ConvTranspose2d(ch, channels, 4, 2, 1, bias=False), nn.Tanh()]
    return nn.Sequential(*layers)


def conv_discriminator(image_size: int, channels: int, width: int, norm: str) -> nn.Sequential:
    """DCGAN discriminator returning one logit per image, shape (N,).

    ``norm``: "batch" (DCGAN), "layer" or "none" (WGAN-GP critics must not use BatchNorm).
    """
    start = base_size(image_size)
    n_down = int(math.log2(image_size // start))
    layers: list[nn.Module] = [nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True)]
    ch, size = width, image_size // 2
    for _ in range(n_down - 1):
        layers.append(nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=norm == "none"))
        ch, size = ch * 2, size // 2
        if norm == "batch":
            layers.append(nn.BatchNorm2d(ch))
        elif norm == "layer":
            layers.append(nn.GroupNorm(1, ch))  # LayerNorm over (C, H, W)
        layers.append(nn.LeakyReLU(0.2, True))
    layers += [nn.Conv2d(ch, 1, start, 1, 0), nn.Flatten(0)]
    return nn.Sequential(*layers)

"""Super-resolution networks (public: plugins may use them).

* :class:`SRResNet`: the generator of SRGAN (Ledig et al., 2017): a 9x9 stem, ``blocks``
  residual blocks (conv-norm-PReLU-conv-norm), a long skip, ``log2(scale)`` sub-pixel
  upsampling stages (conv to 4x channels, ``PixelShuffle(2)``, PReLU) and a 9x9 output conv.
  ``norm="none"`` drops the BatchNorms as EDSR and ESRGAN do (better PSNR, and no batch
  statistics to disagree between training crops and whole photos); ``residual=True`` adds
  the bicubic upscaling of the input to the output, so the network learns only the missing
  detail (fast to train, never worse than bicubic at initialisation).
* :class:`SRDiscriminator`: SRGAN's VGG-style discriminator on high-resolution patches (eight
  3x3 convs, channels doubling every second one, stride 2 on alternate ones, LeakyReLU 0.2,
  BatchNorm after the first), global pooling and a two-layer head to one logit per image.
* :class:`UNetDiscriminator`: Real-ESRGAN's U-Net discriminator with spectral norm (Wang
  et al., 2021): three stride-2 4x4 convolutions down, three bilinear 2x upsamplings with
  3x3 convolutions and skip connections up, two more 3x3 convolutions and one logit per
  pixel, so it judges local texture and global structure at once.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from zoo.errors import ConfigError

SR_NORMS = ("none", "batch")
SCALES = (2, 4, 8)


def _norm(kind: str, channels: int) -> nn.Module:
    return nn.BatchNorm2d(channels) if kind == "batch" else nn.Identity()


class ResidualBlock(nn.Module):
    """conv3x3-norm-PReLU-conv3x3-norm, added to its input."""

    def __init__(self, width: int, norm: str) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(width, width, 3, 1, 1),
            _norm(norm, width),
            nn.PReLU(width),
            nn.Conv2d(width, width, 3, 1, 1),
            _norm(norm, width),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class SRResNet(nn.Module):
    """Low-resolution image in [-1, 1] (N, C, h, w) -> (N, C, scale*h, scale*w)."""

    def __init__(
        self,
        channels: int = 3,
        width: int = 64,
        blocks: int = 16,
        scale: int = 4,
        norm: str = "none",
        residual: bool = True,
    ) -> None:
        super().__init__()
        if scale not in SCALES:
            raise ConfigError(f"scale={scale}; SRResNet upscales by one of {SCALES}")
        if norm not in SR_NORMS:
            raise ConfigError(f"norm={norm!r}; choose one of {SR_NORMS}")
        self.scale, self.residual = scale, residual
        self.stem = nn.Sequential(nn.Conv2d(channels, width, 9, 1, 4), nn.PReLU(width))
        self.blocks = nn.Sequential(*(ResidualBlock(width, norm) for _ in range(blocks)))
        self.fuse = nn.Sequential(nn.Conv2d(width, width, 3, 1, 1), _norm(norm, width))
        up: list[nn.Module] = []
        for _ in range(int(math.log2(scale))):
            up += [nn.Conv2d(width, width * 4, 3, 1, 1), nn.PixelShuffle(2), nn.PReLU(width)]
        self.upsample = nn.Sequential(*up)
        self.head = nn.Conv2d(width, channels, 9, 1, 4)
        #: low-resolution pixels each output pixel depends on, each side (tiling overlaps
        #: at least this much, so tiles agree with the whole image)
        # stem 4, two per block, fuse 1, upsampling convs under 2 (at growing resolutions),
        # head 4 high-resolution pixels, bicubic 2
        self.receptive_radius = 4 + 2 * blocks + 1 + 2 + math.ceil(4 / scale) + 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.stem(x)
        out = self.head(self.upsample(features + self.fuse(self.blocks(features))))
        if self.residual:
            out = out + F.interpolate(x, scale_factor=self.scale, mode="bicubic")
        return out


class SRDiscriminator(nn.Module):
    """High-resolution patch in [-1, 1] -> one logit per image (N, 1)."""

    def __init__(self, channels: int = 3, width: int = 64, norm: str = "batch") -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(channels, width, 3, 1, 1), nn.LeakyReLU(0.2, True)]
        c = width
        for i in range(7):  # 64s2, 128, 128s2, 256, 256s2, 512, 512s2 for width 64
            out = width * 2 ** ((i + 1) // 2)
            layers += [
                nn.Conv2d(c, out, 3, 2 if i % 2 == 0 else 1, 1),
                _norm(norm, out),
                nn.LeakyReLU(0.2, True),
            ]
            c = out
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(c, c * 2, 1),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(c * 2, 1, 1),
            nn.Flatten(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class UNetDiscriminator(nn.Module):
    """Image in [-1, 1] (N, C, H, W; sides multiples of 8) -> a logit per pixel (N, 1, H, W).
    Every convolution but the first and the last is spectrally normalised and has no bias."""

    def __init__(self, channels: int = 3, width: int = 64) -> None:
        super().__init__()
        sn = nn.utils.parametrizations.spectral_norm

        def conv(c_in: int, c_out: int, k: int = 3, stride: int = 1) -> nn.Module:
            return sn(nn.Conv2d(c_in, c_out, k, stride, (k - 1) // 2 if k == 3 else 1, bias=False))

        w = width
        self.stem = nn.Conv2d(channels, w, 3, 1, 1)
        self.down = nn.ModuleList(
            [conv(w, 2 * w, 4, 2), conv(2 * w, 4 * w, 4, 2), conv(4 * w, 8 * w, 4, 2)]
        )
        self.up = nn.ModuleList([conv(8 * w, 4 * w), conv(4 * w, 2 * w), conv(2 * w, w)])
        self.refine = nn.Sequential(
            conv(w, w), nn.LeakyReLU(0.2, True), conv(w, w), nn.LeakyReLU(0.2, True)
        )
        self.head = nn.Conv2d(w, 1, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] % 8 or x.shape[-2] % 8:
            raise ConfigError(
                f"UNetDiscriminator: {x.shape[-1]}x{x.shape[-2]} images; give sides that are "
                "multiples of 8"
            )
        skips = [F.leaky_relu(self.stem(x), 0.2)]
        for layer in self.down:
            skips.append(F.leaky_relu(layer(skips[-1]), 0.2))
        y = skips.pop()
        for layer in self.up:
            y = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
            y = F.leaky_relu(layer(y), 0.2) + skips.pop()
        return self.head(self.refine(y))

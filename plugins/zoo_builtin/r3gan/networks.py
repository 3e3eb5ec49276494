"""R3GAN's networks (Huang et al., 2024, "The GAN is dead; long live the GAN!"), written from
the paper and brownvc/R3GAN's ``R3GAN/Networks.py`` in plain PyTorch: residual blocks of a
1x1 expansion, a grouped KxK convolution and a 1x1 projection (zero-initialised), biased
leaky ReLUs, no normalisation; resampling by a fixed [1, 3, 3, 1] low-pass filter; a learned
4x4 basis at the low-resolution end of each network.

Parameter names follow the reference's one rule: the reference's ``Model.`` prefix dropped
and each CamelCase part written in snake_case (``Model.MainLayers.1.Layers.2.LinearLayer1.
Layer.weight`` is ``main_layers.1.layers.2.linear_layer1.layer.weight``, ``NonLinearity1.
Bias`` is ``non_linearity1.bias``). The resampling filters are constants, not stored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn

#: the gain of a leaky ReLU of slope 0.2 (the reference's ``BiasedActivation.Gain``)
LEAKY_GAIN = math.sqrt(2 / (1 + 0.2**2))


def msr_init(layer: nn.Conv2d | nn.Linear, gain: float = 1.0) -> nn.Conv2d | nn.Linear:
    """Weights ~ N(0, gain^2 / fan_in) (fan_in: input channels per group times the kernel's
    area), biases zero: the reference's ``MSRInitializer``."""
    fan_in = layer.weight.shape[1] * layer.weight[0][0].numel()
    with torch.no_grad():
        layer.weight.normal_(0, gain / math.sqrt(fan_in))
        if layer.bias is not None:
            layer.bias.zero_()
    return layer


def lowpass_kernel(taps: Sequence[int]) -> torch.Tensor:
    """The 2-D resampling filter of ``taps`` ([1, 2, 1]: [1, 3, 3, 1] squared), summing to 1."""
    row = torch.tensor([float(t) for t in taps])
    row = F.conv1d(row.view(1, 1, -1), torch.ones(1, 1, 2), padding=1).flatten()  # * [1, 1]
    kernel = row[:, None] * row[None, :]
    return kernel / kernel.sum()


class Convolution(nn.Module):
    """A bias-free, same-padded convolution whose weight follows the input's dtype."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        groups: int = 1,
        gain: float = 1,
    ) -> None:
        super().__init__()
        conv = nn.Conv2d(
            in_channels,
            out_channels,
            kernel_size,
            padding=(kernel_size - 1) // 2,
            groups=groups,
            bias=False,
        )
        self.layer = msr_init(conv, gain)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        layer = self.layer
        return F.conv2d(x, layer.weight.to(x.dtype), padding=layer.padding, groups=layer.groups)


class BiasedActivation(nn.Module):
    """x + bias, then a leaky ReLU of slope 0.2."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (1, -1, 1, 1) if x.ndim > 2 else (1, -1)
        return F.leaky_relu(x + self.bias.to(x.dtype).view(shape), 0.2)


class ResidualBlock(nn.Module):
    """x + 1x1(act(KxK grouped(act(1x1 expand(x))))); the last 1x1 starts at zero, so each
    block starts as the identity (the fix-up initialisation of the paper)."""

    def __init__(
        self, channels: int, cardinality: int, expansion: int, kernel_size: int, depth: int
    ) -> None:
        super().__init__()
        expanded = channels * expansion
        gain = LEAKY_GAIN * depth ** (-1 / (2 * 3 - 2))  # three linear layers per block
        self.linear_layer1 = Convolution(channels, expanded, 1, gain=gain)
        self.linear_layer2 = Convolution(expanded, expanded, kernel_size, cardinality, gain)
        self.linear_layer3 = Convolution(expanded, channels, 1, gain=0)
        self.non_linearity1 = BiasedActivation(expanded)
        self.non_linearity2 = BiasedActivation(expanded)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.linear_layer2(self.non_linearity1(self.linear_layer1(x)))
        return x + self.linear_layer3(self.non_linearity2(y))


class Upsample(nn.Module):
    """2x upsampling by the filter (a transposed depthwise convolution, gain 4)."""

    def __init__(self, taps: Sequence[int]) -> None:
        super().__init__()
        self.register_buffer("kernel", lowpass_kernel(taps), persistent=False)
        self.radius = len(taps) // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.shape[1]  # one depthwise convolution: 4x faster on the CPU than images x channels
        k = (4 * self.kernel.to(x.dtype)).expand(c, 1, *self.kernel.shape)
        return F.conv_transpose2d(x, k, stride=2, padding=self.radius, groups=c)


class Downsample(nn.Module):
    """2x downsampling by the filter (a strided depthwise convolution)."""

    def __init__(self, taps: Sequence[int]) -> None:
        super().__init__()
        self.register_buffer("kernel", lowpass_kernel(taps), persistent=False)
        self.radius = len(taps) // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.shape[1]  # one depthwise convolution: 10x faster on the CPU than images x channels
        k = self.kernel.to(x.dtype).expand(c, 1, *self.kernel.shape)
        return F.conv2d(x, k, stride=2, padding=self.radius, groups=c)


class UpsampleLayer(nn.Module):
    """A 1x1 convolution where the width changes, then 2x upsampling."""

    def __init__(self, in_channels: int, out_channels: int, taps: Sequence[int]) -> None:
        super().__init__()
        self.resampler = Upsample(taps)
        self.linear_layer = (
            Convolution(in_channels, out_channels, 1) if in_channels != out_channels else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.resampler(x if self.linear_layer is None else self.linear_layer(x))


class DownsampleLayer(nn.Module):
    """2x downsampling, then a 1x1 convolution where the width changes."""

    def __init__(self, in_channels: int, out_channels: int, taps: Sequence[int]) -> None:
        super().__init__()
        self.resampler = Downsample(taps)
        self.linear_layer = (
            Convolution(in_channels, out_channels, 1) if in_channels != out_channels else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.resampler(x)
        return x if self.linear_layer is None else self.linear_layer(x)


class GenerativeBasis(nn.Module):
    """A code (N, D) -> (N, C, 4, 4): a learned 4x4 basis per channel, scaled by a linear
    map of the code."""

    def __init__(self, in_features: int, channels: int) -> None:
        super().__init__()
        self.basis = nn.Parameter(torch.randn(channels, 4, 4))
        self.linear_layer = msr_init(nn.Linear(in_features, channels, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.basis.view(1, -1, 4, 4) * self.linear_layer(x).view(x.shape[0], -1, 1, 1)


class DiscriminativeBasis(nn.Module):
    """(N, C, 4, 4) -> (N, D): a depthwise 4x4 convolution, then a linear map."""

    def __init__(self, channels: int, out_features: int) -> None:
        super().__init__()
        depthwise = nn.Conv2d(channels, channels, 4, groups=channels, bias=False)
        self.basis = msr_init(depthwise)
        self.linear_layer = msr_init(nn.Linear(channels, out_features, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_layer(self.basis(x).view(x.shape[0], -1))


class Stage(nn.Module):
    """One resolution of a network: its layers, run in ``dtype`` (bfloat16 for the
    reference's reduced-precision stages; None: the dtype of its parameters)."""

    def __init__(self, layers: list[nn.Module]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.dtype: torch.dtype | None = None

    def compute_dtype(self) -> torch.dtype:
        return self.dtype or next(self.parameters()).dtype

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.to(self.compute_dtype())
        for layer in self.layers:
            x = layer(x)
        return x


def residual_blocks(
    widths: Sequence[int],
    cardinalities: Sequence[int],
    blocks: Sequence[int],
    expansion: int,
    kernel_size: int,
) -> list[list[nn.Module]]:
    """The residual blocks of each stage of a network, their initial gain scaled by the
    network's total count of blocks."""
    depth = sum(blocks)
    return [
        [ResidualBlock(width, groups, expansion, kernel_size, depth) for _ in range(count)]
        for width, groups, count in zip(widths, cardinalities, blocks)
    ]


class Generator(nn.Module):
    """Code z (N, latent_dim) [and one-hot classes (N, num_classes)] -> images (N, C, S, S),
    S = 4 * 2^(stages - 1), unbounded (trained towards [-1, 1])."""

    def __init__(
        self,
        latent_dim: int,
        widths: Sequence[int],
        cardinalities: Sequence[int],
        blocks: Sequence[int],
        expansion: int,
        channels: int = 3,
        num_classes: int = 0,
        embedding_dim: int = 0,
        kernel_size: int = 3,
        taps: Sequence[int] = (1, 2, 1),
    ) -> None:
        super().__init__()
        residuals = residual_blocks(widths, cardinalities, blocks, expansion, kernel_size)
        stages = [Stage([GenerativeBasis(latent_dim + embedding_dim, widths[0]), *residuals[0]])]
        stages += [
            Stage([UpsampleLayer(widths[i - 1], widths[i], taps), *residuals[i]])
            for i in range(1, len(widths))
        ]
        self.main_layers = nn.ModuleList(stages)
        self.aggregation_layer = Convolution(widths[-1], channels, 1)
        self.embedding_layer = (
            msr_init(nn.Linear(num_classes, embedding_dim, bias=False)) if num_classes else None
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.embedding_layer is not None:
            if labels is None:
                raise ValueError("a class-conditional R3GAN generator needs labels")
            one_hot = F.one_hot(labels, self.embedding_layer.in_features).to(z.dtype)
            z = torch.cat([z, self.embedding_layer(one_hot)], dim=1)
        x = z
        for stage in self.main_layers:
            x = stage(x)
        return self.aggregation_layer(x)


class Discriminator(nn.Module):
    """Images (N, C, S, S) [and classes] -> one logit each (N,); conditional: the projection
    of the final features on the class's embedding."""

    def __init__(
        self,
        widths: Sequence[int],
        cardinalities: Sequence[int],
        blocks: Sequence[int],
        expansion: int,
        channels: int = 3,
        num_classes: int = 0,
        embedding_dim: int = 0,
        kernel_size: int = 3,
        taps: Sequence[int] = (1, 2, 1),
    ) -> None:
        """``widths`` etc. from the highest resolution down (the generator's reversed)."""
        super().__init__()
        residuals = residual_blocks(widths, cardinalities, blocks, expansion, kernel_size)
        stages = [
            Stage([*residuals[i], DownsampleLayer(widths[i], widths[i + 1], taps)])
            for i in range(len(widths) - 1)
        ]
        out = embedding_dim if num_classes else 1
        stages.append(Stage([*residuals[-1], DiscriminativeBasis(widths[-1], out)]))
        self.extraction_layer = Convolution(channels, widths[0], 1)
        self.main_layers = nn.ModuleList(stages)
        self.embedding_layer = (
            msr_init(
                nn.Linear(num_classes, embedding_dim, bias=False), 1 / math.sqrt(embedding_dim)
            )
            if num_classes
            else None
        )

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        first: Stage = self.main_layers[0]  # type: ignore[assignment]
        x = self.extraction_layer(x.to(first.compute_dtype()))
        for stage in self.main_layers:
            x = stage(x)
        if self.embedding_layer is not None:
            if labels is None:
                raise ValueError("a class-conditional R3GAN discriminator needs labels")
            one_hot = F.one_hot(labels, self.embedding_layer.in_features).to(x.dtype)
            x = (x * self.embedding_layer(one_hot)).sum(dim=1, keepdim=True)
        return x.view(x.shape[0]).float()


def from_reference_names(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A state dict of brownvc/R3GAN's ``Generator`` or ``Discriminator`` (of
    ``R3GAN/Networks.py``, or of ``training/networks.py``'s wrappers, ``Model.`` first) under
    the names of this module's networks; the resampling filters are left out."""

    def snake(part: str) -> str:
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", part).lower()

    renamed = {}
    for name, tensor in state.items():
        name = name.removeprefix("Model.")
        if name.endswith("Resampler.Kernel"):
            continue
        renamed[".".join(snake(part) for part in name.split("."))] = tensor
    return renamed

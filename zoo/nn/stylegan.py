"""StyleGAN's building blocks in plain PyTorch (Karras et al., 2020: "Analyzing and Improving
the Image Quality of StyleGAN"; "Training Generative Adversarial Networks with Limited Data"),
laid out as NVlabs/stylegan2-ada-pytorch lays them out, so that its tensors load by name.

The reference runs FIR filtering (``upfirdn2d``) and biased activations (``bias_act``) as
custom CUDA ops compiled on first use, with slow PyTorch fallbacks. Here they are depthwise
convolutions and plain tensor ops, nothing to compile, the same on the CPU and CUDA.
What the StyleGAN2 and StyleGAN3 generators share (the mapping network, fully connected and
convolution layers with equalised learning rate, modulated convolution) and the
discriminator they share are here; each generator's synthesis network is its plugin's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "ACTIVATION_GAIN",
    "Conv2dLayer",
    "Discriminator",
    "FullyConnectedLayer",
    "MappingNetwork",
    "bias_act",
    "channels_at",
    "conv2d_resample",
    "downsample2d",
    "modulated_conv2d",
    "StyleGenerator",
    "normalize_2nd_moment",
    "one_hot",
    "setup_filter",
    "upfirdn2d",
    "upsample2d",
]

#: the gain that keeps an activation's output at unit variance ("def_gain" in the reference)
ACTIVATION_GAIN = {"linear": 1.0, "relu": math.sqrt(2), "lrelu": math.sqrt(2)}
Padding = int | Sequence[int]


def _padding(padding: Padding) -> tuple[int, int, int, int]:
    """(x0, x1, y0, y1) from an int, (x, y) or (x0, x1, y0, y1)."""
    if isinstance(padding, int):
        return padding, padding, padding, padding
    if len(padding) == 2:
        return padding[0], padding[0], padding[1], padding[1]
    x0, x1, y0, y1 = padding
    return x0, x1, y0, y1


def setup_filter(taps: Sequence[float], normalize: bool = True) -> torch.Tensor:
    """A 2-D FIR filter from 1-D ``taps`` (their outer product; 8 taps or more stay 1-D,
    separable), summing to 1 if ``normalize``."""
    f = torch.as_tensor(taps, dtype=torch.float32)
    if f.ndim == 1 and f.numel() < 8:
        f = torch.outer(f, f)
    return f / f.sum() if normalize else f


def _filter_size(f: torch.Tensor | None) -> tuple[int, int]:
    return (1, 1) if f is None else (int(f.shape[-1]), int(f.shape[0]))


def upfirdn2d(
    x: torch.Tensor,
    f: torch.Tensor | None,
    up: int = 1,
    down: int = 1,
    padding: Padding = 0,
    flip_filter: bool = False,
    gain: float = 1.0,
) -> torch.Tensor:
    """Upsample by inserting zeros, pad (negative: crop), filter with ``f`` and downsample by
    dropping pixels: the reference's ``upfirdn2d``, as one depthwise convolution."""
    if f is None:
        f = torch.ones(1, 1, dtype=torch.float32, device=x.device)
    n, c, h, w = x.shape
    x0, x1, y0, y1 = _padding(padding)
    if up > 1:
        x = F.pad(x.reshape(n, c, h, 1, w, 1), [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)
    x = F.pad(x, [max(x0, 0), max(x1, 0), max(y0, 0), max(y1, 0)])
    x = x[:, :, max(-y0, 0) : x.shape[2] - max(-y1, 0), max(-x0, 0) : x.shape[3] - max(-x1, 0)]
    f = (f * gain ** (f.ndim / 2)).to(x.dtype)
    if not flip_filter:
        f = f.flip(list(range(f.ndim)))
    # downsampling drops pixels: a strided convolution computes only the kept ones
    if f.ndim == 2:
        return F.conv2d(x, f.expand(c, 1, *f.shape), groups=c, stride=down)
    x = F.conv2d(x, f.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c, stride=(1, down))
    return F.conv2d(x, f.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c, stride=(down, 1))


def upsample2d(x: torch.Tensor, f: torch.Tensor, up: int = 2) -> torch.Tensor:
    """2x (``up``) upsampling by ``f``, the output a multiple of the input's size."""
    fw, fh = _filter_size(f)
    p = [(fw + up - 1) // 2, (fw - up) // 2, (fh + up - 1) // 2, (fh - up) // 2]
    return upfirdn2d(x, f, up=up, padding=p, gain=up * up)


def downsample2d(x: torch.Tensor, f: torch.Tensor, down: int = 2) -> torch.Tensor:
    """2x (``down``) downsampling by ``f``."""
    fw, fh = _filter_size(f)
    p = [(fw - down + 1) // 2, (fw - down) // 2, (fh - down + 1) // 2, (fh - down) // 2]
    return upfirdn2d(x, f, down=down, padding=p)


def _conv(
    x: torch.Tensor,
    w: torch.Tensor,
    stride: int = 1,
    padding: int | Sequence[int] = 0,
    groups: int = 1,
    transpose: bool = False,
    flip_weight: bool = True,
) -> torch.Tensor:
    if not flip_weight:  # conv2d correlates; a convolution flips the kernel
        w = w.flip([2, 3])
    pad = padding if isinstance(padding, int) else tuple(padding)
    if transpose:
        return F.conv_transpose2d(x, w, stride=stride, padding=pad, groups=groups)
    return F.conv2d(x, w, stride=stride, padding=pad, groups=groups)


def conv2d_resample(
    x: torch.Tensor,
    w: torch.Tensor,
    f: torch.Tensor | None = None,
    up: int = 1,
    down: int = 1,
    padding: Padding = 0,
    groups: int = 1,
    flip_weight: bool = True,
) -> torch.Tensor:
    """A convolution with up- or downsampling by the filter ``f``, padded once (``padding``
    with respect to the upsampled image), as the reference orders the operations."""
    out_channels, in_per_group, kh, kw = w.shape
    fw, fh = _filter_size(f)
    px0, px1, py0, py1 = _padding(padding)
    if up > 1:
        px0, px1 = px0 + (fw + up - 1) // 2, px1 + (fw - up) // 2
        py0, py1 = py0 + (fh + up - 1) // 2, py1 + (fh - up) // 2
    if down > 1:
        px0, px1 = px0 + (fw - down + 1) // 2, px1 + (fw - down) // 2
        py0, py1 = py0 + (fh - down + 1) // 2, py1 + (fh - down) // 2
    pads = [px0, px1, py0, py1]
    if kw == 1 and kh == 1 and down > 1 and up == 1:
        return _conv(
            upfirdn2d(x, f, down=down, padding=pads), w, groups=groups, flip_weight=flip_weight
        )
    if kw == 1 and kh == 1 and up > 1 and down == 1:
        x = _conv(x, w, groups=groups, flip_weight=flip_weight)
        return upfirdn2d(x, f, up=up, padding=pads, gain=up**2)
    if down > 1 and up == 1:
        x = upfirdn2d(x, f, padding=pads)
        return _conv(x, w, stride=down, groups=groups, flip_weight=flip_weight)
    if up > 1:  # a transposed convolution, then the filter
        if groups == 1:
            w = w.transpose(0, 1)
        else:
            w = w.reshape(groups, out_channels // groups, in_per_group, kh, kw).transpose(1, 2)
            w = w.reshape(groups * in_per_group, out_channels // groups, kh, kw)
        px0, px1, py0, py1 = px0 - (kw - 1), px1 - (kw - up), py0 - (kh - 1), py1 - (kh - up)
        pxt, pyt = max(min(-px0, -px1), 0), max(min(-py0, -py1), 0)
        x = _conv(x, w, up, [pyt, pxt], groups, transpose=True, flip_weight=not flip_weight)
        x = upfirdn2d(x, f, padding=[px0 + pxt, px1 + pxt, py0 + pyt, py1 + pyt], gain=up**2)
        return upfirdn2d(x, f, down=down) if down > 1 else x
    if px0 == px1 and py0 == py1 and px0 >= 0 and py0 >= 0:
        return _conv(x, w, padding=[py0, px0], groups=groups, flip_weight=flip_weight)
    x = _conv(upfirdn2d(x, None, padding=pads), w, groups=groups, flip_weight=flip_weight)
    return upfirdn2d(x, f, down=down) if down > 1 else x


def bias_act(
    x: torch.Tensor,
    b: torch.Tensor | None = None,
    act: str = "linear",
    gain: float | None = None,
    clamp: float | None = None,
    alpha: float = 0.2,
) -> torch.Tensor:
    """Add ``b`` along channels, apply ``act`` ("linear", "relu" or "lrelu" of slope
    ``alpha``), scale by ``gain`` (default: the activation's) and clamp to ``±clamp``."""
    if b is not None:
        x = x + b.reshape([-1 if i == 1 else 1 for i in range(x.ndim)])
    if act == "lrelu":
        x = F.leaky_relu(x, alpha)
    elif act == "relu":
        x = F.relu(x)
    elif act != "linear":
        raise ValueError(f"activation {act!r}; choose linear, relu or lrelu")
    gain = ACTIVATION_GAIN[act] if gain is None else gain
    if gain != 1:
        x = x * gain
    return x.clamp(-clamp, clamp) if clamp is not None and clamp >= 0 else x


def one_hot(c: torch.Tensor | None, classes: int) -> torch.Tensor | None:
    """Class indices (N,) as the reference's one-hot ``c`` (N, classes); float ``c`` (the
    reference's own) and None pass as they are."""
    if c is None or c.is_floating_point():
        return c
    return F.one_hot(c.long(), classes).float()


def normalize_2nd_moment(x: torch.Tensor, dim: int = 1, eps: float = 1e-8) -> torch.Tensor:
    return x * (x.square().mean(dim=dim, keepdim=True) + eps).rsqrt()


def modulated_conv2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    styles: torch.Tensor,
    noise: torch.Tensor | None = None,
    up: int = 1,
    padding: int = 0,
    resample_filter: torch.Tensor | None = None,
    demodulate: bool = True,
    flip_weight: bool = True,
) -> torch.Tensor:
    """StyleGAN2's modulated convolution: the weight scaled per image by ``styles`` (N, I)
    and demodulated to unit output variance, run as the reference runs it in training (the
    activations scaled before and after one convolution with the shared weight: no
    batch-sized groups, so it exports with a dynamic batch); ``noise`` added after."""
    n = x.shape[0]
    x = x * styles.to(x.dtype).reshape(n, -1, 1, 1)
    x = conv2d_resample(
        x, weight.to(x.dtype), resample_filter, up=up, padding=padding, flip_weight=flip_weight
    )
    if demodulate:  # 1 / |w * s| per image and output channel: s^2 . sum_k w^2
        power = weight.float().square().sum(dim=[2, 3]).t()
        dcoefs = (styles.float().square() @ power + 1e-8).rsqrt()
        x = x * dcoefs.to(x.dtype).reshape(n, -1, 1, 1)
    return x + noise.to(x.dtype) if noise is not None else x


class FullyConnectedLayer(nn.Module):
    """A linear layer with equalised learning rate (weights ~ N(0, 1) / lr_multiplier, scaled
    by lr_multiplier / sqrt(fan-in) when used) and an optional activation."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        activation: str = "linear",
        lr_multiplier: float = 1.0,
        bias_init: float = 0.0,
    ) -> None:
        super().__init__()
        self.activation = activation
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_multiplier)
        self.bias = nn.Parameter(torch.full([out_features], float(bias_init))) if bias else None
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight.to(x.dtype) * self.weight_gain
        b = None if self.bias is None else self.bias.to(x.dtype) * self.bias_gain
        if self.activation == "linear" and b is not None:
            return torch.addmm(b.unsqueeze(0), x, w.t())
        return bias_act(x.matmul(w.t()), b, act=self.activation)


class Conv2dLayer(nn.Module):
    """A convolution with equalised learning rate, optional 2x up- or downsampling through
    the filter, a biased activation and an optional clamp."""

    resample_filter: torch.Tensor

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        bias: bool = True,
        activation: str = "linear",
        up: int = 1,
        down: int = 1,
        resample_filter: Sequence[int] = (1, 3, 3, 1),
        conv_clamp: float | None = None,
    ) -> None:
        super().__init__()
        self.activation, self.up, self.down, self.conv_clamp = activation, up, down, conv_clamp
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.padding = kernel_size // 2
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size**2)
        self.act_gain = ACTIVATION_GAIN[activation]
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def forward(self, x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
        w = (self.weight * self.weight_gain).to(x.dtype)
        x = conv2d_resample(
            x, w, self.resample_filter, self.up, self.down, self.padding, flip_weight=self.up == 1
        )
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        b = self.bias.to(x.dtype) if self.bias is not None else None
        return bias_act(x, b, self.activation, gain=self.act_gain * gain, clamp=clamp)


class MappingNetwork(nn.Module):
    """z (and a one-hot class c, embedded) -> w: normalised inputs, ``num_layers`` fully
    connected layers at a reduced learning rate; ``w_avg`` tracks the mean w in training,
    the centre of the truncation trick. ``num_ws``: w repeated for each synthesis layer."""

    w_avg: torch.Tensor

    def __init__(
        self,
        z_dim: int,
        c_dim: int,
        w_dim: int,
        num_ws: int | None,
        num_layers: int = 8,
        embed_features: int | None = None,
        layer_features: int | None = None,
        activation: str = "lrelu",
        lr_multiplier: float = 0.01,
        w_avg_beta: float | None = 0.995,
    ) -> None:
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim, self.num_ws = z_dim, c_dim, w_dim, num_ws
        self.num_layers, self.w_avg_beta = num_layers, w_avg_beta
        embed = 0 if c_dim == 0 else (w_dim if embed_features is None else embed_features)
        layer_features = w_dim if layer_features is None else layer_features
        features = [z_dim + embed] + [layer_features] * (num_layers - 1) + [w_dim]
        if c_dim > 0:
            self.embed = FullyConnectedLayer(c_dim, embed)
        for i in range(num_layers):
            layer = FullyConnectedLayer(
                features[i], features[i + 1], activation=activation, lr_multiplier=lr_multiplier
            )
            setattr(self, f"fc{i}", layer)
        if num_ws is not None and w_avg_beta is not None:
            self.register_buffer("w_avg", torch.zeros(w_dim))

    def forward(
        self,
        z: torch.Tensor | None,
        c: torch.Tensor | None,
        truncation_psi: float = 1.0,
        truncation_cutoff: int | None = None,
    ) -> torch.Tensor:
        x = None
        if self.z_dim > 0:
            assert z is not None
            x = normalize_2nd_moment(z.to(torch.float32))
        if self.c_dim > 0:
            assert c is not None
            y = normalize_2nd_moment(self.embed(c.to(torch.float32)))
            x = torch.cat([x, y], dim=1) if x is not None else y
        assert x is not None
        for i in range(self.num_layers):
            layer: nn.Module = getattr(self, f"fc{i}")
            x = layer(x)
        if self.w_avg_beta is not None and self.training and self.num_ws is not None:
            with torch.no_grad():
                self.w_avg.copy_(x.detach().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        if self.num_ws is not None:
            x = x.unsqueeze(1).repeat([1, self.num_ws, 1])
        if truncation_psi != 1:
            w_avg = self.w_avg.to(x.dtype)  # a bf16 copy's buffer, fp32 codes
            if self.num_ws is None or truncation_cutoff is None:
                x = w_avg.lerp(x, truncation_psi)
            else:
                x = x.clone()
                x[:, :truncation_cutoff] = w_avg.lerp(x[:, :truncation_cutoff], truncation_psi)
        return x


class StyleGenerator(nn.Module):
    """z [and a class c] -> image in about [-1, 1]: the mapping network to ``num_ws`` w
    vectors, then the ``synthesis`` network the subclass brings (StyleGAN2's blocks,
    StyleGAN3's alias-free layers). ``truncation_psi`` pulls w toward ``mapping.w_avg``;
    ``synthesis_kwargs`` (StyleGAN2's ``noise_mode``) go to the synthesis network."""

    def __init__(
        self,
        z_dim: int,
        c_dim: int,
        w_dim: int,
        synthesis: nn.Module,
        mapping_layers: int = 8,
        mapping_lr: float = 0.01,
        w_avg_beta: float = 0.995,
    ) -> None:
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim = z_dim, c_dim, w_dim
        self.synthesis = synthesis
        self.num_ws: int = synthesis.num_ws  # type: ignore[assignment]
        self.mapping = MappingNetwork(
            z_dim, c_dim, w_dim, self.num_ws, num_layers=mapping_layers,
            lr_multiplier=mapping_lr, w_avg_beta=w_avg_beta,
        )  # fmt: skip

    def forward(
        self,
        z: torch.Tensor,
        c: torch.Tensor | None = None,
        truncation_psi: float = 1.0,
        **synthesis_kwargs: str,
    ) -> torch.Tensor:
        """``c``: one-hot classes (N, c_dim), or class indices (N,)."""
        ws = self.mapping(z, one_hot(c, self.c_dim), truncation_psi=truncation_psi)
        return self.synthesis(ws, **synthesis_kwargs)


class DiscriminatorBlock(nn.Module):
    """One resolution of the discriminator: (from RGB,) two 3x3 convolutions, the second
    downsampling, and a 1x1 downsampling skip (``resnet``) or an image path (``skip``)."""

    resample_filter: torch.Tensor

    def __init__(
        self,
        in_channels: int,
        tmp_channels: int,
        out_channels: int,
        resolution: int,
        img_channels: int,
        architecture: str = "resnet",
        activation: str = "lrelu",
        resample_filter: Sequence[int] = (1, 3, 3, 1),
        conv_clamp: float | None = None,
    ) -> None:
        super().__init__()
        self.in_channels, self.resolution, self.architecture = in_channels, resolution, architecture
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        if in_channels == 0 or architecture == "skip":
            self.fromrgb = Conv2dLayer(
                img_channels, tmp_channels, 1, activation=activation, conv_clamp=conv_clamp
            )
        self.conv0 = Conv2dLayer(
            tmp_channels, tmp_channels, 3, activation=activation, conv_clamp=conv_clamp
        )
        self.conv1 = Conv2dLayer(
            tmp_channels, out_channels, 3, activation=activation, down=2,
            resample_filter=resample_filter, conv_clamp=conv_clamp,
        )  # fmt: skip
        if architecture == "resnet":
            self.skip = Conv2dLayer(
                tmp_channels, out_channels, 1, bias=False, down=2, resample_filter=resample_filter
            )

    def forward(
        self, x: torch.Tensor | None, img: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.in_channels == 0 or self.architecture == "skip":
            assert img is not None
            y = self.fromrgb(img)
            x = x + y if x is not None else y
            img = downsample2d(img, self.resample_filter) if self.architecture == "skip" else None
        assert x is not None
        if self.architecture == "resnet":
            y = self.skip(x, gain=math.sqrt(0.5))
            x = self.conv1(self.conv0(x), gain=math.sqrt(0.5))
            return y + x, img
        return self.conv1(self.conv0(x)), img


class MinibatchStdLayer(nn.Module):
    """Appends the standard deviation of each feature over groups of ``group_size`` images,
    averaged, as ``num_channels`` extra channels."""

    def __init__(self, group_size: int | None, num_channels: int = 1) -> None:
        super().__init__()
        self.group_size, self.num_channels = group_size, num_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        g = min(self.group_size, n) if self.group_size is not None else n
        f = self.num_channels
        y = x.reshape(g, -1, f, c // f, h, w)
        y = (y - y.mean(dim=0)).square().mean(dim=0)
        y = (y + 1e-8).sqrt().mean(dim=[2, 3, 4]).reshape(-1, f, 1, 1)
        return torch.cat([x, y.repeat(g, 1, h, w)], dim=1)


class DiscriminatorEpilogue(nn.Module):
    """The 4x4 end: minibatch standard deviation, a 3x3 convolution, two fully connected
    layers; conditional: the projection of the output on the mapped class (``cmap``)."""

    def __init__(
        self,
        in_channels: int,
        cmap_dim: int,
        resolution: int,
        img_channels: int,
        architecture: str = "resnet",
        mbstd_group_size: int | None = 4,
        mbstd_num_channels: int = 1,
        activation: str = "lrelu",
        conv_clamp: float | None = None,
    ) -> None:
        super().__init__()
        self.in_channels, self.cmap_dim, self.architecture = in_channels, cmap_dim, architecture
        if architecture == "skip":
            self.fromrgb = Conv2dLayer(img_channels, in_channels, 1, activation=activation)
        self.mbstd = (
            MinibatchStdLayer(mbstd_group_size, mbstd_num_channels) if mbstd_num_channels else None
        )
        self.conv = Conv2dLayer(
            in_channels + mbstd_num_channels, in_channels, 3, activation=activation,
            conv_clamp=conv_clamp,
        )  # fmt: skip
        self.fc = FullyConnectedLayer(
            in_channels * resolution**2, in_channels, activation=activation
        )
        self.out = FullyConnectedLayer(in_channels, 1 if cmap_dim == 0 else cmap_dim)

    def forward(
        self, x: torch.Tensor, img: torch.Tensor | None, cmap: torch.Tensor | None
    ) -> torch.Tensor:
        x = x.float()
        if self.architecture == "skip":
            assert img is not None
            x = x + self.fromrgb(img.float())
        if self.mbstd is not None:
            x = self.mbstd(x)
        x = self.out(self.fc(self.conv(x).flatten(1)))
        if self.cmap_dim > 0:
            assert cmap is not None
            x = (x * cmap).sum(dim=1, keepdim=True) * (1 / math.sqrt(self.cmap_dim))
        return x


def channels_at(resolution: int, channel_base: int, channel_max: int) -> int:
    """Feature maps at ``resolution``: min(channel_base / resolution, channel_max)."""
    return min(channel_base // resolution, channel_max)


class Discriminator(nn.Module):
    """StyleGAN2's discriminator (also StyleGAN3's): residual blocks from the image's
    resolution down to 8x8, then the epilogue; class-conditional through a mapping network
    of the one-hot class and a projection."""

    def __init__(
        self,
        c_dim: int,
        img_resolution: int,
        img_channels: int,
        architecture: str = "resnet",
        channel_base: int = 32768,
        channel_max: int = 512,
        conv_clamp: float | None = None,
        cmap_dim: int | None = None,
        mbstd_group_size: int | None = 4,
        mbstd_num_channels: int = 1,
        mapping_layers: int = 8,
    ) -> None:
        super().__init__()
        self.c_dim, self.img_resolution = c_dim, img_resolution
        log2 = int(math.log2(img_resolution))
        self.block_resolutions = [2**i for i in range(log2, 2, -1)]
        ch = {r: channels_at(r, channel_base, channel_max) for r in [*self.block_resolutions, 4]}
        if cmap_dim is None:
            cmap_dim = ch[4]
        if c_dim == 0:
            cmap_dim = 0
        for res in self.block_resolutions:
            block = DiscriminatorBlock(
                ch[res] if res < img_resolution else 0, ch[res], ch[res // 2], res,
                img_channels, architecture, conv_clamp=conv_clamp,
            )  # fmt: skip
            setattr(self, f"b{res}", block)
        if c_dim > 0:
            self.mapping = MappingNetwork(
                0, c_dim, cmap_dim, None, num_layers=mapping_layers, w_avg_beta=None
            )
        self.b4 = DiscriminatorEpilogue(
            ch[4], cmap_dim, 4, img_channels, architecture, mbstd_group_size,
            mbstd_num_channels, conv_clamp=conv_clamp,
        )  # fmt: skip

    def forward(self, img: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        x = None
        image: torch.Tensor | None = img
        for res in self.block_resolutions:
            x, image = getattr(self, f"b{res}")(x, image)
        cmap = self.mapping(None, one_hot(c, self.c_dim)) if self.c_dim > 0 else None
        assert x is not None
        return self.b4(x, image, cmap)

"""StyleGAN2's generator (the StyleGAN2-ADA layout): a mapping network to w, and a synthesis
network of blocks from 4x4 up, each two modulated 3x3 convolutions with constant-buffer
noise, joined by upsampled RGB outputs (``skip``), residual paths (``resnet``) or neither
(``orig``). Module and tensor names are those of NVlabs/stylegan2-ada-pytorch's
``training/networks.py``, so ``G_ema``'s state dict loads as it is."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from zoo.nn.stylegan import (
    ACTIVATION_GAIN,
    Conv2dLayer,
    FullyConnectedLayer,
    StyleGenerator,
    bias_act,
    channels_at,
    modulated_conv2d,
    setup_filter,
    upsample2d,
)


class SynthesisLayer(nn.Module):
    """A modulated, demodulated 3x3 convolution (2x upsampling in a block's first layer),
    scaled noise, a biased leaky ReLU and an optional clamp."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        w_dim: int,
        resolution: int,
        up: int = 1,
        use_noise: bool = True,
        resample_filter: Sequence[int] = (1, 3, 3, 1),
        conv_clamp: float | None = None,
    ) -> None:
        super().__init__()
        self.resolution, self.up, self.use_noise, self.conv_clamp = (
            resolution,
            up,
            use_noise,
            conv_clamp,
        )
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.padding = 1
        self.act_gain = ACTIVATION_GAIN["lrelu"]
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, 3, 3))
        if use_noise:
            self.register_buffer("noise_const", torch.randn(resolution, resolution))
            self.noise_strength = nn.Parameter(torch.zeros([]))
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(
        self, x: torch.Tensor, w: torch.Tensor, noise_mode: str = "const", gain: float = 1.0
    ) -> torch.Tensor:
        styles = self.affine(w)
        noise = None
        if self.use_noise and noise_mode == "random":
            shape = (x.shape[0], 1, self.resolution, self.resolution)
            noise = torch.randn(shape, device=x.device, dtype=x.dtype) * self.noise_strength
        elif self.use_noise and noise_mode == "const":
            noise = (self.noise_const * self.noise_strength).to(x.dtype)
        x = modulated_conv2d(
            x, self.weight, styles, noise, self.up, self.padding, self.resample_filter,
            flip_weight=self.up == 1,
        )  # fmt: skip
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return bias_act(x, self.bias.to(x.dtype), "lrelu", gain=self.act_gain * gain, clamp=clamp)


class ToRGBLayer(nn.Module):
    """A modulated 1x1 convolution to the image's channels (not demodulated)."""

    def __init__(
        self, in_channels: int, out_channels: int, w_dim: int, conv_clamp: float | None = None
    ) -> None:
        super().__init__()
        self.conv_clamp = conv_clamp
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, 1, 1))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.weight_gain = 1 / math.sqrt(in_channels)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w) * self.weight_gain
        x = modulated_conv2d(x, self.weight, styles, demodulate=False)
        return bias_act(x, self.bias.to(x.dtype), clamp=self.conv_clamp)


class SynthesisBlock(nn.Module):
    """One resolution: the learned 4x4 constant (first block) or an upsampling layer, a
    second layer, and the RGB output (``skip``: added to the upsampled image so far)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        w_dim: int,
        resolution: int,
        img_channels: int,
        is_last: bool,
        architecture: str = "skip",
        resample_filter: Sequence[int] = (1, 3, 3, 1),
        conv_clamp: float | None = None,
        use_noise: bool = True,
    ) -> None:
        super().__init__()
        self.in_channels, self.resolution, self.is_last = in_channels, resolution, is_last
        self.architecture = architecture
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.num_conv = self.num_torgb = 0
        layer = {"w_dim": w_dim, "resolution": resolution, "conv_clamp": conv_clamp}
        layer |= {"use_noise": use_noise, "resample_filter": resample_filter}
        if in_channels == 0:
            self.const = nn.Parameter(torch.randn(out_channels, resolution, resolution))
        else:
            self.conv0 = SynthesisLayer(in_channels, out_channels, up=2, **layer)
            self.num_conv += 1
        self.conv1 = SynthesisLayer(out_channels, out_channels, **layer)
        self.num_conv += 1
        if is_last or architecture == "skip":
            self.torgb = ToRGBLayer(out_channels, img_channels, w_dim, conv_clamp)
            self.num_torgb += 1
        if in_channels != 0 and architecture == "resnet":
            self.skip = Conv2dLayer(
                in_channels, out_channels, 1, bias=False, up=2, resample_filter=resample_filter
            )

    def forward(
        self,
        x: torch.Tensor | None,
        img: torch.Tensor | None,
        ws: torch.Tensor,
        noise_mode: str = "const",
        dtype: torch.dtype = torch.float32,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        w_iter = iter(ws.unbind(dim=1))
        if self.in_channels == 0:
            x = self.const.to(dtype).unsqueeze(0).repeat([ws.shape[0], 1, 1, 1])
            x = self.conv1(x, next(w_iter), noise_mode)
        else:
            assert x is not None
            x = x.to(dtype)
            if self.architecture == "resnet":
                y = self.skip(x, gain=math.sqrt(0.5))
                x = self.conv0(x, next(w_iter), noise_mode)
                x = y + self.conv1(x, next(w_iter), noise_mode, gain=math.sqrt(0.5))
            else:
                x = self.conv0(x, next(w_iter), noise_mode)
                x = self.conv1(x, next(w_iter), noise_mode)
        if img is not None:
            img = upsample2d(img, self.resample_filter)
        if self.is_last or self.architecture == "skip":
            y = self.torgb(x.float(), next(w_iter))  # the image path in fp32 throughout
            img = img + y if img is not None else y
        return x, img


class SynthesisNetwork(nn.Module):
    """The blocks from 4x4 to ``img_resolution``; ``num_ws`` w vectors in, an image out."""

    def __init__(
        self,
        w_dim: int,
        img_resolution: int,
        img_channels: int,
        channel_base: int = 32768,
        channel_max: int = 512,
        architecture: str = "skip",
        conv_clamp: float | None = None,
        use_noise: bool = True,
    ) -> None:
        super().__init__()
        self.w_dim, self.img_resolution = w_dim, img_resolution
        log2 = int(math.log2(img_resolution))
        self.block_resolutions = [2**i for i in range(2, log2 + 1)]
        ch = {r: channels_at(r, channel_base, channel_max) for r in self.block_resolutions}
        self.num_ws = 0
        for res in self.block_resolutions:
            block = SynthesisBlock(
                ch[res // 2] if res > 4 else 0, ch[res], w_dim, res, img_channels,
                is_last=res == img_resolution, architecture=architecture,
                conv_clamp=conv_clamp, use_noise=use_noise,
            )  # fmt: skip
            self.num_ws += block.num_conv + (block.num_torgb if res == img_resolution else 0)
            setattr(self, f"b{res}", block)

    def forward(self, ws: torch.Tensor, noise_mode: str = "const") -> torch.Tensor:
        ws = ws.to(torch.float32)
        x = img = None
        start = 0
        for res in self.block_resolutions:
            block: SynthesisBlock = getattr(self, f"b{res}")
            block_ws = ws.narrow(1, start, block.num_conv + block.num_torgb)
            start += block.num_conv
            # features in the weights' dtype: fp32, or bf16 in the fast path's copy
            x, img = block(x, img, block_ws, noise_mode, block.conv1.weight.dtype)
        assert img is not None
        return img


class Generator(StyleGenerator):
    """z [and a one-hot class c] -> image in about [-1, 1]: the mapping network, then the
    synthesis network; ``noise_mode``: ``const`` (the stored buffers), ``random`` or
    ``none``, as the reference's."""

    def __init__(
        self,
        z_dim: int,
        c_dim: int,
        w_dim: int,
        img_resolution: int,
        img_channels: int,
        mapping_layers: int = 8,
        mapping_lr: float = 0.01,
        **synthesis: object,
    ) -> None:
        network = SynthesisNetwork(w_dim, img_resolution, img_channels, **synthesis)  # type: ignore[arg-type]
        super().__init__(z_dim, c_dim, w_dim, network, mapping_layers, mapping_lr)

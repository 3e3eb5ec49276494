"""StyleGAN3's generator (Karras et al., NeurIPS 2021, "Alias-Free Generative Adversarial
Networks"; NVlabs/stylegan3 ``training/networks_stylegan3.py``): Fourier features under a
w-dependent rotation and translation, then layers of modulated convolution whose leaky ReLU
runs at a higher sampling rate between FIR low-pass filters (``filtered_lrelu``), the
filters designed per layer from its cutoff and sampling rate. Module and tensor names are
the reference's (``synthesis.L3_52_512.up_filter`` ...), so ``G_ema`` loads as it is."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from zoo.nn.stylegan import FullyConnectedLayer, StyleGenerator, bias_act, upfirdn2d


def design_lowpass_filter(
    numtaps: int, cutoff: float, width: float, fs: float, radial: bool = False
) -> torch.Tensor | None:
    """The reference's windowed-sinc low-pass filter (scipy's ``firwin``, Kaiser window); a
    radially symmetric 2-D one (jinc) for StyleGAN3-R's downsampling; None for one tap."""
    import scipy.signal
    import scipy.special

    if numtaps == 1:
        return None
    if not radial:
        f = scipy.signal.firwin(numtaps=numtaps, cutoff=cutoff, width=width, fs=fs)
        return torch.as_tensor(f, dtype=torch.float32)
    x = (np.arange(numtaps) - (numtaps - 1) / 2) / fs
    r = np.hypot(*np.meshgrid(x, x))
    f = scipy.special.j1(2 * cutoff * (np.pi * r)) / (np.pi * r)
    beta = scipy.signal.kaiser_beta(scipy.signal.kaiser_atten(numtaps, width / (fs / 2)))
    w = np.kaiser(numtaps, beta)
    f *= np.outer(w, w)
    return torch.as_tensor(f / np.sum(f), dtype=torch.float32)


def filtered_lrelu(
    x: torch.Tensor,
    fu: torch.Tensor | None,
    fd: torch.Tensor | None,
    b: torch.Tensor,
    up: int,
    down: int,
    padding: list[int],
    gain: float,
    slope: float,
    clamp: float | None,
) -> torch.Tensor:
    """Bias, upsample by ``fu``, leaky ReLU (gain, clamp), downsample by ``fd``: the
    reference's ``filtered_lrelu`` as its plain-PyTorch definition runs it."""
    x = bias_act(x, b)
    x = upfirdn2d(x, fu, up=up, padding=padding, gain=up**2)
    x = bias_act(x, act="lrelu", alpha=slope, gain=gain, clamp=clamp)
    return upfirdn2d(x, fd, down=down)


def modulated_conv2d(
    x: torch.Tensor,
    w: torch.Tensor,
    s: torch.Tensor,
    demodulate: bool,
    padding: int,
    input_gain: torch.Tensor,
) -> torch.Tensor:
    """StyleGAN3's modulated convolution: weight and styles pre-normalised, demodulated,
    the input scaled by ``input_gain``; run around one shared-weight convolution."""
    n = x.shape[0]
    if demodulate:
        w = w * w.square().mean([1, 2, 3], keepdim=True).rsqrt()
        s = s * s.square().mean().rsqrt()
    scale = s * input_gain  # per image and input channel
    x = F.conv2d(x * scale.to(x.dtype).reshape(n, -1, 1, 1), w.to(x.dtype), padding=padding)
    if demodulate:
        power = w.float().square().sum(dim=[2, 3]).t()
        dcoefs = (s.float().square() @ power + 1e-8).rsqrt()
        x = x * dcoefs.to(x.dtype).reshape(n, -1, 1, 1)
    return x


class SynthesisInput(nn.Module):
    """Fourier features of ``channels`` random frequencies within ``bandwidth``, rotated and
    translated by an affine map of w, mixed by a learned matrix."""

    def __init__(
        self, w_dim: int, channels: int, size: int, sampling_rate: float, bandwidth: float
    ) -> None:
        super().__init__()
        self.w_dim, self.channels, self.size = w_dim, channels, size
        self.sampling_rate, self.bandwidth = float(sampling_rate), float(bandwidth)
        freqs = torch.randn(channels, 2)
        radii = freqs.square().sum(dim=1, keepdim=True).sqrt()
        freqs = freqs / (radii * radii.square().exp().pow(0.25)) * bandwidth
        self.weight = nn.Parameter(torch.randn(channels, channels))
        self.affine = FullyConnectedLayer(w_dim, 4)
        with torch.no_grad():  # the reference's weight_init=0, bias_init=[1, 0, 0, 0]
            self.affine.weight.zero_()
            self.affine.bias.copy_(torch.tensor([1.0, 0, 0, 0]))  # type: ignore[union-attr]
        self.register_buffer("transform", torch.eye(3, 3))
        self.register_buffer("freqs", freqs)
        self.register_buffer("phases", torch.rand(channels) - 0.5)

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        n = w.shape[0]
        t = self.affine(w.float()).float()
        t = t / t[:, :2].norm(dim=1, keepdim=True)
        m_r = torch.eye(3, device=w.device).unsqueeze(0).repeat([n, 1, 1])
        m_r[:, 0, 0], m_r[:, 0, 1], m_r[:, 1, 0], m_r[:, 1, 1] = t[:, 0], -t[:, 1], t[:, 1], t[:, 0]
        m_t = torch.eye(3, device=w.device).unsqueeze(0).repeat([n, 1, 1])
        m_t[:, 0, 2], m_t[:, 1, 2] = -t[:, 2], -t[:, 3]
        transforms = m_r @ m_t @ self.transform.float().unsqueeze(0)  # in fp32 throughout
        freqs = self.freqs.float().unsqueeze(0)
        phases = self.phases.float().unsqueeze(0) + (freqs @ transforms[:, :2, 2:]).squeeze(2)
        freqs = freqs @ transforms[:, :2, :2]
        amplitudes = 1 - (freqs.norm(dim=2) - self.bandwidth) / (
            self.sampling_rate / 2 - self.bandwidth
        )
        amplitudes = amplitudes.clamp(0, 1)
        theta = torch.eye(2, 3, device=w.device)
        theta[0, 0] = theta[1, 1] = 0.5 * self.size / self.sampling_rate
        grids = F.affine_grid(theta.unsqueeze(0), [1, 1, self.size, self.size], align_corners=False)
        x = (grids.unsqueeze(3) @ freqs.permute(0, 2, 1).unsqueeze(1).unsqueeze(2)).squeeze(3)
        x = torch.sin((x + phases.unsqueeze(1).unsqueeze(2)) * (math.pi * 2))
        x = x * amplitudes.unsqueeze(1).unsqueeze(2)
        x = x @ (self.weight.float() / math.sqrt(self.channels)).t()
        return x.permute(0, 3, 1, 2)


class SynthesisLayer(nn.Module):
    """A modulated convolution, then the filtered leaky ReLU between this layer's input and
    output sampling rates (the ToRGB layer: a 1x1 convolution, no nonlinearity)."""

    magnitude_ema: torch.Tensor
    up_filter: torch.Tensor | None
    down_filter: torch.Tensor | None

    def __init__(
        self,
        w_dim: int,
        is_torgb: bool,
        is_critically_sampled: bool,
        in_channels: int,
        out_channels: int,
        in_size: int,
        out_size: int,
        in_sampling_rate: int,
        out_sampling_rate: int,
        in_cutoff: float,
        out_cutoff: float,
        in_half_width: float,
        out_half_width: float,
        conv_kernel: int = 3,
        filter_size: int = 6,
        lrelu_upsampling: int = 2,
        use_radial_filters: bool = False,
        conv_clamp: float | None = 256,
        magnitude_ema_beta: float = 0.999,
    ) -> None:
        super().__init__()
        self.is_torgb, self.in_channels, self.out_channels = is_torgb, in_channels, out_channels
        self.magnitude_ema_beta = magnitude_ema_beta
        self.in_size, self.out_size = in_size, out_size
        tmp_rate = max(in_sampling_rate, out_sampling_rate) * (1 if is_torgb else lrelu_upsampling)
        self.conv_kernel = 1 if is_torgb else conv_kernel
        self.conv_clamp = conv_clamp
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        shape = (out_channels, in_channels, self.conv_kernel, self.conv_kernel)
        self.weight = nn.Parameter(torch.randn(shape))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.register_buffer("magnitude_ema", torch.ones([]))
        self.up_factor = int(round(tmp_rate / in_sampling_rate))
        self.up_taps = filter_size * self.up_factor if self.up_factor > 1 and not is_torgb else 1
        self.register_buffer(
            "up_filter",
            design_lowpass_filter(self.up_taps, in_cutoff, in_half_width * 2, tmp_rate),
        )
        self.down_factor = int(round(tmp_rate / out_sampling_rate))
        self.down_taps = (
            filter_size * self.down_factor if self.down_factor > 1 and not is_torgb else 1
        )
        radial = use_radial_filters and not is_critically_sampled
        self.register_buffer(
            "down_filter",
            design_lowpass_filter(
                self.down_taps, out_cutoff, out_half_width * 2, tmp_rate, radial=radial
            ),
        )
        pad_total = (out_size - 1) * self.down_factor + 1
        pad_total -= (in_size + self.conv_kernel - 1) * self.up_factor
        pad_total += self.up_taps + self.down_taps - 2
        pad_lo = (pad_total + self.up_factor) // 2
        pad_hi = pad_total - pad_lo
        self.padding = [pad_lo, pad_hi, pad_lo, pad_hi]

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        if self.training:  # the mean square of the inputs, which scales them (input_gain)
            with torch.no_grad():
                current = x.detach().float().square().mean()
                self.magnitude_ema.copy_(current.lerp(self.magnitude_ema, self.magnitude_ema_beta))
        styles = self.affine(w)
        if self.is_torgb:
            styles = styles * (1 / math.sqrt(self.in_channels * self.conv_kernel**2))
        x = modulated_conv2d(
            x, self.weight, styles, not self.is_torgb, self.conv_kernel - 1,
            self.magnitude_ema.rsqrt(),
        )  # fmt: skip
        return filtered_lrelu(
            x, self.up_filter, self.down_filter, self.bias.to(x.dtype), self.up_factor,
            self.down_factor, self.padding, gain=1.0 if self.is_torgb else math.sqrt(2),
            slope=1.0 if self.is_torgb else 0.2, clamp=self.conv_clamp,
        )  # fmt: skip


class SynthesisNetwork(nn.Module):
    """The Fourier input, ``num_layers`` layers whose cutoffs rise geometrically to the
    image's Nyquist frequency (the last ``num_critical`` critically sampled), and ToRGB."""

    def __init__(
        self,
        w_dim: int,
        img_resolution: int,
        img_channels: int,
        channel_base: int = 32768,
        channel_max: int = 512,
        num_layers: int = 14,
        num_critical: int = 2,
        first_cutoff: float = 2,
        first_stopband: float = 2**2.1,
        last_stopband_rel: float = 2**0.3,
        margin_size: int = 10,
        output_scale: float = 0.25,
        **layer_kwargs: object,
    ) -> None:
        super().__init__()
        self.w_dim, self.img_resolution, self.num_ws = w_dim, img_resolution, num_layers + 2
        self.output_scale = output_scale
        last_cutoff = img_resolution / 2
        last_stopband = last_cutoff * last_stopband_rel
        exponents = np.minimum(np.arange(num_layers + 1) / (num_layers - num_critical), 1)
        cutoffs = first_cutoff * (last_cutoff / first_cutoff) ** exponents
        stopbands = first_stopband * (last_stopband / first_stopband) ** exponents
        rates = np.exp2(np.ceil(np.log2(np.minimum(stopbands * 2, img_resolution))))
        half_widths = np.maximum(stopbands, rates / 2) - cutoffs
        sizes = rates + margin_size * 2
        sizes[-2:] = img_resolution
        channels = np.rint(np.minimum((channel_base / 2) / cutoffs, channel_max))
        channels[-1] = img_channels
        self.input = SynthesisInput(w_dim, int(channels[0]), int(sizes[0]), rates[0], cutoffs[0])
        self.layer_names: list[str] = []
        for i in range(num_layers + 1):
            prev = max(i - 1, 0)
            layer = SynthesisLayer(
                w_dim, i == num_layers, i >= num_layers - num_critical,
                int(channels[prev]), int(channels[i]), int(sizes[prev]), int(sizes[i]),
                int(rates[prev]), int(rates[i]), float(cutoffs[prev]), float(cutoffs[i]),
                float(half_widths[prev]), float(half_widths[i]),
                **layer_kwargs,  # type: ignore[arg-type]
            )  # fmt: skip
            name = f"L{i}_{layer.out_size}_{layer.out_channels}"
            setattr(self, name, layer)
            self.layer_names.append(name)

    def forward(self, ws: torch.Tensor) -> torch.Tensor:
        w = ws.to(torch.float32).unbind(dim=1)
        x = self.input(w[0])
        for name, wi in zip(self.layer_names, w[1:]):
            x = getattr(self, name)(x, wi)
        return (x * self.output_scale if self.output_scale != 1 else x).float()


class Generator(StyleGenerator):
    """z [and a one-hot class c] -> image in about [-1, 1] (no noise inputs)."""

    def __init__(
        self,
        z_dim: int,
        c_dim: int,
        w_dim: int,
        img_resolution: int,
        img_channels: int,
        mapping_layers: int = 2,
        mapping_lr: float = 0.01,
        **synthesis: object,
    ) -> None:
        network = SynthesisNetwork(w_dim, img_resolution, img_channels, **synthesis)  # type: ignore[arg-type]
        super().__init__(z_dim, c_dim, w_dim, network, mapping_layers, mapping_lr, 0.998)

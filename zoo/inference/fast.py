"""The fast inference path: what ``sample()`` and ``translate()`` run unless told ``fast=False``.

A cached copy of a network, rewritten into a faster network with the same function: eval-mode
BatchNorms folded into the convolutions before them, transposed convolutions computed the
cheaper way for their input, instance norms as group norms, bf16 where bf16 math is native,
channels_last for convolutional networks, and on the CPU oneDNN convolutions with weights
packed once (or, opt-in, compiled with inductor's weight freezing). The path is chosen per
device (:func:`fast_path_plan`): on CPUs without native bf16 (AVX2-only) it stays fp32.
Replaced modules keep the attributes of what they replace. docs/benchmarks.md has the
current speedups, CHANGELOG.md what each rewrite bought; tests/test_fast_path.py checks every
rewrite against the module it replaces and every shipped model against ``FAST_TOLERANCE``.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any, TypeGuard

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

#: per-value difference from fp32 (images in [0, 1]) that the fast path may introduce: at most
#: ``FAST_OUTLIER_SHARE`` of the values beyond it, and the mean difference below 1/20 of it
#: (:func:`within_fast_tolerance`; tests/test_fast_path.py checks every shipped model).
#: Measured with bf16: at most 0.03-0.04 for the unconditional models, 0.06-0.07 at isolated
#: pixels for the 32x32 U-Net/ResNet translators, and for the 64x64 colour CycleGAN 0.090 and
#: 0.109 at 1 and 9 of its 9.4 million output values per direction (mean below 0.001 for all).
FAST_TOLERANCE = 0.08
#: share of values that may lie beyond ``FAST_TOLERANCE``: bf16 rounding leaves rare outliers,
#: more of them the more values a model writes (1 in 100,000)
FAST_OUTLIER_SHARE = 1e-5


def within_fast_tolerance(fast: torch.Tensor, exact: torch.Tensor) -> bool:
    """Whether ``fast`` stays within the fast path's tolerance of ``exact`` (fp32)."""
    difference = (fast.float() - exact.float()).abs()
    beyond = float((difference > FAST_TOLERANCE).double().mean())
    return beyond <= FAST_OUTLIER_SHARE and float(difference.mean()) <= FAST_TOLERANCE / 20


def bf16_is_fast(device: torch.device) -> bool:
    """bf16 math is native here: a CUDA GPU with bf16, or a CPU whose oneDNN has bf16
    kernels (AVX512-BF16/AMX; AVX512BW emulates them fast enough). False on AVX2-only CPUs,
    where bf16 is emulated at a fraction of the fp32 speed."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return False


def fast_path_plan(device: torch.device) -> dict[str, str]:
    """Which fast path ``sample()``/``translate()`` take on ``device``, and why (shown by
    `zoo info --system` and `zoo bench`)."""
    plan = {"device": str(device)}
    if device.type == "cpu":
        plan["cpu capability"] = torch.backends.cpu.get_cpu_capability()
    if bf16_is_fast(device):
        plan["precision"] = (
            "bf16 weights and activations (native bf16 here); fp32 for networks that say why "
            "(fp32_only: LaMa, whose Fourier convolutions torch computes in fp32 only)"
        )
        plan["memory format"] = "channels_last for convolutional networks"
    else:
        plan["precision"] = "fp32 (bf16 is not native here: it would be emulated, slower)"
        plan["memory format"] = "as the model (channels_last pays with bf16 only)"
    plan["rewrites"] = (
        "BatchNorms folded into convolutions, transposed convolutions as matrix products / "
        "sub-pixel convolutions, instance norms as group norms (batch norms per sample or "
        "instance_norm on channels_last maps under 32x32 on the CPU)"
    )
    if device.type == "cpu":
        plan["packed convolutions"] = (
            "yes: oneDNN weights reordered once per input shape"
            if mkldnn_packing_available()
            else "no: this torch lacks the oneDNN packed-weight ops"
        )
    return plan


def fold_batch_norms(module: nn.Module) -> int:
    """Fold, in place, every eval-mode ``BatchNorm2d`` that directly follows a convolution in
    an ``nn.Sequential`` into that convolution's weight and bias (the norm becomes
    ``nn.Identity``): the same function with one pass over the activations less. Returns how
    many were folded. Norms in training mode or without running statistics stay."""
    folded = 0
    for seq in [m for m in module.modules() if isinstance(m, nn.Sequential)]:
        names = list(seq._modules)
        for conv_name, norm_name in zip(names, names[1:]):
            conv, norm = seq._modules[conv_name], seq._modules[norm_name]
            if isinstance(norm, nn.BatchNorm2d) and _foldable(conv, norm):
                transpose = isinstance(conv, nn.ConvTranspose2d)
                seq._modules[conv_name] = fuse_conv_bn_eval(conv, norm, transpose=transpose)
                seq._modules[norm_name] = nn.Identity()
                folded += 1
    return folded


def _foldable(
    conv: nn.Module | None, norm: nn.BatchNorm2d
) -> TypeGuard[nn.Conv2d | nn.ConvTranspose2d]:
    """Whether ``conv`` is an eval-mode convolution that ``norm`` (eval mode, with running
    statistics) can fold into."""
    if norm.training or norm.running_mean is None:
        return False
    if isinstance(conv, nn.ConvTranspose2d):
        return conv.groups == 1 and not conv.training
    return isinstance(conv, nn.Conv2d) and not conv.training


#: transposed convolutions with at most this many output channels run as sub-pixel convolutions
#: (faster for image outputs; with 16 outputs the 2.25x larger kernel is slower: the timings
#: are in CHANGELOG.md)
SUBPIXEL_MAX_OUT_CHANNELS = 4


class FastConvTranspose2d(nn.Module):
    """A ``ConvTranspose2d`` (groups 1, dilation 1, no output padding) computed the faster way
    for its input: on a 1x1 input (DCGAN's first layer) a matrix product; with kernel 4,
    stride 2, padding 1 and few output channels a 3x3 convolution with ``4 * out_channels``
    outputs followed by ``pixel_shuffle(2)`` (each output phase of the transposed convolution
    is a 2x2 sub-kernel of the 3x3 one); otherwise the convolution itself."""

    def __init__(self, conv: nn.ConvTranspose2d) -> None:
        super().__init__()
        self.conv = conv
        self.out_shape = (conv.out_channels, *conv.kernel_size)
        self.channels_last = False  # the layout of the matrix product's output
        w = conv.weight.detach()  # (in, out, kh, kw)
        # the matrix-product form, for 1x1 inputs: only without padding (which would crop)
        dense = dense_bias = None
        if conv.padding == (0, 0):
            dense = w.reshape(w.shape[0], -1).clone()
            if conv.bias is not None:
                dense_bias = conv.bias.detach().repeat_interleave(w.shape[2] * w.shape[3])
        self.register_buffer("dense", dense, persistent=False)
        self.register_buffer("dense_bias", dense_bias, persistent=False)
        self.subpixel: nn.Conv2d | None = None
        if (
            conv.kernel_size == (4, 4)
            and conv.stride == (2, 2)
            and conv.padding == (1, 1)
            and conv.out_channels <= SUBPIXEL_MAX_OUT_CHANNELS
        ):
            kernel = _subpixel_kernel(w)
            self.subpixel = nn.Conv2d(
                w.shape[0], kernel.shape[0], 3, padding=1, bias=conv.bias is not None
            ).to(w.device)
            self.subpixel.weight.data.copy_(kernel)
            if conv.bias is not None and self.subpixel.bias is not None:
                self.subpixel.bias.data.copy_(conv.bias.detach().repeat_interleave(4))
            self.subpixel.eval()

    def __getattr__(self, name: str) -> Any:
        """The replaced convolution's attributes (``out_channels``, ``weight``, ...), so that
        a ``forward()`` reading them works on the fast copy too."""
        try:
            return super().__getattr__(name)
        except AttributeError:
            return _wrapped_attribute(self, name)

    @staticmethod
    def applies_to(conv: nn.Module) -> TypeGuard[nn.ConvTranspose2d]:
        return (
            isinstance(conv, nn.ConvTranspose2d)
            and type(conv) is nn.ConvTranspose2d
            and conv.groups == 1
            and conv.dilation == (1, 1)
            and conv.output_padding == (0, 0)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2:] == (1, 1) and self.dense is not None:
            if self.dense_bias is None:
                y = x.flatten(1) @ self.dense
            else:
                y = torch.addmm(self.dense_bias, x.flatten(1), self.dense)
            y = y.view(x.shape[0], *self.out_shape)
            if self.channels_last:
                y = y.contiguous(memory_format=torch.channels_last)
            return y
        if self.subpixel is not None:
            return F.pixel_shuffle(self.subpixel(x), 2)
        return self.conv(x)


def _wrapped_attribute(wrapper: nn.Module, name: str) -> Any:
    """Attribute ``name`` of the module a fast module wraps (its ``conv``)."""
    conv = wrapper.__dict__.get("_modules", {}).get("conv")
    if conv is None:  # during construction or unpickling
        raise AttributeError(name)
    return getattr(conv, name)


def mkldnn_packing_available() -> bool:
    """torch has the oneDNN convolution ops with pre-packed weights that inductor's freezing
    uses (``torch.ops.mkldnn._convolution_pointwise`` and its transposed twin)."""
    ops = (
        "_reorder_convolution_weight",
        "_convolution_pointwise",
        "_reorder_convolution_transpose_weight",
        "_convolution_transpose_pointwise",
    )
    return torch.backends.mkldnn.is_available() and all(hasattr(torch.ops.mkldnn, o) for o in ops)


#: input shapes per convolution whose packed weights are kept
PACKED_SHAPES = 4


class PackedConv(nn.Module):
    """A ``Conv2d`` or ``ConvTranspose2d`` (zero padding) for CPU inference whose weight is
    reordered into oneDNN's blocked layout once per input shape, instead of on every call as
    ``F.conv2d`` does: the reorder is most of the time of small-map layers
    (CHANGELOG.md). With autograd on, or off the CPU, it runs the convolution itself."""

    def __init__(self, conv: nn.Conv2d | nn.ConvTranspose2d) -> None:
        super().__init__()
        self.conv = conv
        if isinstance(conv.padding, str):
            raise ValueError(f"PackedConv needs numeric padding, got {conv.padding!r}")
        padding: tuple[list[int], ...]
        if isinstance(conv, nn.ConvTranspose2d):
            self.ops = ("_reorder_convolution_transpose_weight", "_convolution_transpose_pointwise")
            padding = (list(conv.padding), list(conv.output_padding))
        else:
            self.ops = ("_reorder_convolution_weight", "_convolution_pointwise")
            padding = (list(conv.padding),)
        # the arguments after the weight, shared by the reorder and the convolution
        self.geometry = (*padding, list(conv.stride), list(conv.dilation), conv.groups)
        self._packed: dict[tuple[int, ...], torch.Tensor] = {}  # input shape -> weight

    def __getattr__(self, name: str) -> Any:
        """The wrapped convolution's attributes (``out_channels``, ``weight``, ...)."""
        try:
            return super().__getattr__(name)
        except AttributeError:
            return _wrapped_attribute(self, name)

    @staticmethod
    def applies_to(conv: nn.Module) -> TypeGuard[nn.Conv2d | nn.ConvTranspose2d]:
        """Eval-mode convolutions with zero padding, in fp32, or in bf16 where oneDNN has
        bf16 kernels (its bf16 reorder fails on AVX2-only CPUs)."""
        return (
            isinstance(conv, (nn.Conv2d, nn.ConvTranspose2d))
            and type(conv) in (nn.Conv2d, nn.ConvTranspose2d)
            and conv.padding_mode == "zeros"
            and not isinstance(conv.padding, str)
            and not conv.training
            and (
                conv.weight.dtype == torch.float32
                or (conv.weight.dtype == torch.bfloat16 and bf16_is_fast(conv.weight.device))
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.conv
        if torch.is_grad_enabled() or x.device.type != "cpu" or x.dtype != c.weight.dtype:
            return c(x)
        reorder, convolve = (getattr(torch.ops.mkldnn, op) for op in self.ops)
        shape = tuple(x.shape)
        packed = self._packed.get(shape)
        if packed is None:
            if len(self._packed) >= PACKED_SHAPES:  # keep memory bounded: forget the oldest
                del self._packed[next(iter(self._packed))]
            packed = self._packed[shape] = reorder(c.weight.detach(), *self.geometry, list(shape))
        return convolve(x, packed, c.bias, *self.geometry, "none", [], "")


def pack_conv_weights(module: nn.Module) -> int:
    """Wrap, in place, every eval-mode convolution :class:`PackedConv` can run; returns how
    many. Call last: the packed weights are snapshots of the weights at their first call."""
    if not mkldnn_packing_available():
        return 0
    return _replace_children(
        module,
        lambda child: PackedConv(child) if PackedConv.applies_to(child) else None,
        skip_inside=PackedConv,
    )


def _replace_children(
    module: nn.Module,
    replacement: Callable[[nn.Module], nn.Module | None],
    skip_inside: type | tuple[type, ...] = (),
) -> int:
    """Replace, in place, each sub-module for which ``replacement`` returns a module (not
    looking inside modules of the ``skip_inside`` types); returns how many."""
    replaced = 0
    for parent in list(module.modules()):
        if isinstance(parent, skip_inside):
            continue
        for name, child in list(parent._modules.items()):
            new = None if child is None else replacement(child)
            if new is not None:
                parent._modules[name] = new
                replaced += 1
    return replaced


def _subpixel_kernel(weight: torch.Tensor) -> torch.Tensor:
    """The 3x3 convolution kernel whose ``pixel_shuffle(2)`` output equals the stride-2,
    padding-1 transposed convolution with the 4x4 ``weight`` (in, out, 4, 4): output row
    ``2i + a`` receives input row ``i + dy - 1`` through kernel row ``a + 3 - 2 dy``."""
    c_in, c_out = weight.shape[:2]
    kernel = weight.new_zeros(c_out, 2, 2, c_in, 3, 3)
    for a in range(2):
        for dy in range(3):
            ky = a + 3 - 2 * dy
            for b in range(2):
                for dx in range(3):
                    kx = b + 3 - 2 * dx
                    if 0 <= ky < 4 and 0 <= kx < 4:
                        kernel[:, a, b, :, dy, dx] = weight[:, :, ky, kx].T
    return kernel.reshape(c_out * 4, c_in, 3, 3)


def use_fast_transposed_convs(module: nn.Module) -> int:
    """Replace, in place, every eval-mode ``ConvTranspose2d`` that :class:`FastConvTranspose2d`
    can compute by one; returns how many. Call after :func:`fold_batch_norms`."""
    return _replace_children(
        module,
        lambda child: (
            FastConvTranspose2d(child)
            if FastConvTranspose2d.applies_to(child) and not child.training
            else None
        ),
    )


#: below this many pixels per channel, PyTorch's channels_last group norm kernel parallelises
#: over (sample, group) and reads every group's channel with a stride of C (its
#: ``feature_map_threshold``): one channel per group there is 5x to 30x slower than the
#: alternatives of :class:`InstanceNormAsGroupNorm` (timings in CHANGELOG.md)
CHANNELS_LAST_GROUP_NORM_MIN_PIXELS = 1024
#: on such maps of several samples, ``instance_norm`` (through NCHW) beats per-sample batch
#: norms up to this many channels and values per sample (CHANGELOG.md)
INSTANCE_NORM_MAX_CHANNELS, INSTANCE_NORM_MAX_VALUES = 128, 8192


class InstanceNormAsGroupNorm(nn.GroupNorm):
    """An ``InstanceNorm2d`` without running statistics, as the equal ``GroupNorm`` of one
    channel per group, computed by the fastest CPU kernel for its input: the group norm
    kernel (it keeps channels_last; ``instance_norm`` copies to NCHW), except on the CPU's
    channels_last maps of fewer than :data:`CHANNELS_LAST_GROUP_NORM_MIN_PIXELS` pixels:
    there batch norm with batch statistics, one sample at a time (the same statistics), or
    for several small samples ``instance_norm``, each back in channels_last."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        small_channels_last = (
            x.device.type == "cpu"
            and h * w < CHANNELS_LAST_GROUP_NORM_MIN_PIXELS
            and not x.is_contiguous()
            and x.is_contiguous(memory_format=torch.channels_last)
        )
        if not small_channels_last:
            return super().forward(x)
        args = (None, None, self.weight, self.bias, True, 0.0, self.eps)
        if n == 1:
            return F.batch_norm(x, *args)
        if c <= INSTANCE_NORM_MAX_CHANNELS and c * h * w <= INSTANCE_NORM_MAX_VALUES:
            out = F.instance_norm(x, weight=self.weight, bias=self.bias, eps=self.eps)
            return out.contiguous(memory_format=torch.channels_last)
        return torch.cat([F.batch_norm(sample, *args) for sample in x.split(1)])


def use_group_norms(module: nn.Module) -> int:
    """Replace, in place, every ``InstanceNorm2d`` that normalises by the statistics of its
    input (no running statistics) with the equal :class:`InstanceNormAsGroupNorm`, whose
    CPU kernels keep channels_last (instance_norm copies to NCHW and back; timings in
    CHANGELOG.md); returns how many."""
    return _replace_children(module, _as_group_norm)


def _as_group_norm(child: nn.Module) -> nn.GroupNorm | None:
    if type(child) is not nn.InstanceNorm2d or child.track_running_stats:
        return None
    channels, device = child.num_features, child.weight.device if child.affine else None
    norm = InstanceNormAsGroupNorm(channels, channels, child.eps, child.affine, device=device)
    if child.affine:
        norm.load_state_dict(child.state_dict())
    return norm


def channels_last_refusal(module: nn.Module) -> str:
    """Why ``module`` (or a sub-module) cannot run channels_last: its ``contiguous_only``
    reason, or "" where it can."""
    return next(
        (str(m.contiguous_only) for m in module.modules() if getattr(m, "contiguous_only", "")), ""
    )


def to_channels_last(module: nn.Module) -> None:
    """``module``'s 4-D parameters and buffers as channels_last, in place (``Module.to``
    refuses a module that also holds 5-D ones, as GFPGAN's modulated convolutions)."""
    for t in itertools.chain(module.parameters(), module.buffers()):
        if t.dim() == 4:
            t.data = t.data.contiguous(memory_format=torch.channels_last)


def fast_copy(
    module: nn.Module, device: torch.device, compile: bool = False, mode: str | None = None
) -> nn.Module:
    """A copy of ``module`` for fast inference: eval-mode BatchNorms folded, transposed
    convolutions as :class:`FastConvTranspose2d`, instance norms as group norms; bf16 weights
    and channels_last where bf16 is native; on the CPU, convolutions with packed weights
    (:class:`PackedConv`). The module itself where nothing changes. On two AVX512-BF16 CPU
    threads this runs 2.3x to 3.1x eager fp32 (docs/benchmarks.md). ``compile``: the copy
    under ``torch.compile`` with inductor's freezing instead of the packing (see
    CHANGELOG.md for where it pays); ``mode``: its ``torch.compile`` mode
    (``"reduce-overhead"``: CUDA graphs on CUDA). A network whose ``fp32_only`` attribute
    gives a reason (LaMa: torch's FFT has no bf16 kernels) stays fp32; one whose
    ``contiguous_only`` gives one (GFPGAN reshapes features with ``view``) stays in the
    default memory format, unpacked."""
    bf16 = bf16_is_fast(device) and not getattr(module, "fp32_only", "")
    contiguous = bool(channels_last_refusal(module))
    fast = copy.deepcopy(module)
    changed = fold_batch_norms(fast) + use_fast_transposed_convs(fast) + use_group_norms(fast)
    if bf16:
        fast = fast.to(torch.bfloat16)
        convolutions = any(isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) for m in fast.modules())
        if convolutions and not contiguous:
            to_channels_last(fast)
            for m in fast.modules():
                if isinstance(m, FastConvTranspose2d):
                    m.channels_last = True
    if compile:
        return _FrozenCompiled(fast, mode)
    if device.type == "cpu" and not contiguous:  # packed convolutions give channels_last
        changed += pack_conv_weights(fast)
    return fast if bf16 or changed else module


class _FrozenCompiled(nn.Module):
    """``torch.compile`` with inductor's freezing, which treats the weights as constants
    (BatchNorm folding, pre-packed oneDNN weights on the CPU). The freezing flag has to be set
    while compiling, which happens at the first call of each new input shape; passing it in
    ``torch.compile(options=...)`` does not reach that pass in torch 2.14. Shapes are
    static (one compile per input shape): a dynamic recompile, after a call at batch 1 then
    another batch, failed inside inductor's fused leaky-ReLU lowering on pix2pix."""

    def __init__(self, module: nn.Module, mode: str | None = None) -> None:
        super().__init__()
        self.compiled = torch.compile(module, dynamic=False, mode=mode)  # see the docstring

    def forward(self, *args: Any) -> Any:
        import torch._inductor.config as inductor_config

        with inductor_config.patch(freezing=True):
            return self.compiled(*args)

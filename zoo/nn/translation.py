"""Image-to-image networks in the module layout of the reference pix2pix/CycleGAN code
(junyanz/pytorch-CycleGAN-and-pix2pix), so that its ``latest_net_*.pth`` state dicts load
unchanged (public: plugins may use them), and the reading of those files: they are loaded
with ``torch.load(weights_only=True)`` (no pickled code runs) and the generator type,
channels, width, norm and dropout are read off the tensor names and shapes.

* ``UnetGenerator``: the U-Net of pix2pix; ``num_downs`` stride-2 halvings (unet_256: 8,
  unet_128: 7; the zoo adds unet_32/unet_64 for small images), skip connections by
  concatenation, dropout 0.5 in the innermost ngf*8 blocks.
* ``ResnetGenerator``: CycleGAN's generator; 7x7 reflection-padded stem, two stride-2
  convolutions, ``n_blocks`` residual blocks, two transposed convolutions, 7x7 output + Tanh.
* ``NLayerDiscriminator``: the PatchGAN; with 3 layers each output sees a 70x70 patch.

Norms follow the reference: "batch" is ``BatchNorm2d(affine=True)`` and convolutions before it
have no bias; "instance" is ``InstanceNorm2d(affine=False)`` without running statistics and the
convolutions keep their bias.
"""

from __future__ import annotations

import functools
import os
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from zoo.errors import ConfigError, WeightsError
from zoo.models._weights import state_mismatch

NORMS = ("batch", "instance", "none")
UNET_DEPTHS = {"unet_32": 5, "unet_64": 6, "unet_128": 7, "unet_256": 8}
RESNET_BLOCKS = {"resnet_6blocks": 6, "resnet_9blocks": 9}
GENERATORS = (*UNET_DEPTHS, *RESNET_BLOCKS)

NormFactory = Callable[[int], nn.Module]


def norm_factory(kind: str) -> NormFactory:
    """The reference's ``get_norm_layer``: a callable channels -> norm module."""
    if kind == "batch":
        return functools.partial(nn.BatchNorm2d, affine=True, track_running_stats=True)
    if kind == "instance":
        return functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)
    if kind == "none":
        return lambda channels: nn.Identity()
    raise ConfigError(f"norm={kind!r}; choose one of {NORMS}")


def _conv_bias(kind: str) -> bool:
    """The reference gives convolutions a bias only when an InstanceNorm follows them."""
    return kind == "instance"


class UnetSkipConnectionBlock(nn.Module):
    """One U-Net level: down, the inner levels, up; its input concatenated to its output
    (except the outermost level, which returns the image)."""

    def __init__(
        self,
        outer_nc: int,
        inner_nc: int,
        input_nc: int | None = None,
        submodule: nn.Module | None = None,
        outermost: bool = False,
        innermost: bool = False,
        norm: str = "batch",
        use_dropout: bool = False,
        tanh: bool = True,
    ) -> None:
        super().__init__()
        self.outermost = outermost
        make_norm, bias = norm_factory(norm), _conv_bias(norm)
        input_nc = outer_nc if input_nc is None else input_nc
        down_conv = nn.Conv2d(input_nc, inner_nc, 4, 2, 1, bias=bias)
        inner: list[nn.Module] = [] if submodule is None else [submodule]
        layers: list[nn.Module]
        if outermost:
            up_conv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, 2, 1)
            layers = [down_conv, *inner, nn.ReLU(True), up_conv]
            layers.append(nn.Tanh() if tanh else nn.Identity())
        elif innermost:
            up_conv = nn.ConvTranspose2d(inner_nc, outer_nc, 4, 2, 1, bias=bias)
            layers = [nn.LeakyReLU(0.2, True), down_conv]
            layers += [nn.ReLU(True), up_conv, make_norm(outer_nc)]
        else:
            up_conv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, 2, 1, bias=bias)
            layers = [nn.LeakyReLU(0.2, True), down_conv, make_norm(inner_nc), *inner]
            layers += [nn.ReLU(True), up_conv, make_norm(outer_nc)]
            if use_dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    """U-Net generator; inputs must have sides divisible by ``2 ** num_downs``. ``tanh``:
    images in [-1, 1] out (the reference); without it, unbounded outputs (e.g. class logits
    for segmentation)."""

    def __init__(
        self,
        input_nc: int,
        output_nc: int,
        num_downs: int,
        ngf: int = 64,
        norm: str = "batch",
        use_dropout: bool = False,
        tanh: bool = True,
    ) -> None:
        super().__init__()
        if num_downs < 5:
            raise ConfigError(f"UnetGenerator: num_downs={num_downs} must be >= 5")
        self.stride = 2**num_downs
        block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, innermost=True, norm=norm)
        for _ in range(num_downs - 5):
            block = UnetSkipConnectionBlock(
                ngf * 8, ngf * 8, submodule=block, norm=norm, use_dropout=use_dropout
            )
        for outer in (4, 2, 1):
            block = UnetSkipConnectionBlock(
                ngf * outer, ngf * outer * 2, submodule=block, norm=norm
            )
        self.model = UnetSkipConnectionBlock(
            output_nc, ngf, input_nc=input_nc, submodule=block, outermost=True, norm=norm, tanh=tanh
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class ResnetBlock(nn.Module):
    """x + (pad, conv3x3, norm, ReLU, [dropout], pad, conv3x3, norm)(x), reflection padding."""

    def __init__(self, dim: int, norm: str, use_dropout: bool) -> None:
        super().__init__()
        make_norm, bias = norm_factory(norm), _conv_bias(norm)
        layers = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), make_norm(dim)]
        layers.append(nn.ReLU(True))
        if use_dropout:
            layers.append(nn.Dropout(0.5))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), make_norm(dim)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """ResNet generator (Johnson et al., 2016) as CycleGAN uses it; sides divisible by 4."""

    stride = 4
    #: the smallest side it takes: its residual blocks reflect-pad and instance-normalise a
    #: quarter-size map, which needs two pixels a side
    min_side = 8

    def __init__(
        self,
        input_nc: int,
        output_nc: int,
        ngf: int = 64,
        norm: str = "instance",
        use_dropout: bool = False,
        n_blocks: int = 9,
    ) -> None:
        super().__init__()
        make_norm, bias = norm_factory(norm), _conv_bias(norm)
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(input_nc, ngf, 7, bias=bias),
            make_norm(ngf),
            nn.ReLU(True),
        ]
        for mult in (1, 2):
            layers += [
                nn.Conv2d(ngf * mult, ngf * mult * 2, 3, 2, 1, bias=bias),
                make_norm(ngf * mult * 2),
                nn.ReLU(True),
            ]
        layers += [ResnetBlock(ngf * 4, norm, use_dropout) for _ in range(n_blocks)]
        for mult in (4, 2):
            layers += [
                nn.ConvTranspose2d(
                    ngf * mult, ngf * mult // 2, 3, 2, 1, output_padding=1, bias=bias
                ),
                make_norm(ngf * mult // 2),
                nn.ReLU(True),
            ]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    """PatchGAN: one logit per overlapping patch (70x70 for ``n_layers=3``)."""

    def __init__(self, input_nc: int, ndf: int = 64, n_layers: int = 3, norm: str = "batch"):
        super().__init__()
        make_norm, bias = norm_factory(norm), _conv_bias(norm)
        layers: list[nn.Module] = [nn.Conv2d(input_nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers + 1):
            prev, mult = mult, min(2**n, 8)
            stride = 2 if n < n_layers else 1
            layers += [
                nn.Conv2d(ndf * prev, ndf * mult, 4, stride, 1, bias=bias),
                make_norm(ndf * mult),
                nn.LeakyReLU(0.2, True),
            ]
        layers.append(nn.Conv2d(ndf * mult, 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def build_generator(
    name: str, input_nc: int, output_nc: int, ngf: int, norm: str, use_dropout: bool
) -> nn.Module:
    """The reference's ``define_G`` (without initialisation)."""
    if name in UNET_DEPTHS:
        return UnetGenerator(input_nc, output_nc, UNET_DEPTHS[name], ngf, norm, use_dropout)
    if name in RESNET_BLOCKS:
        return ResnetGenerator(input_nc, output_nc, ngf, norm, use_dropout, RESNET_BLOCKS[name])
    raise ConfigError(f"generator={name!r}; choose one of {GENERATORS}")


_INSTANCE_STATS = re.compile(r"\.(running_mean|running_var|num_batches_tracked)$")


def clean_reference_state(state: dict[str, torch.Tensor], net: nn.Module) -> dict:
    """A reference state dict made loadable into ``net``: the ``module.`` prefix of
    DataParallel saves removed, and InstanceNorm running statistics (written by reference
    versions before 0.4.1) dropped, as the reference's own loader does."""
    state = {k.removeprefix("module."): v for k, v in state.items()}
    expected = net.state_dict()
    return {k: v for k, v in state.items() if k in expected or not _INSTANCE_STATS.search(k)}


# -- reference checkpoints ------------------------------------------------------------------
def read_reference_state(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """A reference ``.pth`` state dict, loaded safely (tensors only)."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"checkpoint not found: {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, KeyError, ValueError) as exc:
        detail = exc if isinstance(exc, (RuntimeError, OSError)) else "not a PyTorch file"
        raise WeightsError(
            f"cannot read {path} as a PyTorch state dict with weights_only=True: {detail}"
        ) from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsError(f"{path} does not hold a state dict (a mapping of names to tensors)")
    return {k.removeprefix("module."): v for k, v in state.items()}


def infer_generator_config(state: dict[str, torch.Tensor], source: str) -> dict[str, Any]:
    """generator, input_nc, output_nc, ngf, norm (and dropout for ResNets) of a reference
    generator state dict."""
    if "model.model.0.weight" in state:  # U-Net: model.model = outermost block
        ngf, input_nc = state["model.model.0.weight"].shape[:2]
        output_nc = state["model.model.3.weight"].shape[1]
        depth, prefix = 2, "model.model.1"
        while f"{prefix}.model.3.model.1.weight" in state:
            prefix, depth = prefix + ".model.3", depth + 1
        names = {v: k for k, v in UNET_DEPTHS.items()}
        if depth not in names:
            raise WeightsError(f"{source}: a U-Net with {depth} levels; the zoo has {UNET_DEPTHS}")
        batch = "model.model.1.model.2.weight" in state  # BatchNorm after the 2nd down conv
        return {
            "generator": names[depth],
            "input_nc": int(input_nc),
            "output_nc": int(output_nc),
            "ngf": int(ngf),
            "norm": "batch" if batch else "instance",
        }
    if "model.1.weight" in state and state["model.1.weight"].shape[-1] == 7:  # ResNet
        ngf, input_nc = state["model.1.weight"].shape[:2]
        blocks = {int(m.group(1)) for k in state if (m := re.match(r"model\.(\d+)\.conv_block", k))}
        names = {v: k for k, v in RESNET_BLOCKS.items()}
        if len(blocks) not in names:
            raise WeightsError(
                f"{source}: a ResNet generator with {len(blocks)} blocks; the zoo has "
                f"{RESNET_BLOCKS}"
            )
        last = max(int(k.split(".")[1]) for k in state if re.match(r"model\.\d+\.weight$", k))
        first_block = min(blocks)
        return {
            "generator": names[len(blocks)],
            "input_nc": int(input_nc),
            "output_nc": int(state[f"model.{last}.weight"].shape[0]),
            "ngf": int(ngf),
            "norm": "batch" if "model.2.weight" in state else "instance",
            "dropout": f"model.{first_block}.conv_block.6.weight" in state,
        }
    raise WeightsError(
        f"{source} does not look like a reference generator (no model.model.0.weight of a "
        "U-Net, no 7x7 model.1.weight of a ResNet); discriminator files cannot be imported"
    )


def load_reference_generator(net: nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    """Load a reference generator state dict into ``net``, naming what does not fit."""
    state = clean_reference_state(state, net)
    problems = state_mismatch(net.state_dict(), state)
    if problems:
        raise WeightsError(f"{source} does not fit the inferred generator: {problems}")
    net.load_state_dict(state)

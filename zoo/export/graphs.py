"""What an exported file computes: the task's inference call as one ``nn.Module`` whose inputs
and outputs are plain tensors, images in [0, 1] on both ends (the ``[-1, 1]`` scaling, the
padding to the generator's stride and the crop back happen inside the graph)."""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from zoo.masks import composite, masked_input


@dataclasses.dataclass
class ExportSpec:
    """A module to export, example inputs, tensor names, and which axes are dynamic."""

    module: nn.Module
    inputs: tuple[torch.Tensor, ...]
    input_names: list[str]
    output_names: list[str]
    #: input name -> {axis: "batch" | "height" | "width"}
    dynamic_axes: dict[str, dict[int, str]]
    #: facts a user of the file needs (stride, scale, classes ...), stored as metadata
    notes: dict[str, Any] = dataclasses.field(default_factory=dict)


def to_unit(images: torch.Tensor) -> torch.Tensor:
    """Generator output in [-1, 1] to images in [0, 1], as the zoo's inference calls do."""
    return (images * 0.5 + 0.5).clamp(0, 1)


class LatentToImage(nn.Module):
    """``z`` (N, latent_dim) -> images (N, C, H, W) in [0, 1]."""

    def __init__(self, generator: nn.Module) -> None:
        super().__init__()
        self.generator = generator

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return to_unit(self.generator(z))


class LabelledLatentToImage(nn.Module):
    """``z`` (N, latent_dim) and int64 ``labels`` (N,) -> images (N, C, H, W) in [0, 1]."""

    def __init__(self, generator: nn.Module) -> None:
        super().__init__()
        self.generator = generator

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return to_unit(self.generator(z, labels))


def _padded(x: torch.Tensor, stride: int) -> torch.Tensor:
    """``x`` in [0, 1] scaled to [-1, 1] and reflect-padded at the bottom/right to multiples
    of ``stride`` (always padded, by zero where it fits, so the graph has no branch)."""
    x = x * 2 - 1
    if stride == 1:
        return x
    h, w = x.shape[-2:]
    return F.pad(x, (0, (-w) % stride, 0, (-h) % stride), mode="reflect")


class ImageToImage(nn.Module):
    """Images (N, C, H, W) in [0, 1] -> images in [0, 1], ``scale`` times larger (1 for
    translators); any H, W the network takes, padded to ``stride`` and cropped back."""

    def __init__(self, net: nn.Module, stride: int) -> None:
        super().__init__()
        self.net, self.stride = net, stride

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        h, w = images.shape[-2:]
        padded = _padded(images, self.stride)
        out = self.net(padded)
        scale = out.shape[-1] // padded.shape[-1]
        return to_unit(out[..., : h * scale, : w * scale])


class ImageToClasses(nn.Module):
    """Images (N, C, H, W) in [0, 1] -> int64 class indices (N, H, W), or with
    ``probabilities`` the class probabilities (N, K, H, W)."""

    def __init__(self, net: nn.Module, stride: int, probabilities: bool = False) -> None:
        super().__init__()
        self.net, self.stride, self.probabilities = net, stride, probabilities

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        h, w = images.shape[-2:]
        logits = self.net(_padded(images, self.stride))[..., :h, :w]
        return logits.softmax(1) if self.probabilities else logits.argmax(1)


class Inpainter(nn.Module):
    """Images (N, C, H, W) in [0, 1] and masks (N, 1, H, W) (1 = hole) -> the images with
    their holes filled, in [0, 1]; pixels outside the hole are the input's."""

    def __init__(self, net: nn.Module, stride: int) -> None:
        super().__init__()
        self.net, self.stride = net, stride

    def forward(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        h, w = images.shape[-2:]
        holes = (masks > 0.5).to(images.dtype)
        x = masked_input(images * 2 - 1, holes)
        if self.stride > 1:  # always padded (by zero where it fits): no branch in the graph
            x = F.pad(x, (0, (-w) % self.stride, 0, (-h) % self.stride), mode="reflect")
        out = self.net(x)[..., :h, :w]
        return composite(to_unit(out), images, holes)

"""ncnn models of Real-ESRGAN's networks as the state dicts their PyTorch releases hold.

ncnn's files do not name tensors the way PyTorch does; they list the network's layers in the
order the network was exported, which for Real-ESRGAN's two networks is the order PyTorch
registers their modules. :func:`candidates` gives the state dict under each naming whose
count of weighted layers fits: BasicSR's ``RRDBNet`` (RealESRGAN_x4plus, x2plus,
x4plus_anime_6B) and ``SRVGGNetCompact`` (realesr-general-x4v3, realesr-animevideov3).
spandrel then recognises the network from the names and shapes, and the bridge checks that
what it builds computes what the ncnn graph computes (:func:`zoo.importers.ncnn.run_ncnn`).
"""

from __future__ import annotations

import torch

from zoo.importers import NcnnLayer


def _named(names: list[str], layers: list[NcnnLayer]) -> dict[str, torch.Tensor]:
    return {
        f"{name}.{key}": tensor
        for name, layer in zip(names, layers, strict=True)
        for key, tensor in layer.weights.items()
    }


def rrdbnet_names(count: int) -> list[str] | None:
    """BasicSR's ``RRDBNet`` module names for ``count`` convolutions (6 around the body,
    15 per residual-in-residual dense block), or None if no block count fits."""
    blocks, rest = divmod(count - 6, 15)
    if rest or blocks < 1:
        return None
    body = [
        f"body.{b}.rdb{r}.conv{c}" for b in range(blocks) for r in (1, 2, 3) for c in range(1, 6)
    ]
    return ["conv_first", *body, "conv_body", "conv_up1", "conv_up2", "conv_hr", "conv_last"]


def compact_names(layers: list[NcnnLayer]) -> list[str] | None:
    """``SRVGGNetCompact``'s names: its ``body`` alternates convolution and activation (a
    PReLU holds weights; a ReLU or LeakyReLU does not, but has its index), ending in a
    convolution."""
    names, convolutions = [], 0
    for layer in layers:
        if layer.type == "Convolution":
            names.append(f"body.{2 * convolutions}")
            convolutions += 1
        elif layer.type == "PReLU" and convolutions:
            names.append(f"body.{2 * convolutions - 1}")
        else:
            return None
    return names if layers and layers[-1].type == "Convolution" else None


def candidates(layers: list[NcnnLayer]) -> list[tuple[str, dict[str, torch.Tensor]]]:
    """(network, state dict) for each of Real-ESRGAN's networks whose layout the weighted
    layers fit; which one it is, spandrel and the check decide."""
    weighted = [layer for layer in layers if layer.weights]
    found = []
    if all(layer.type == "Convolution" for layer in weighted):
        names = rrdbnet_names(len(weighted))
        if names:
            found.append(("RRDBNet", _named(names, weighted)))
    names = compact_names(weighted)
    if names:
        found.append(("SRVGGNetCompact", _named(names, weighted)))
    return found

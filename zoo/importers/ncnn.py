"""Reading ncnn models (a ``.param`` text graph and its ``.bin`` weights) as data.

ncnn (Tencent's inference library) is how Real-ESRGAN's weights ship to phones and to
``realesrgan-ncnn-vulkan``; its model files hold no code: the ``.param`` lists layers (type,
name, input and output blobs, numbered parameters) and the ``.bin`` holds, in layer order,
the weights of the layers that have them. :func:`read_ncnn` reads both into
:class:`NcnnLayer` records with PyTorch-shaped tensors (a convolution's weight as
``(out, in, kh, kw)``); which network the layers form is for the reader of the records to
decide (the spandrel bridge names them after Real-ESRGAN's networks).

Weights of ``Convolution`` and ``PReLU`` layers are read, stored as float32 or float16;
weights stored quantised (int8, a 256-value table) and layer types the reader does not know
are refused by name, and the ``.bin`` must be consumed exactly. :func:`run_ncnn` computes the
graph with the PyTorch operation each layer type names: the reference an import is checked
against.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from zoo.errors import WeightsError

MAGIC = 7767517
#: the tag before a weight stored as float16 (ncnn's ``ModelBin``); 0 means float32
FLOAT16_TAG = 0x01306B47
QUANTISED_TAGS = {0x000D4B38: "int8", 0x0002C056: "raw float32 with a scale"}
#: layer types whose weights are read
WEIGHTED = ("Convolution", "PReLU")
#: layer types without weights that :func:`run_ncnn` computes (a graph with another type is
#: refused: the ``.bin`` cannot be read past a layer whose weights are not known, and what
#: the graph computes could not be checked)
WEIGHTLESS = (
    "Input",
    "Split",
    "Concat",
    "Eltwise",
    "BinaryOp",
    "Interp",
    "PixelShuffle",
    "Reorg",
    "ReLU",
    "Sigmoid",
    "Clip",
    "Noop",
    "Dropout",
)


@dataclasses.dataclass
class NcnnLayer:
    """One layer of an ncnn graph: ``params`` by ncnn's parameter ids (an array-valued one as
    a list), ``weights`` (``weight``, ``bias``) as float32 tensors."""

    type: str
    name: str
    inputs: list[str]
    outputs: list[str]
    params: dict[int, int | float | list[int | float]]
    weights: dict[str, torch.Tensor] = dataclasses.field(default_factory=dict)

    def param(self, key: int, default: int | float = 0) -> int | float:
        value = self.params.get(key, default)
        if isinstance(value, list):
            raise WeightsError(f"ncnn layer {self.name}: parameter {key} is an array")
        return value


def ncnn_pair(paths: list[str | os.PathLike]) -> tuple[Path, Path] | None:
    """(``.param``, ``.bin``) of ``paths`` if they name an ncnn model: the two files in
    either order, or the ``.param`` alone beside its ``.bin``; else None."""
    files = sorted((Path(p) for p in paths), key=lambda p: p.suffix.lower() != ".param")
    suffixes = [p.suffix.lower() for p in files]
    if suffixes == [".param", ".bin"]:
        return files[0], files[1]
    if suffixes == [".param"]:
        return files[0], files[0].with_suffix(".bin")
    return None


def _number(text: str) -> int | float:
    return float(text) if any(c in text for c in ".eE") else int(text)


def _parse_params(tokens: list[str], where: str) -> dict[int, int | float | list[int | float]]:
    params: dict[int, int | float | list[int | float]] = {}
    for token in tokens:
        key_text, _, value = token.partition("=")
        try:
            key = int(key_text)
            if key <= -23300:  # an array: -23300 - id = count,v1,v2,...
                count, *values = value.split(",")
                if int(count) != len(values):
                    raise ValueError(f"array of {count} with {len(values)} values")
                params[-23300 - key] = [_number(v) for v in values]
            else:
                params[key] = _number(value)
        except ValueError as e:
            raise WeightsError(
                f"{where}: parameter {token!r} is not ncnn's key=value ({e})"
            ) from None
    return params


def read_param(path: Path) -> list[NcnnLayer]:
    """The layers of an ncnn ``.param`` file (the text form)."""
    lines = [line.split() for line in path.read_text(errors="replace").splitlines()]
    lines = [line for line in lines if line]
    if not lines or lines[0] != [str(MAGIC)]:
        raise WeightsError(
            f"{path}: not an ncnn .param text file (its first line is not {MAGIC}; the binary "
            ".param.bin form is not read)"
        )
    try:
        layer_count = int(lines[1][0])
    except (IndexError, ValueError):
        raise WeightsError(f"{path}: its second line is not 'layer_count blob_count'") from None
    layers = []
    for number, tokens in enumerate(lines[2:], start=3):
        where = f"{path}, line {number}"
        try:
            kind, name, n_in, n_out = tokens[0], tokens[1], int(tokens[2]), int(tokens[3])
        except (IndexError, ValueError):
            raise WeightsError(f"{where}: not 'type name inputs outputs ...'") from None
        blobs = tokens[4 : 4 + n_in + n_out]
        if len(blobs) != n_in + n_out:
            raise WeightsError(f"{where}: fewer blob names than {n_in} + {n_out}")
        params = _parse_params(tokens[4 + n_in + n_out :], where)
        layers.append(NcnnLayer(kind, name, blobs[:n_in], blobs[n_in:], params))
    if len(layers) != layer_count:
        raise WeightsError(f"{path}: {len(layers)} layers, its header says {layer_count}")
    return layers


class _Weights:
    """The ``.bin`` read front to back, as ncnn's ``ModelBin`` reads it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data = path.read_bytes()
        self.offset = 0

    def take(self, size: int, what: str) -> bytes:
        if self.offset + size > len(self.data):
            raise WeightsError(
                f"{self.path}: ends at byte {len(self.data)} inside {what} (the .bin does not "
                "belong to this .param, or is cut short)"
            )
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk

    def floats(self, count: int, what: str) -> torch.Tensor:
        """``count`` float32 values stored without a tag (biases, slopes)."""
        return torch.from_numpy(np.frombuffer(self.take(4 * count, what), "<f4").copy())

    def tagged(self, count: int, what: str) -> torch.Tensor:
        """``count`` values after ncnn's 4-byte storage tag (float16 or float32), as float32."""
        tag = int.from_bytes(self.take(4, what), "little")
        if tag == FLOAT16_TAG:
            raw = self.take(2 * count + (2 * count) % 4, what)[: 2 * count]  # padded to 4
            return torch.from_numpy(np.frombuffer(raw, "<f2").astype(np.float32))
        if tag == 0:
            return self.floats(count, what)
        kind = QUANTISED_TAGS.get(tag, "a 256-value table")
        raise WeightsError(
            f"{self.path}: {what} is stored quantised ({kind}, tag {tag:#010x}); only float32 "
            "and float16 weights are read"
        )


def _read_weights(layer: NcnnLayer, weights: _Weights) -> None:
    if layer.type == "Convolution":
        out = int(layer.param(0))
        kw = int(layer.param(1))
        kh = int(layer.param(11, kw))
        size = int(layer.param(6))
        if layer.param(8) or layer.param(7, 1) != 1:
            raise WeightsError(
                f"ncnn layer {layer.name}: int8 or grouped convolutions are not read"
            )
        if out <= 0 or size % (out * kw * kh):
            raise WeightsError(
                f"ncnn layer {layer.name}: {size} weights do not fill {out} {kh}x{kw} filters"
            )
        weight = weights.tagged(size, f"{layer.name}'s weights")
        layer.weights["weight"] = weight.reshape(out, size // (out * kw * kh), kh, kw)
        if layer.param(5):
            layer.weights["bias"] = weights.floats(out, f"{layer.name}'s biases")
    elif layer.type == "PReLU":
        layer.weights["weight"] = weights.floats(int(layer.param(0)), f"{layer.name}'s slopes")


def read_ncnn(param: str | os.PathLike, bin: str | os.PathLike) -> list[NcnnLayer]:
    """The layers of the ncnn model ``param`` + ``bin``, with the weights of its
    convolutions and PReLUs; anything the reader cannot account for is an error."""
    param, bin = Path(param), Path(bin)
    if not bin.is_file():
        raise WeightsError(
            f"{param}: its weights {bin} are missing (an ncnn model is a .param and a .bin)"
        )
    layers = read_param(param)
    unknown = sorted({la.type for la in layers} - {*WEIGHTLESS, *WEIGHTED})
    if unknown:
        raise WeightsError(
            f"{param}: layers of type {', '.join(unknown)}, which this reader does not know; "
            f"it knows {', '.join((*WEIGHTED, *WEIGHTLESS))}"
        )
    weights = _Weights(bin)
    for layer in layers:
        _read_weights(layer, weights)
    if weights.offset != len(weights.data):
        raise WeightsError(
            f"{bin}: {len(weights.data) - weights.offset} bytes left over after the last "
            f"layer's weights (the .bin does not belong to {param.name})"
        )
    return layers


ACTIVATIONS: dict[int, Callable[[torch.Tensor, list[Any]], torch.Tensor]] = {
    0: lambda x, p: x,
    1: lambda x, p: F.relu(x),
    2: lambda x, p: F.leaky_relu(x, p[0]),
    3: lambda x, p: x.clamp(p[0], p[1]),
    4: lambda x, p: torch.sigmoid(x),
}
BINARY_OPS: dict[int, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    0: torch.add,
    1: torch.sub,
    2: torch.mul,
    3: torch.div,
    4: torch.maximum,
    5: torch.minimum,
    7: lambda a, b: b - a,
    8: lambda a, b: b / a,
}
INTERPOLATION = {1: "nearest", 2: "bilinear", 3: "bicubic"}


def _convolution(layer: NcnnLayer, x: torch.Tensor) -> torch.Tensor:
    p = layer.param
    left = int(p(4))
    right, top = int(p(15, left)), int(p(14, left))
    bottom = int(p(16, top))
    if min(left, right, top, bottom) < 0:
        raise WeightsError(f"ncnn layer {layer.name}: automatic ('same') padding is not computed")
    x = F.pad(x, (left, right, top, bottom), value=float(p(18)))
    dilation, stride = (int(p(12, p(2, 1))), int(p(2, 1))), (int(p(13, p(3, 1))), int(p(3, 1)))
    y = F.conv2d(x, layer.weights["weight"], layer.weights.get("bias"), stride, 0, dilation)
    activation = int(p(9))
    if activation not in ACTIVATIONS:
        raise WeightsError(f"ncnn layer {layer.name}: activation type {activation} is not computed")
    values = layer.params.get(10, [0.0])
    return ACTIVATIONS[activation](y, values if isinstance(values, list) else [values])


def _layer(layer: NcnnLayer, xs: list[torch.Tensor]) -> torch.Tensor:
    """What one layer computes on its inputs (batched: ncnn's axis 0 is the channel)."""
    p, kind, x = layer.param, layer.type, xs[0]
    if kind in ("Split", "Noop", "Dropout"):
        return x
    if kind == "Convolution":
        return _convolution(layer, x)
    if kind == "PReLU":
        slope = layer.weights["weight"]
        return F.prelu(x, slope if slope.numel() > 1 else slope.expand(x.shape[1]))
    if kind == "ReLU":
        return F.leaky_relu(x, float(p(0)))
    if kind == "Sigmoid":
        return torch.sigmoid(x)
    if kind == "Clip":
        return x.clamp(float(p(0)), float(p(1)))
    if kind == "Concat":
        return torch.cat(xs, dim=int(p(0)) + 1)
    if kind == "Eltwise":
        stacked = torch.stack(xs)
        if int(p(0)) == 1:  # a weighted sum
            given = layer.params.get(1)
            weights = given if isinstance(given, list) else [1.0] * len(xs)
            return (stacked * torch.tensor(weights).view(-1, 1, 1, 1, 1)).sum(0)
        return stacked.prod(0) if int(p(0)) == 0 else stacked.amax(0)
    if kind == "BinaryOp":
        binary = BINARY_OPS.get(int(p(0)))
        if binary is None:
            raise WeightsError(f"ncnn layer {layer.name}: binary operation {p(0)} is not computed")
        return binary(x, torch.tensor(float(p(2))) if p(1) else xs[1])
    if kind == "Interp":
        mode = INTERPOLATION.get(int(p(0)))
        if mode is None:
            raise WeightsError(f"ncnn layer {layer.name}: resize type {p(0)} is not computed")
        size = (int(p(3)), int(p(4)))
        if not all(size):
            size = (int(x.shape[2] * float(p(1, 1.0))), int(x.shape[3] * float(p(2, 1.0))))
        corners = None if mode == "nearest" else bool(p(6))
        return F.interpolate(x, size=size, mode=mode, align_corners=corners)
    if kind == "PixelShuffle":
        if p(1):
            raise WeightsError(f"ncnn layer {layer.name}: PixelShuffle mode {p(1)} is not computed")
        return F.pixel_shuffle(x, int(p(0)))
    if kind == "Reorg":  # space to depth
        if p(1):
            raise WeightsError(f"ncnn layer {layer.name}: Reorg mode {p(1)} is not computed")
        return F.pixel_unshuffle(x, int(p(0)))
    raise WeightsError(f"ncnn layer {layer.name}: type {kind} is not computed")


def endpoints(layers: list[NcnnLayer]) -> tuple[str, str]:
    """(input blob, output blob) of a graph with one of each: the ``Input`` layer's blob and
    the blob no layer reads."""
    inputs = [layer.outputs[0] for layer in layers if layer.type == "Input"]
    if len(inputs) != 1:
        raise WeightsError(f"the ncnn graph has {len(inputs)} inputs; one is read")
    read = {b for layer in layers for b in layer.inputs}
    outputs = [b for layer in layers for b in layer.outputs if b not in read]
    if len(outputs) != 1:
        raise WeightsError(
            f"the ncnn graph has {len(outputs)} outputs ({', '.join(outputs)}); one is read"
        )
    return inputs[0], outputs[0]


@torch.no_grad()
def run_ncnn(layers: list[NcnnLayer], x: torch.Tensor) -> torch.Tensor:
    """What the graph computes on a batch ``x`` (NCHW), by PyTorch operations chosen from
    the layer types (nothing of the file runs): the reference an import is checked against.
    The graph has one input and one output (:func:`endpoints`)."""
    source, sink = endpoints(layers)
    blobs = {source: x}
    for layer in layers:
        if layer.type == "Input":
            continue
        missing = [b for b in layer.inputs if b not in blobs]
        if missing:
            raise WeightsError(
                f"ncnn layer {layer.name} reads {missing[0]}, which no layer before it writes"
            )
        y = _layer(layer, [blobs[b] for b in layer.inputs])
        for name in layer.outputs:
            blobs[name] = y
    return blobs[sink]

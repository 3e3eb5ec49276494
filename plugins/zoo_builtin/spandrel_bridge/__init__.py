"""Restoration networks that spandrel recognises (Real-ESRGAN's RRDBNet and SRVGGNetCompact,
ESRGAN, SwinIR, HAT, SPAN, ...) as zoo upscalers: ``zoo import-checkpoint FILE -o DIR``
reads the file through spandrel (its restricted unpickler for ``.pth``/``.ckpt``, or
safetensors), which names the network and reads its hyper-parameters off the tensors; the
zoo model keeps both in its config and rebuilds the network from them on ``zoo.load``.
Upscaling, tiling, the fast path, export and metrics are the super-resolution task's.

spandrel (MIT, chaiNNer's and ComfyUI's loader) is an optional dependency:
``pip install "gan-zoo[restore]"``. Face restoration (GFPGAN, RestoreFormer) and inpainting
(LaMa) models are recognised and refused by name: their tasks are not bridged yet.

The networks train on the common trainer with SRGAN's objective
(:class:`zoo.losses.SuperResolutionLoss`: a content loss plus ``adversarial_weight`` times
the GAN loss, 0.1 as Real-ESRGAN weighs it, against ``zoo.nn.SRDiscriminator`` rather than
Real-ESRGAN's U-Net discriminator), so an imported network can be fine-tuned on your own
photographs.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

import zoo
from zoo.losses import SuperResolutionLoss, SuperResolutionLossConfig
from zoo.nn import SRDiscriminator, init_normal

EXTRA = 'pip install "gan-zoo[restore]"'
#: spandrel's purposes the super-resolution task serves
PURPOSES = ("SR", "Restoration")
#: the farthest (input pixels) the receptive-radius probe looks; a network that sees
#: farther (attention over windows, global pooling) is tiled with this much overlap
MAX_RADIUS = 64
SUFFIXES = (".pth", ".ckpt", ".safetensors")


def spandrel() -> Any:
    """The spandrel module, or an error saying how to install it."""
    try:
        return importlib.import_module("spandrel")
    except ImportError:
        raise zoo.PluginError(f"the spandrel architecture needs spandrel: {EXTRA}") from None


@dataclasses.dataclass(frozen=True)
class SpandrelConfig(SuperResolutionLossConfig, zoo.SuperResolutionConfig):
    network: str = zoo.bounded("Compact", doc="spandrel's architecture id (ESRGAN, ...)")
    network_class: str = zoo.bounded("Compact", doc="the network class spandrel builds")
    hyperparameters: str = zoo.bounded(
        '{"act_type": "prelu", "num_conv": 32, "num_feat": 64, "num_in_ch": 3, '
        '"num_out_ch": 3, "upscale": 4}',
        doc="its constructor arguments (JSON), as spandrel read them off the tensors",
    )
    image_size: int = zoo.bounded(128, 8, 1024, "high-resolution training crop side")
    adversarial_weight: float = zoo.bounded(0.1, 0.0, 10.0, "weight of the GAN loss (0: none)")


class SpandrelNetwork(nn.Module):
    """spandrel's network on the zoo's images in [-1, 1] (it takes and gives [0, 1]):
    inputs padded to the sides it requires, the output cropped back."""

    def __init__(self, descriptor: Any) -> None:
        super().__init__()
        self.net = descriptor.model
        self.scale = int(descriptor.scale)
        self.channels = int(descriptor.input_channels)
        self.multiple = int(descriptor.size_requirements.multiple_of)
        self.minimum = int(descriptor.size_requirements.minimum)
        self.square = bool(descriptor.size_requirements.square)
        # how spandrel calls it (e.g. the first of a tuple); its descriptor's __call__ would
        # also clamp and run without gradients, and it has no public name for this alone
        self._call = descriptor._call_fn
        self._radius: int | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        y = self._call(self.net, self._pad(x * 0.5 + 0.5))
        return y[..., : h * self.scale, : w * self.scale] * 2 - 1

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        """Padded at the bottom and right to the sides the network takes (reflected where
        the image is large enough, else repeated)."""
        h, w = x.shape[-2:]
        sides = [_round_up(max(side, self.minimum), self.multiple) for side in (h, w)]
        if self.square:
            sides = [max(sides)] * 2
        ph, pw = sides[0] - h, sides[1] - w
        if not (ph or pw):
            return x
        return F.pad(x, (0, pw, 0, ph), mode="reflect" if ph < h and pw < w else "replicate")

    @property
    def receptive_radius(self) -> int:
        """Input pixels each output pixel depends on, each side, measured once by a gradient
        probe (at most :data:`MAX_RADIUS`), rounded up to the sides the network requires
        (tiles then start on its pixel-unshuffle grid)."""
        if self._radius is None:
            self._radius = _round_up(probe_radius(self, MAX_RADIUS), self.multiple)
        return self._radius


def probe_radius(net: nn.Module, limit: int) -> int:
    """How far from an output pixel (in input pixels) the inputs that move it lie: the
    gradient of one output block with respect to a random input, looked at up to ``limit``
    pixels each side (``limit`` if it reaches that far)."""
    param = next(net.parameters())
    channels = int(getattr(net, "channels", 3))
    side, centre = 2 * limit + 1, limit
    scale = int(getattr(net, "scale", 1))
    training = net.training
    net.eval()  # no batch statistics updated by the probe
    try:
        with torch.inference_mode(False), torch.enable_grad():
            x = torch.rand(1, channels, side, side, device=param.device, dtype=param.dtype)
            x = (x * 2 - 1).requires_grad_(True)
            y = net(x)
            core = slice(centre * scale, (centre + 1) * scale)
            (grad,) = torch.autograd.grad(y[..., core, core].sum(), x)
    finally:
        net.train(training)
    moved = grad.abs().sum(dim=(0, 1)) > 0
    rows, cols = moved.any(dim=1).nonzero(), moved.any(dim=0).nonzero()
    if not len(rows):
        return 0
    reach = max(centre - int(rows.min()), int(rows.max()) - centre)
    return min(limit, max(reach, centre - int(cols.min()), int(cols.max()) - centre))


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def network_class(network: str, class_name: str) -> type[nn.Module]:
    """spandrel's class ``class_name`` of its architecture ``network``: only classes that
    spandrel's architecture packages export, never another importable name."""
    registry = spandrel().MAIN_REGISTRY
    if network not in registry:
        known = ", ".join(sorted(str(a.architecture.id) for a in registry.architectures()))
        raise zoo.ConfigError(f"network={network!r} is not a spandrel architecture; known: {known}")
    package = importlib.import_module(f"spandrel.architectures.{network}")
    cls = getattr(package, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise zoo.ConfigError(
            f"network_class={class_name!r} is not a network of spandrel's {network}"
        )
    return cls


def describe(descriptor: Any) -> dict[str, Any]:
    """The config values of a network spandrel loaded (``descriptor``)."""
    model = descriptor.model
    network = str(descriptor.architecture.id)
    package = importlib.import_module(f"spandrel.architectures.{network}")
    names = [k for k, v in vars(package).items() if v is type(model)]
    if not names or not hasattr(model, "hyperparameters"):
        raise zoo.WeightsError(f"spandrel's {network} network cannot be rebuilt from its config")
    return {
        "network": network,
        "network_class": names[0],
        "hyperparameters": json.dumps(model.hyperparameters, sort_keys=True),
        "scale": int(descriptor.scale),
        "channels": int(descriptor.input_channels),
    }


def detect(path: str | os.PathLike) -> tuple[Any, Any]:
    """(state dict, spandrel's architecture support) of a weights file spandrel recognises,
    or an error naming why not; nothing is built yet."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise zoo.WeightsError(
            f"{path}: spandrel files are {', '.join(SUFFIXES)} (a .pt file may be TorchScript, "
            "whose code the zoo does not run; rename a plain state dict to .pth)"
        )
    sp = spandrel()
    try:
        state = sp.ModelLoader().load_state_dict_from_file(path)
    except Exception as e:  # spandrel's restricted unpickler refuses what it does not know
        raise zoo.WeightsError(
            f"{path}: spandrel could not read it ({e}); nothing was run"
        ) from None
    for support in sp.MAIN_REGISTRY.architectures("detection"):
        if support.detect(state):
            return state, support
    raise zoo.WeightsError(f"{path}: no network spandrel knows has these tensors")


def read_file(path: str | os.PathLike) -> Any:
    """The spandrel descriptor of a weights file the bridge serves, or an error naming why
    not (another kind of model than super-resolution or restoration, for one)."""
    state, support = detect(path)
    descriptor = support.architecture.load(state)
    if descriptor.purpose not in PURPOSES:
        raise zoo.WeightsError(
            f"{path}: spandrel reads it as {support.architecture.name}, a {descriptor.purpose} "
            "model; the zoo bridges super-resolution and restoration networks only so far"
        )
    if descriptor.input_channels != descriptor.output_channels:
        raise zoo.WeightsError(
            f"{path}: {descriptor.input_channels} channels in, {descriptor.output_channels} "
            "out; the zoo's upscalers keep the channels"
        )
    return descriptor


class Spandrel(SuperResolutionLoss, zoo.SuperResolutionGAN):
    """A network spandrel recognises, as a zoo upscaler (scale 1: restoration)."""

    Config = SpandrelConfig
    small_config = {
        "hyperparameters": json.dumps(
            {"num_in_ch": 3, "num_out_ch": 3, "num_feat": 8, "num_conv": 2, "upscale": 4,
             "act_type": "prelu"}
        ),
        "image_size": 32,
        "ndf": 4,
    }  # fmt: skip

    def __init__(self, config: SpandrelConfig | None = None, **overrides: Any) -> None:
        super().__init__(config, **overrides)
        self.generator = self.build_generator()
        self.discriminator = SRDiscriminator(self.config.channels, self.config.ndf)
        init_normal(self.discriminator)

    def build_generator(self) -> SpandrelNetwork:
        """spandrel's network ``network_class(**hyperparameters)`` at random init, with what
        spandrel knows about calling it."""
        c = self.config
        cls = network_class(c.network, c.network_class)
        try:
            skeleton = cls(**json.loads(c.hyperparameters))
        except (TypeError, ValueError) as e:
            raise zoo.ConfigError(f"hyperparameters={c.hyperparameters!r}: {e}") from None
        # spandrel's load of the network's own tensors: its size requirements and call
        support = spandrel().MAIN_REGISTRY[c.network]
        descriptor = support.architecture.load(skeleton.state_dict())
        found = describe(descriptor)
        if (found["scale"], found["channels"]) != (c.scale, c.channels):
            raise zoo.ConfigError(
                f"{c.network} with these hyperparameters upscales by {found['scale']} with "
                f"{found['channels']} channels; the config says scale={c.scale}, "
                f"channels={c.channels}"
            )
        return SpandrelNetwork(descriptor)

    @classmethod
    def reads_checkpoint(cls, paths: list[str | os.PathLike]) -> bool:
        if len(paths) != 1 or Path(paths[0]).suffix.lower() not in SUFFIXES:
            return False
        try:  # recognised, not yet built: one that the bridge cannot serve says why on import
            detect(paths[0])
        except (zoo.WeightsError, zoo.PluginError):
            return False
        return True

    @classmethod
    def from_reference_checkpoint(
        cls, paths: list[str | os.PathLike], overrides: dict[str, Any] | None = None
    ) -> Spandrel:
        if len(paths) != 1:
            raise zoo.WeightsError(f"spandrel reads one weights file; got {len(paths)}")
        descriptor = read_file(paths[0])
        found = describe(descriptor)
        clash = {k: v for k, v in (overrides or {}).items() if k in found and found[k] != v}
        if clash:
            raise zoo.WeightsError(
                f"{paths[0]}: spandrel reads it as {found['network']} with "
                + ", ".join(f"{k}={found[k]!r} (given: {v!r})" for k, v in clash.items())
                + "; only values the file does not record can be set"
            )
        model = cls(SpandrelConfig.from_dict({**found, **(overrides or {})}))
        model.generator.net.load_state_dict(descriptor.model.state_dict())
        return model.eval()

"""Networks that spandrel recognises as zoo models: restoration networks (Real-ESRGAN's
RRDBNet and SRVGGNetCompact, ESRGAN, SwinIR, HAT, SPAN, ...) as upscalers (architecture
``spandrel``), inpainting networks (LaMa) as inpainters (``spandrel-inpainting``), face
restoration networks (GFPGAN, RestoreFormer) as face restorers (``spandrel-face``).
``zoo import-checkpoint FILE -o DIR`` reads the file through spandrel (its restricted
unpickler for ``.pth``/``.ckpt``, or safetensors), which names the network and reads its
hyper-parameters off the tensors; the zoo model keeps both in its config and rebuilds the
network from them on ``zoo.load``. Upscaling, tiling, inpainting, the fast path, export and
metrics are the tasks'.

spandrel (MIT, chaiNNer's and ComfyUI's loader) is an optional dependency:
``pip install "gan-zoo[restore]"``.

The networks train on the common trainer: upscalers with SRGAN's objective
(:class:`zoo.losses.SuperResolutionLoss`: a content loss plus ``adversarial_weight`` times
the GAN loss, 0.1 as Real-ESRGAN weighs it, against ``zoo.nn.SRDiscriminator`` rather than
Real-ESRGAN's U-Net discriminator), inpainters with :class:`zoo.losses.InpaintingLoss`
against a PatchGAN (not LaMa's perceptual and feature-matching losses), face restorers with
SRGAN's objective at scale 1 (not GFPGAN's facial-component and identity losses), so an
imported network can be fine-tuned on your own images; :mod:`.realesrgan` (architecture
``realesrgan``) trains upscalers as Real-ESRGAN does.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import math
import os
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

import zoo
from zoo.importers import ncnn_pair, read_ncnn, run_ncnn
from zoo.losses import (
    InpaintingLoss,
    InpaintingLossConfig,
    SuperResolutionLoss,
    SuperResolutionLossConfig,
)
from zoo.nn import NLayerDiscriminator, SRDiscriminator, init_normal
from zoo_builtin.spandrel_bridge.ncnn import candidates as ncnn_candidates

EXTRA = 'pip install "gan-zoo[restore]"'
#: spandrel's purposes the super-resolution task serves
PURPOSES = ("SR", "Restoration")
#: spandrel's architectures that inpaint (the ``spandrel-inpainting`` architecture's)
INPAINTERS = ("LaMa",)
#: spandrel's face restoration architectures (``spandrel-face``), each with the constructor
#: argument that is its face side
FACE_RESTORERS = {"GFPGAN": "out_size", "RestoreFormer": "resolution"}
#: spandrel's networks that fail in bf16 though spandrel allows it, with the reason
FP32_ONLY = {
    "SwinIR": "its attention masks for a new image size are computed in fp32, and fp32 "
    "masks with bf16 attention fail in the matrix product",
}
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


@dataclasses.dataclass(frozen=True)
class SpandrelInpaintingConfig(InpaintingLossConfig, zoo.InpaintingConfig):
    network: str = zoo.bounded("LaMa", doc="spandrel's architecture id")
    network_class: str = zoo.bounded("LaMa", doc="the network class spandrel builds")
    hyperparameters: str = zoo.bounded(
        '{"in_nc": 4, "out_nc": 3}',
        doc="its constructor arguments (JSON), as spandrel read them off the tensors",
    )
    image_size: int = zoo.bounded(256, 16, 2048, "training crop side")
    ndf: int = zoo.bounded(64, 4, 512, "PatchGAN discriminator channels of the first layer")


class SpandrelNetwork(nn.Module):
    """spandrel's network on the zoo's images in [-1, 1] (it takes and gives [0, 1]):
    inputs padded to the sides it requires, the output cropped back. SwinIR's window
    attention makes its output depend on the padding, so it is padded as its authors'
    ``main_test_swinir.py`` pads (:func:`mirror_to_next_window`), not as spandrel's copy of
    the network pads itself (reflection, up to a multiple)."""

    def __init__(self, descriptor: Any) -> None:
        super().__init__()
        self.net = descriptor.model
        self.network = str(descriptor.architecture.id)
        self.scale = int(descriptor.scale)
        self.channels = int(descriptor.input_channels)
        #: the sides spandrel's network takes
        self.pad_multiple = int(descriptor.size_requirements.multiple_of)
        #: the grid tiles start on: the padding's, and SwinIR's attention windows
        self.multiple = self.pad_multiple
        if self.network == "SwinIR":
            self.multiple = math.lcm(self.pad_multiple, int(self.net.window_size))
        self.minimum = int(descriptor.size_requirements.minimum)
        self.square = bool(descriptor.size_requirements.square)
        # how spandrel calls it (e.g. the first of a tuple); its descriptor's __call__ would
        # also clamp and run without gradients, and it has no public name for this alone
        self._call = descriptor._call_fn
        self._radius: int | None = None
        if self.network in FP32_ONLY or not descriptor.supports_bfloat16:
            #: the fast path keeps it fp32 (zoo.inference.fast.fast_copy)
            self.fp32_only = FP32_ONLY.get(self.network, "spandrel marks it as fp32 only")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        x = self._pad(x * 0.5 + 0.5)
        if self.network == "SwinIR":
            x = mirror_to_next_window(x, int(self.net.window_size))
        y = self._call(self.net, x)
        return y[..., : h * self.scale, : w * self.scale] * 2 - 1

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        """Padded at the bottom and right to the sides the network takes (reflected where
        the image is large enough, else repeated)."""
        h, w = x.shape[-2:]
        sides = [_round_up(max(side, self.minimum), self.pad_multiple) for side in (h, w)]
        if self.square:
            sides = [max(sides)] * 2
        ph, pw = sides[0] - h, sides[1] - w
        if not (ph or pw):
            return x
        return F.pad(x, (0, pw, 0, ph), mode="reflect" if ph < h and pw < w else "replicate")

    @property
    def receptive_radius(self) -> int:
        """Input pixels each output pixel depends on, each side, measured once by a gradient
        probe (at most :data:`MAX_RADIUS`), rounded up to :attr:`multiple` (tiles then start
        on the network's pixel-unshuffle grid and SwinIR's window grid)."""
        if self._radius is None:
            self._radius = _round_up(probe_radius(self, MAX_RADIUS), self.multiple)
        return self._radius


class SpandrelFaceRestorer(nn.Module):
    """spandrel's face restoration network on faces in [-1, 1], the range GFPGAN and
    RestoreFormer were trained on and their reference inference feeds them (spandrel's own
    GFPGAN call hands it [0, 1] and returns its [-1, 1] output as if it were [0, 1]).
    GFPGAN's StyleGAN2 decoder adds its stored noise maps (``randomize_noise=False``): the
    reference draws fresh noise on every call, so its outputs differ from call to call."""

    def __init__(self, net: nn.Module, network: str) -> None:
        super().__init__()
        self.net, self.network = net, network
        if network == "GFPGAN":
            #: the fast path keeps the default memory format (zoo.inference.fast.fast_copy)
            self.contiguous_only = (
                "GFPGAN reshapes features with view(), which channels_last breaks"
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.network == "GFPGAN":
            return self.net(x, return_rgb=False, randomize_noise=False)[0]
        return self.net(x)[0]


class SpandrelInpainter(nn.Module):
    """spandrel's inpainting network as a zoo inpainting generator: it takes
    ``zoo.masks.masked_input`` in [-1, 1] and gives images in [-1, 1] (spandrel's
    network takes the image and the mask in [0, 1] and pastes its guess into the hole itself).
    The task pads inputs to ``stride`` and ``min_side``."""

    def __init__(self, descriptor: Any) -> None:
        super().__init__()
        self.net = descriptor.model
        self.channels = int(descriptor.input_channels)
        self.stride = int(descriptor.size_requirements.multiple_of)
        self.min_side = _round_up(int(descriptor.size_requirements.minimum), self.stride)
        self._call = descriptor._call_fn
        if any(_uses_fft(m) for m in self.net.modules()):
            #: the fast path keeps it fp32 (zoo.inference.fast.fast_copy)
            self.fp32_only = "torch's FFT (Fourier convolutions) has no bf16 kernels"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.channels
        return self._call(self.net, x[:, :c] * 0.5 + 0.5, x[:, c:]) * 2 - 1


def mirror_to_next_window(x: torch.Tensor, window: int) -> torch.Tensor:
    """``x`` extended at the bottom and right by its mirror image (edge row included) to the
    next multiple of ``window`` above each side, as SwinIR's authors test their models: a
    side that is already a multiple gains a whole window."""
    h, w = x.shape[-2:]
    for dim, side in ((-2, h), (-1, w)):
        target = (side // window + 1) * window
        while x.shape[dim] < target:  # one mirror copy suffices unless the side is tiny
            x = torch.cat([x, x.flip(dim)], dim)
        x = x.narrow(dim, 0, target)
    return x


def _uses_fft(module: nn.Module) -> bool:
    """A Fourier unit (LaMa's ``FourierUnit``): spandrel names them so."""
    return type(module).__name__ == "FourierUnit"


def probe_radius(net: nn.Module, limit: int) -> int:
    """How far from an input pixel (in input pixels) the outputs it moves lie: the output of
    a random input against that of the same input with its centre pixel changed, looked at
    up to ``limit`` pixels each side (``limit`` if it reaches that far). Two forward passes
    without autograd: a gradient probe held every activation of the network at once
    (3.8 GB for RealESRGAN_x4plus), more than the upscale it served."""
    param = next(net.parameters())
    channels = int(getattr(net, "channels", 3))
    side, centre = 2 * limit + 1, limit
    scale = int(getattr(net, "scale", 1))
    training = net.training
    net.eval()  # no batch statistics updated by the probe
    try:
        with torch.no_grad():
            gen = torch.Generator().manual_seed(0)
            x = torch.rand(1, channels, side, side, generator=gen) * 2 - 1
            changed = x.clone()
            changed[..., centre, centre] = -changed[..., centre, centre] - 0.5
            x, changed = x.to(param), changed.to(param)
            moved = (net(changed) - net(x)).abs().sum(dim=(0, 1)) > 0
    finally:
        net.train(training)
    rows, cols = moved.any(dim=1).nonzero() // scale, moved.any(dim=0).nonzero() // scale
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
        "hyperparameters": config_hyperparameters(model, network),
        "scale": int(descriptor.scale),
        "channels": int(descriptor.input_channels),
    }


def config_hyperparameters(model: nn.Module, network: str) -> str:
    """The constructor arguments of spandrel's ``model`` as the JSON a config records. A value
    JSON cannot hold (SwinIR's ``norm_layer=nn.LayerNorm``) is left out where it is the
    constructor's default, which rebuilds it; otherwise the network cannot be a zoo model."""
    defaults = inspect.signature(type(model)).parameters
    values = {}
    for key, value in model.hyperparameters.items():
        try:
            json.dumps(value)
        except TypeError:
            if key in defaults and value is defaults[key].default:
                continue
            raise zoo.WeightsError(
                f"spandrel's {network} network has {key}={value!r}, which a config cannot "
                "record, so the zoo cannot rebuild it"
            ) from None
        values[key] = value
    return json.dumps(values, sort_keys=True)


def detect(path: str | os.PathLike) -> tuple[Any, Any]:
    """(state dict, spandrel's architecture support) of a weights file spandrel recognises,
    or an error naming why not; nothing is built yet."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise zoo.WeightsError(
            f"{path}: spandrel files are {', '.join(SUFFIXES)} (a .pt file may be TorchScript, "
            "whose code the zoo does not run; rename a plain state dict to .pth), and ncnn "
            "models .param with .bin"
        )
    sp = spandrel()
    try:
        state = sp.ModelLoader().load_state_dict_from_file(path)
    except Exception as e:  # spandrel's restricted unpickler refuses what it does not know
        raise zoo.WeightsError(
            f"{path}: spandrel could not read it ({e}); nothing was run"
        ) from None
    support = _support(state)
    if support is None:
        raise zoo.WeightsError(f"{path}: no network spandrel knows has these tensors")
    return state, support


def _support(state: dict[str, torch.Tensor]) -> Any:
    """spandrel's support of the architecture that recognises ``state``, or None."""
    for support in spandrel().MAIN_REGISTRY.architectures("detection"):
        if support.detect(state):
            return support
    return None


def load_ncnn(param: Path, bin: Path) -> Any:
    """spandrel's descriptor of an ncnn model of Real-ESRGAN's networks, its layers named as
    their PyTorch releases name them. The network must compute what the ncnn graph computes
    on a random 16x16 image (to 1e-4), which catches a graph that does more than the network
    (realesr-animevideov3-x2 is the x4 network with a bicubic half-size resize after it)."""
    layers = read_ncnn(param, bin)
    tried = []
    for network, state in ncnn_candidates(layers):
        support = _support(state)
        if support is None:
            tried.append(f"{network}: spandrel does not recognise its tensors")
            continue
        try:
            descriptor = support.architecture.load(state)
            generator = torch.Generator().manual_seed(0)
            x = torch.rand(1, descriptor.input_channels, 16, 16, generator=generator)
            want = run_ncnn(layers, x)
            with torch.no_grad():
                got = descriptor.model.eval()(x)
        except (RuntimeError, ValueError, KeyError) as e:
            tried.append(f"{network}: {str(e).strip().splitlines()[0]}")
            continue
        if got.shape == want.shape and (got - want).abs().max() <= 1e-4 * max(
            1.0, want.abs().max()
        ):
            return descriptor
        difference = (
            f"max difference {(got - want).abs().max():.3g}"
            if got.shape == want.shape
            else f"shape {tuple(got.shape)} against {tuple(want.shape)}"
        )
        tried.append(f"{network} holds its weights but computes something else ({difference})")
    raise zoo.WeightsError(
        f"{param}: not an ncnn model of Real-ESRGAN's RRDBNet or SRVGGNetCompact, the networks "
        "the zoo reads from ncnn"
        + (
            f" ({'; '.join(tried)})"
            if tried
            else f" ({sum(bool(la.weights) for la in layers)} weighted layers fit neither)"
        )
    )


def load_weights_file(path: str | os.PathLike) -> Any:
    """spandrel's descriptor of a weights file (:func:`detect`), built from its tensors."""
    state, support = detect(path)
    try:
        return support.architecture.load(state)
    except (RuntimeError, ValueError, KeyError) as e:  # its tensors do not fit spandrel's net
        first = str(e).strip().splitlines()[0]
        raise zoo.WeightsError(
            f"{path}: spandrel recognises {support.architecture.name} but cannot build it from "
            f"these tensors ({first})"
        ) from None


def read_file(paths: list[str | os.PathLike], purposes: tuple[str, ...] = PURPOSES) -> Any:
    """The spandrel descriptor of one weights file or an ncnn model (``.param`` and
    ``.bin``) of one of ``purposes``, or an error naming why not (a face restoration model,
    for one)."""
    pair = ncnn_pair(paths)
    if pair is None and len(paths) != 1:
        raise zoo.WeightsError(
            f"spandrel reads one weights file (or an ncnn .param and .bin); got {len(paths)}"
        )
    descriptor = load_ncnn(*pair) if pair is not None else load_weights_file(paths[0])
    path = paths[0]
    if descriptor.purpose not in purposes:
        raise zoo.WeightsError(
            f"{path}: spandrel reads it as {descriptor.architecture.name}, a {descriptor.purpose} "
            "model; the zoo bridges super-resolution, restoration and inpainting networks "
            "only so far"
        )
    if descriptor.input_channels != descriptor.output_channels:
        raise zoo.WeightsError(
            f"{path}: {descriptor.input_channels} channels in, {descriptor.output_channels} "
            "out; the zoo's upscalers and inpainters keep the channels"
        )
    return descriptor


class SpandrelBridge:
    """What the bridged architectures share: building the generator (spandrel's network)
    and the discriminator from the config, recognising files, importing one. Subclasses set
    ``purposes`` (spandrel's) and ``wrap`` (the zoo generator around spandrel's descriptor),
    and give :meth:`build_discriminator`."""

    config: Any
    purposes: tuple[str, ...] = PURPOSES

    def __init__(self, config: Any = None, **overrides: Any) -> None:
        super().__init__(config, **overrides)  # type: ignore[call-arg]
        self.generator = self.build_generator()
        self.discriminator = self.build_discriminator()

    def build_discriminator(self) -> nn.Module:
        raise NotImplementedError

    @staticmethod
    def wrap(descriptor: Any) -> nn.Module:
        raise NotImplementedError

    @classmethod
    def serves(cls, network: str) -> bool:
        """Whether files spandrel reads as ``network`` are this architecture's to import."""
        raise NotImplementedError

    def build_generator(self) -> nn.Module:
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
        stated = {k: getattr(c, k) for k in ("scale", "channels") if hasattr(c, k)}
        clash = {k: (found[k], v) for k, v in stated.items() if found[k] != v}
        if clash or descriptor.purpose not in self.purposes:
            raise zoo.ConfigError(
                f"{c.network} with these hyperparameters is a {descriptor.purpose} network"
                + "".join(f", {k}={f}" for k, (f, _) in clash.items())
                + f"; the config says {stated}"
            )
        return self.wrap(descriptor)

    @staticmethod
    def described_size(descriptor: Any) -> dict[str, Any]:
        """Config values about sizes that the file records (face restorers: the face side);
        none by default."""
        return {}

    @classmethod
    def reads_checkpoint(cls, paths: list[str | os.PathLike]) -> bool:
        if ncnn_pair(paths):  # Real-ESRGAN's networks: upscalers; a bad file says why on import
            return cls.serves("ESRGAN")
        if len(paths) != 1 or Path(paths[0]).suffix.lower() not in SUFFIXES:
            return False
        try:  # recognised, not yet built: one that the bridge cannot serve says why on import
            _, support = detect(paths[0])
        except (zoo.WeightsError, zoo.PluginError):
            return False
        return cls.serves(str(support.architecture.id))

    @classmethod
    def from_reference_checkpoint(
        cls, paths: list[str | os.PathLike], overrides: dict[str, Any] | None = None
    ) -> Any:
        descriptor = read_file(paths, cls.purposes)
        found = {**describe(descriptor), **cls.described_size(descriptor)}
        if "scale" not in {f.name for f in dataclasses.fields(cls.Config)}:  # type: ignore
            del found["scale"]  # inpainters and face restorers keep the size
        clash = {k: v for k, v in (overrides or {}).items() if k in found and found[k] != v}
        if clash:
            raise zoo.WeightsError(
                f"{paths[0]}: spandrel reads it as {found['network']} with "
                + ", ".join(f"{k}={found[k]!r} (given: {v!r})" for k, v in clash.items())
                + "; only values the file does not record can be set"
            )
        model = cls(cls.Config.from_dict({**found, **(overrides or {})}))  # type: ignore
        model.generator.net.load_state_dict(descriptor.model.state_dict())
        return model.eval()


def sr_discriminator(config: Any) -> nn.Module:
    """SRGAN's VGG-style discriminator of ``config``'s channels and ``ndf``, initialised
    N(0, 0.02)."""
    discriminator = SRDiscriminator(config.channels, config.ndf)
    init_normal(discriminator)
    return discriminator


class Spandrel(SpandrelBridge, SuperResolutionLoss, zoo.SuperResolutionGAN):
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
    wrap = SpandrelNetwork

    def build_discriminator(self) -> nn.Module:
        return sr_discriminator(self.config)

    @classmethod
    def serves(cls, network: str) -> bool:
        return network not in INPAINTERS and network not in FACE_RESTORERS


class SpandrelInpainting(SpandrelBridge, InpaintingLoss, zoo.InpaintingGAN):
    """An inpainting network spandrel recognises (LaMa), as a zoo inpainter."""

    Config = SpandrelInpaintingConfig
    small_config = {"image_size": 32, "ndf": 4}
    purposes = ("Inpainting",)
    wrap = SpandrelInpainter

    def build_discriminator(self) -> nn.Module:
        """A PatchGAN on (image, mask), initialised N(0, 0.02)."""
        c = self.config
        discriminator = NLayerDiscriminator(c.channels + 1, c.ndf, 3, "batch")
        init_normal(discriminator)
        return discriminator

    @classmethod
    def serves(cls, network: str) -> bool:
        return network in INPAINTERS


@dataclasses.dataclass(frozen=True)
class SpandrelFaceConfig(SuperResolutionLossConfig, zoo.FaceRestorationConfig):
    network: str = zoo.bounded("GFPGAN", doc="spandrel's architecture id (GFPGAN, RestoreFormer)")
    network_class: str = zoo.bounded("GFPGAN", doc="the network class spandrel builds")
    hyperparameters: str = zoo.bounded(
        '{"channel_multiplier": 2, "decoder_load_path": null, "different_w": true, '
        '"fix_decoder": false, "input_is_latent": true, "narrow": 1, "num_mlp": 8, '
        '"num_style_feat": 512, "out_size": 512, "sft_half": true}',
        doc="its constructor arguments (JSON), as spandrel read them off the tensors",
    )
    image_size: int = zoo.bounded(512, 16, 2048, "the face side (the network's out_size)")
    adversarial_weight: float = zoo.bounded(0.1, 0.0, 10.0, "weight of the GAN loss (0: none)")


class SpandrelFace(SpandrelBridge, SuperResolutionLoss, zoo.FaceRestorationGAN):
    """A face restoration network spandrel recognises (GFPGAN v1.3/v1.4's clean
    architecture, RestoreFormer), as a zoo face restorer. spandrel builds these networks at
    one fixed size whatever the tensors say, so the zoo builds them from the config's
    hyperparameters itself."""

    Config = SpandrelFaceConfig
    small_config = {
        "hyperparameters": json.dumps(
            {"out_size": 32, "num_style_feat": 32, "channel_multiplier": 1, "num_mlp": 2,
             "narrow": 0.5, "decoder_load_path": None, "fix_decoder": False,
             "input_is_latent": True, "different_w": True, "sft_half": True}
        ),
        "image_size": 32,
        "ndf": 4,
    }  # fmt: skip
    purposes = ("FaceSR",)

    def build_discriminator(self) -> nn.Module:
        return sr_discriminator(self.config)

    @classmethod
    def serves(cls, network: str) -> bool:
        return network in FACE_RESTORERS

    def build_generator(self) -> nn.Module:
        c = self.config
        if c.network not in FACE_RESTORERS:
            raise zoo.ConfigError(
                f"network={c.network!r}: spandrel-face builds {', '.join(FACE_RESTORERS)}"
            )
        cls = network_class(c.network, c.network_class)
        try:
            hyperparameters = json.loads(c.hyperparameters)
            net = cls(**hyperparameters)
        except (TypeError, ValueError, KeyError) as e:
            raise zoo.ConfigError(f"hyperparameters={c.hyperparameters!r}: {e}") from None
        side = hyperparameters.get(FACE_RESTORERS[c.network], 512)
        if side != c.image_size:
            raise zoo.ConfigError(
                f"image_size={c.image_size}, but this {c.network} restores faces of {side} "
                f"pixels ({FACE_RESTORERS[c.network]} in its hyperparameters)"
            )
        return SpandrelFaceRestorer(net, c.network)

    @staticmethod
    def described_size(descriptor: Any) -> dict[str, Any]:
        """The face side, as spandrel built the network."""
        side = FACE_RESTORERS[str(descriptor.architecture.id)]
        return {"image_size": int(descriptor.model.hyperparameters[side])}

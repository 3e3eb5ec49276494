"""Import generators trained with the reference pix2pix/CycleGAN code
(junyanz/pytorch-CycleGAN-and-pix2pix) into zoo models.

The reference saves one state dict per network (``latest_net_G.pth``, ``latest_net_G_A.pth``,
...). They are read with ``torch.load(weights_only=True)`` (no pickled code runs), their
generator type, channels, width, norm and dropout are read off the tensor names and shapes,
and they load into the zoo's networks, which have the reference's module layout.

* one file (``latest_net_G.pth``, or a CycleGAN test-mode ``latest_net_G_A.pth``): a
  ``pix2pix`` model that translates A -> B (its config records the generator, e.g.
  ``resnet_9blocks``/``instance`` for CycleGAN generators);
* two files (``latest_net_G_A.pth latest_net_G_B.pth``): a ``cyclegan`` model, both ways.

What the files do not record takes the architecture's defaults unless given: the training
crop ``image_size`` (256 in the reference), and dropout in U-Nets (it has no weights).
"""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path
from typing import Any

import torch

from zoo.errors import WeightsError
from zoo.model import GAN
from zoo.registry import get_architecture
from zoo.translation_nets import RESNET_BLOCKS, UNET_DEPTHS, clean_reference_state


def read_reference_state(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """A reference ``.pth`` state dict, loaded safely (tensors only)."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"checkpoint not found: {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError) as exc:
        raise WeightsError(
            f"cannot read {path} as a PyTorch state dict with weights_only=True: {exc}"
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


def _load_generator(net: torch.nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    state = clean_reference_state(state, net)
    expected = net.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    shapes = [k for k in expected if k in state and state[k].shape != expected[k].shape]
    if missing or unexpected or shapes:
        raise WeightsError(
            f"{source} does not fit the inferred generator: missing {missing[:5]}, "
            f"unexpected {unexpected[:5]}, mis-shaped {shapes[:5]}"
        )
    net.load_state_dict(state)


def import_reference(
    paths: list[str | os.PathLike],
    architecture: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> GAN:
    """A zoo model (eval mode) holding the generator(s) in ``paths`` (see the module doc).
    ``overrides``: config values the files do not record (e.g. ``image_size``)."""
    if len(paths) not in (1, 2):
        raise WeightsError(
            f"give one generator file (pix2pix, or one CycleGAN direction) or two "
            f"(CycleGAN G_A and G_B); got {len(paths)}"
        )
    architecture = architecture or ("pix2pix" if len(paths) == 1 else "cyclegan")
    cls = get_architecture(architecture)
    modules = list(cls.directions.values())
    if len(paths) != len(modules):
        raise WeightsError(
            f"{architecture} holds {len(modules)} generator(s) ({', '.join(modules)}); "
            f"got {len(paths)} file(s)"
        )
    states = [read_reference_state(p) for p in paths]
    inferred = [infer_generator_config(s, str(p)) for s, p in zip(states, paths)]
    config = dict(inferred[0])
    if len(inferred) == 2:
        a, b = inferred
        same = {k: a[k] for k in ("generator", "ngf", "norm") if a[k] == b[k]}
        if len(same) < 3 or (a["input_nc"], a["output_nc"]) != (b["output_nc"], b["input_nc"]):
            raise WeightsError(
                f"{paths[0]} and {paths[1]} are not a CycleGAN pair: {a} vs {b} "
                "(G_B must map G_A's output channels back to its input channels)"
            )
    if architecture == "cyclegan" and config["input_nc"] != config["output_nc"]:
        config["lambda_identity"] = 0.0
    config.update(overrides or {})
    model = cls(cls.Config.from_dict(config))
    for name, state, path in zip(modules, states, paths):
        _load_generator(getattr(model, name), state, str(path))
    return model.eval()

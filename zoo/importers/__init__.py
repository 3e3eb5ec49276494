"""Foreign checkpoints into zoo models: ``zoo import-checkpoint`` and :func:`import_checkpoint`.

Two kinds of file come in. State dicts saved with ``torch.save`` (the reference
pix2pix/CycleGAN ``latest_net_G.pth``) are read with ``torch.load(weights_only=True)`` by the
image-to-image architectures (``from_reference_checkpoint``). Plain pickles of whole networks
(StyleGAN2-ADA, StyleGAN3 and R3GAN ``.pkl``) are read as data by :mod:`.pickles`, which runs
nothing inside them, and handed to the installed architecture that recognises them
(``reads_pickle`` / ``from_reference_pickle``, with the reference modules it declares in
``pickle_modules``). ncnn models (a ``.param`` graph and its ``.bin`` weights) are read as
data by :mod:`.ncnn`, for the architecture that names their layers (the spandrel bridge:
Real-ESRGAN's networks).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from zoo.errors import WeightsError
from zoo.importers.ncnn import NcnnLayer, endpoints, ncnn_pair, read_ncnn, run_ncnn
from zoo.importers.pickles import (
    Record,
    describe,
    module_state,
    plain_value,
    read_pickle,
    snapshot_networks,
)
from zoo.models._registry import discover, get_architecture
from zoo.models.base import GAN

__all__ = [
    "NcnnLayer",
    "Record",
    "build_model",
    "endpoints",
    "import_checkpoint",
    "module_state",
    "ncnn_pair",
    "read_ncnn",
    "run_ncnn",
    "plain_value",
    "read_pickle",
    "snapshot_networks",
]


def build_model(
    cls: type[GAN],
    config: dict[str, Any],
    overrides: Mapping[str, Any],
    states: Mapping[str, Mapping[str, torch.Tensor]],
    where: str,
) -> GAN:
    """A model of ``cls`` (eval mode) from a foreign file's ``config`` (read off it) and
    ``overrides`` (values it does not record; one that contradicts the file is an error),
    holding ``states`` (sub-module name -> state dict under the zoo's names, loaded
    strictly: a tensor that does not fit names itself)."""
    clash = {
        k: v
        for k, v in config.items()
        if k in overrides and plain_value(overrides[k]) != plain_value(v)
    }
    if clash:
        raise WeightsError(
            f"{where}: the file records "
            + ", ".join(f"{k}={v!r} (given: {overrides[k]!r})" for k, v in clash.items())
            + "; only values the file does not record can be set"
        )
    model = cls(cls.Config.from_dict({**config, **overrides}))
    for name, state in states.items():
        try:
            model.get_submodule(name).load_state_dict(dict(state), strict=True)
        except RuntimeError as e:
            raise WeightsError(
                f"{where}: its {name} does not fit the config read off it "
                f"({model.config.to_json()}): {e}"
            ) from None
    return model.eval()


def is_network_pickle(path: str | os.PathLike) -> bool:
    """A plain pickle (protocol 2 or later), not a ``torch.save`` file (zip or legacy)."""
    if zipfile.is_zipfile(path):
        return False
    with open(path, "rb") as f:
        head = f.read(16)
    legacy_torch = (
        head.startswith(b"\x80\x02\x8a\x0a")
        and int.from_bytes(head[4:14], "little") == torch.serialization.MAGIC_NUMBER
    )
    return head[:1] == b"\x80" and not legacy_torch


def import_checkpoint(
    paths: list[str | os.PathLike],
    architecture: str | None = None,
    overrides: dict[str, Any] | None = None,
    discriminator: bool = False,
) -> GAN:
    """A zoo model (eval mode) from foreign checkpoint files: one network pickle
    (StyleGAN2-ADA, StyleGAN3, R3GAN; its inference generator ``G_ema``, and with
    ``discriminator`` its ``D`` too), or reference pix2pix/CycleGAN generator state dicts.
    ``architecture``: the one to read them with (default: the installed one that recognises
    them); ``overrides``: config values the files do not record."""
    files = [Path(p) for p in paths]
    if len(files) == 1 and is_network_pickle(files[0]):
        return import_network_pickle(files[0], architecture, overrides, discriminator)
    if discriminator:
        raise WeightsError(
            "--discriminator keeps the discriminator of a network pickle (StyleGAN2-ADA, "
            "StyleGAN3, R3GAN); reference pix2pix/CycleGAN files hold generators only"
        )
    return import_state_dicts(files, architecture, overrides)


def import_network_pickle(
    path: Path,
    architecture: str | None = None,
    overrides: dict[str, Any] | None = None,
    discriminator: bool = False,
) -> GAN:
    """A model from a network pickle, by the architecture that recognises it."""
    readers = {
        name: info.cls
        for name, info in discover().items()
        if info.cls is not None and info.cls.pickle_modules
    }
    if architecture is not None and architecture not in readers:
        get_architecture(architecture)  # unknown or broken: its own error
        raise WeightsError(
            f"{architecture} cannot read network pickles; these can: {', '.join(readers)}"
        )
    chosen = {architecture: readers[architecture]} if architecture else readers
    modules = tuple(m for cls in chosen.values() for m in cls.pickle_modules)
    contents = read_pickle(path, modules)
    fitting = [name for name, cls in chosen.items() if cls.reads_pickle(contents)]
    if not fitting:
        raise WeightsError(
            f"{path}: {'it' if architecture else 'no installed architecture'} does not "
            f"recognise this pickle; it holds {describe(contents)}. Architectures that read "
            f"network pickles: {', '.join(readers) or '(none installed)'}"
        )
    fitting.sort(key=lambda n: readers[n].distribution != "gan-zoo")  # built-ins first
    return readers[fitting[0]].from_reference_pickle(contents, overrides or {}, discriminator)


def _reads_state_dicts(cls: type[GAN]) -> bool:
    """Whether ``cls`` (or a base between it and :class:`GAN`) defines
    ``from_reference_checkpoint``."""
    below = cls.__mro__[: cls.__mro__.index(GAN)]
    return any("from_reference_checkpoint" in vars(k) for k in below)


def import_state_dicts(
    paths: list[Path],
    architecture: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> GAN:
    """A model from state-dict files: one an architecture recognises by its tensors
    (``reads_checkpoint``: the spandrel bridge's networks), or generators saved
    by the reference pix2pix/CycleGAN code: one file (``latest_net_G.pth``, or one CycleGAN
    direction) or two (``latest_net_G_A.pth latest_net_G_B.pth``). ``architecture``: one
    whose class can read them (``from_reference_checkpoint``); by default the one that
    recognises them, else one with as many directions as files (the built-in pix2pix for
    one, cyclegan for two)."""
    from zoo.tasks.image_to_image import ImageToImageGAN

    classes = {name: info.cls for name, info in discover().items() if info.cls is not None}
    if architecture is None:
        recognising = [n for n, c in classes.items() if c.reads_checkpoint(list(paths))]
        if recognising:
            return classes[recognising[0]].from_reference_checkpoint(list(paths), overrides)
    readers = {n: c for n, c in classes.items() if _reads_state_dicts(c)}
    if architecture is None:
        translators = {n: c for n, c in readers.items() if issubclass(c, ImageToImageGAN)}
        fitting = [n for n, c in translators.items() if len(c.directions) == len(paths)]
        if not fitting:
            raise WeightsError(
                f"no installed architecture reads {len(paths)} reference generator file(s); "
                f"give one file (one direction) or two (both directions): "
                f"{', '.join(f'{n} ({len(c.directions)})' for n, c in translators.items())}"
            )
        fitting.sort(key=lambda n: readers[n].distribution != "gan-zoo")  # built-ins first
        architecture = fitting[0]
    elif architecture not in readers:
        get_architecture(architecture)  # unknown or broken: its own error
        raise WeightsError(
            f"{architecture} cannot read reference checkpoints; these can: {', '.join(readers)}"
        )
    return readers[architecture].from_reference_checkpoint(list(paths), overrides)

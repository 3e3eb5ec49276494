"""The user-facing functions: create, load, list."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from zoo.catalog import CatalogEntry, get_entry, load_catalog
from zoo.errors import ConfigError, WeightsError
from zoo.hub import PREFIX, entry_weights, load_from_hub
from zoo.model import GAN
from zoo.registry import get_architecture, list_architectures
from zoo.weights import read_weights

__all__ = ["create", "load", "load_weights_file", "list_models", "list_architectures"]


def list_models() -> list[str]:
    """Names of the trained models in the catalog."""
    return list(load_catalog())


def create(architecture: str, **config: Any) -> GAN:
    """An untrained model of ``architecture`` with ``config`` values (validated)."""
    cls = get_architecture(architecture)
    return cls(cls.Config.from_dict(config))


def load(
    name: str | os.PathLike,
    device: str | torch.device = "cpu",
    weights: str | os.PathLike | None = None,
) -> GAN:
    """A trained model in eval mode.

    ``name`` is a catalog name (``zoo.list_models()``), ``hf-hub:org/name[@revision]`` (a repo
    published with ``zoo push``), a folder holding ``model.safetensors`` (a run folder or a
    ``save_pretrained`` folder), or a ``.safetensors`` file written by the zoo.

    Catalog weights are read from, in order: ``weights`` (an explicit local file); the Hugging
    Face cache at the pinned revision; the copy shipped inside the package; a download at the
    pinned revision. Each is checked against the catalog's sha256.
    """
    if isinstance(name, str) and name.startswith(PREFIX):
        return load_from_hub(name).to(device).eval()
    path = Path(name)
    is_catalog_name = not isinstance(name, os.PathLike) and str(name) in load_catalog()
    if not is_catalog_name and (path.suffix == ".safetensors" or path.exists()):
        model = load_weights_file(weights_file_in(path))
    else:
        model = _load_entry(get_entry(str(name)), weights)
    return model.to(device).eval()


def weights_file_in(path: Path) -> Path:
    if path.is_dir():
        candidate = path / "model.safetensors"
        if not candidate.is_file():
            raise WeightsError(f"{path} holds no model.safetensors (is it a zoo run folder?)")
        return candidate
    return path


def load_weights_file(path: str | os.PathLike, sha256: str | None = None) -> GAN:
    """Rebuild a model from a zoo safetensors file: architecture and config from its header."""
    tensors, meta = read_weights(path, sha256=sha256)
    cls = get_architecture(meta["architecture"])
    model = cls(cls.Config.from_dict(json.loads(meta["config"])))
    model.load_inference_state_dict(tensors)
    return model


def _load_entry(entry: CatalogEntry, weights: str | os.PathLike | None) -> GAN:
    if weights is not None and not Path(weights).is_file():
        raise WeightsError(f"weights file not found: {weights}")
    path = Path(weights) if weights is not None else entry_weights(entry)
    model = load_weights_file(path, sha256=entry.weights.sha256)
    if model.architecture != entry.architecture:
        raise WeightsError(
            f"{path} holds a {model.architecture!r} model but the catalog entry {entry.name!r} "
            f"says {entry.architecture!r}"
        )
    if model.config.to_dict() != type(model.config).from_dict(entry.config).to_dict():
        raise ConfigError(f"{path}: config differs from the catalog entry {entry.name!r}")
    return model

"""The user-facing functions: create, load, list."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from zoo.catalog import CatalogEntry, get_entry, load_catalog
from zoo.errors import ConfigError, WeightsError
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

    ``name`` is a catalog name (``zoo.list_models()``), a run folder written by ``zoo train``,
    or a ``.safetensors`` file written by the zoo. ``weights`` overrides the file used for a
    catalog model; it is still checked against the catalog's sha256.
    """
    path = Path(name)
    is_catalog_name = not isinstance(name, os.PathLike) and str(name) in load_catalog()
    if not is_catalog_name and (path.suffix == ".safetensors" or path.exists()):
        model = load_weights_file(_weights_in(path))
    else:
        model = _load_entry(get_entry(str(name)), weights)
    return model.to(device).eval()


def _weights_in(path: Path) -> Path:
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
    path = Path(weights) if weights is not None else entry.weights.bundled_path()
    if path is None or not path.is_file():
        raise WeightsError(
            f"no weights for {entry.name!r}: not shipped in the package and no local file given"
        )
    model = load_weights_file(path, sha256=entry.weights.sha256)
    if model.architecture != entry.architecture:
        raise WeightsError(
            f"{path} holds a {model.architecture!r} model but the catalog entry {entry.name!r} "
            f"says {entry.architecture!r}"
        )
    if model.config.to_dict() != type(model.config).from_dict(entry.config).to_dict():
        raise ConfigError(f"{path}: config differs from the catalog entry {entry.name!r}")
    return model

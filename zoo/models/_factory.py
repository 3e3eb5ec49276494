"""The one resolver of a name to a model: ``create``, ``load`` (and ``list_models``, re-exported).

``load`` reads, in this order: an existing path (a run or ``save_pretrained`` folder, or a
zoo ``.safetensors`` file); ``hf-hub:org/name[@revision]``; a catalog name. Paths come first,
so a broken or shadowed catalog never stands between a user and their own files.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import torch

from zoo.config import ArchConfig
from zoo.constants import CONFIG_NAME, HUB_PREFIX, WEIGHTS_NAME
from zoo.errors import ConfigError, PluginError, UnknownNameError, WeightsError
from zoo.models._catalog import CatalogEntry, get_entry, load_catalog
from zoo.models._download import (
    download,
    entry_weights,
    evict,
    parse_hub_id,
    read_repo_config,
)
from zoo.models._listing import list_models
from zoo.models._registry import (
    find_architecture,
    get_architecture,
    list_architectures,
)
from zoo.models._weights import read_weights, state_mismatch
from zoo.models.base import GAN

__all__ = ["create", "load", "load_weights_file", "list_models", "list_architectures"]


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

    ``name`` is a folder holding ``model.safetensors`` (a run folder or a ``save_pretrained``
    folder), a ``.safetensors`` file written by the zoo, ``hf-hub:org/name[@revision]`` (a
    repo published with ``zoo push``), or a catalog name (``zoo.list_models()``); an existing
    path wins over a catalog name.

    Catalog weights are read from, in order: ``weights`` (an explicit local file); the Hugging
    Face cache at the pinned revision; the copy shipped inside the package; a download at the
    pinned revision. Each is checked against the catalog's sha256.
    """
    text = os.fspath(name)
    path = Path(text)
    if text.startswith(HUB_PREFIX) and not path.exists():
        model = load_from_hub(text)
    elif _names_a_path(name, path):
        model = load_weights_file(weights_file_in(path))
    else:
        model = load_entry(get_entry(text), weights)
    return model.to(device).eval()


def _names_a_path(name: str | os.PathLike, path: Path) -> bool:
    """A path object, a file, a folder with weights, a .safetensors name, or a folder that is
    no catalog name (so that its error says what the folder lacks)."""
    if isinstance(name, os.PathLike) or path.is_file() or path.suffix == ".safetensors":
        return True
    if (path / WEIGHTS_NAME).is_file():
        return True
    return path.is_dir() and str(name) not in load_catalog()


def weights_file_in(path: Path) -> Path:
    """The weights file of a folder (``model.safetensors``), or ``path`` itself."""
    if path.is_dir():
        candidate = path / WEIGHTS_NAME
        if not candidate.is_file():
            raise WeightsError(f"{path} holds no {WEIGHTS_NAME} (is it a zoo run folder?)")
        return candidate
    return path


#: what building a model from a weights file may allocate beyond the file's own tensors (its
#: networks that are not published, such as discriminators): this many times the tensors'
#: size, and at least MIN_UNPUBLISHED_BYTES; a header cannot make the zoo allocate more
UNPUBLISHED_FACTOR = 8
MIN_UNPUBLISHED_BYTES = 512 * 2**20


def load_weights_file(
    path: str | os.PathLike, sha256: str | None = None, *, pinned: bool = False
) -> GAN:
    """Rebuild a model from a zoo safetensors file: architecture and config from its header,
    checked against the file's tensors before any memory is allocated for the model
    (:func:`check_header_fits`), and scanned for non-finite values (a warning), unless
    ``pinned``: ``sha256`` is a catalog's pin of the file, which the catalog's maintainers
    published (and the header check would import torch's compiler stack, which ``nn.init`` on
    the meta device pulls in)."""
    tensors, meta = read_weights(path, sha256=sha256)
    try:
        cls = get_architecture(meta["architecture"])
    except UnknownNameError:
        if not meta.get("plugin"):
            raise
        raise PluginError(
            f"{path} holds a {meta['architecture']!r} model, an architecture of "
            f"{meta['plugin']}, which is not installed: pip install {meta['plugin']!r}"
        ) from None
    config = cls.Config.from_dict(json.loads(meta["config"]))
    if not (pinned and sha256 is not None):
        check_header_fits(cls, config, tensors, str(path))
        _warn_non_finite(tensors, str(path))
    model = cls(config)
    model.load_inference_state_dict(tensors)
    return model


def _warn_non_finite(tensors: dict[str, torch.Tensor], path: str) -> None:
    bad = [k for k, t in tensors.items() if t.is_floating_point() and not t.isfinite().all()]
    if bad:
        warnings.warn(
            f"{path}: {len(bad)} tensor(s) hold NaN or infinite values ({', '.join(bad[:3])}"
            f"{', ...' if len(bad) > 3 else ''}); the model's outputs will too",
            stacklevel=3,
        )


def check_header_fits(
    cls: type[GAN], config: ArchConfig, tensors: dict[str, torch.Tensor], where: str
) -> None:
    """Refuse a file whose header describes another model than its tensors: the model is
    built on the meta device (shapes, no memory), its published weights must be the file's
    tensors, shape for shape, and the rest of it (its discriminators) stay within
    :data:`UNPUBLISHED_FACTOR` times the file's size. A small file cannot claim a huge model."""
    with torch.device("meta"):
        skeleton = cls(config)
    problems = state_mismatch(skeleton.inference_state_dict(), tensors)
    if problems:
        raise WeightsError(
            f"{where}: its header describes a {cls.architecture or cls.__name__} whose "
            f"weights are not the file's tensors: {problems}"
        )
    size = sum(t.numel() * t.element_size() for t in tensors.values())
    whole = sum(t.numel() * t.element_size() for t in (*skeleton.parameters(), *skeleton.buffers()))
    limit = max(UNPUBLISHED_FACTOR * size, MIN_UNPUBLISHED_BYTES)
    if whole - size > limit:
        raise WeightsError(
            f"{where}: its header's config builds {whole / 2**20:.0f} MiB of networks "
            f"beside {size / 2**20:.1f} MiB of weights in the file (at most "
            f"{limit / 2**20:.0f} MiB allowed); refused before allocating them"
        )


def load_from_hub(spec: str) -> GAN:
    """Rebuild a model from a published repo's config.json and model.safetensors."""
    repo_id, revision = parse_hub_id(spec)
    config = read_repo_config(download(repo_id, CONFIG_NAME, revision), repo_id)
    arch = config["architecture"]
    info = find_architecture(arch)
    if info is None or not info.ok:
        package = config.get("plugin_package") or "the plugin that provides it"
        state = "is not installed" if info is None else f"is unusable ({info.error})"
        raise PluginError(
            f"{repo_id} needs the architecture {arch!r}, which {state}; "
            f"install it with: pip install {package}"
        )
    weights = download(repo_id, WEIGHTS_NAME, revision, config.get("weights_sha256"))
    try:
        model = load_weights_file(weights)
    except (WeightsError, PluginError):
        evict(weights)
        raise
    if model.architecture != arch or model.config.to_dict() != config["config"]:
        evict(weights)
        raise WeightsError(
            f"{WEIGHTS_NAME} of {repo_id}@{revision} does not match its "
            f"{CONFIG_NAME} (architecture {model.architecture!r} vs {arch!r})"
        )
    return model


def load_entry(entry: CatalogEntry, weights: str | os.PathLike | None = None) -> GAN:
    """The model of a catalog entry (eval mode), from ``weights`` or where the entry says."""
    if weights is not None and not Path(weights).is_file():
        raise WeightsError(f"weights file not found: {weights}")
    if weights is None and entry.weights.foreign:  # published elsewhere: converted once
        from zoo.importers.catalog import converted_weights, stated_differences

        path = converted_weights(entry)
        model = load_weights_file(path)
        differ = stated_differences(entry, model.config.to_dict())
    else:
        path = Path(weights) if weights is not None else entry_weights(entry)
        model = load_weights_file(path, sha256=entry.weights.sha256, pinned=weights is None)
        expected = type(model.config).from_dict(entry.config).to_dict()
        differ = "" if model.config.to_dict() == expected else "its config"
    if model.architecture != entry.architecture:
        raise WeightsError(
            f"{path} holds a {model.architecture!r} model but the catalog entry {entry.name!r} "
            f"says {entry.architecture!r}"
        )
    if differ:
        raise ConfigError(f"{path}: config differs from the catalog entry {entry.name!r}: {differ}")
    return model

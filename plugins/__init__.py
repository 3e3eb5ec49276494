"""gan-zoo's built-in architectures. Each is a plugin that imports only ``zoo``'s public API
and is declared in pyproject.toml under the entry-point group ``zoo.architectures``."""

from __future__ import annotations

from pathlib import Path


def catalog_path() -> Path:
    """The built-in catalog: packaged as plugins/registry.yaml, or the repo's registry.yaml."""
    here = Path(__file__).resolve().parent
    packaged = here / "registry.yaml"
    return packaged if packaged.is_file() else here.parent / "registry.yaml"

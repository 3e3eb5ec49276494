"""gan-zoo's built-in architectures, installed as the package ``zoo_builtin`` (never under a
generic top-level name such as ``plugins``, which a user's own folder could shadow). Each is a
plugin that imports only ``zoo``'s public API and is declared in pyproject.toml under the
entry-point group ``zoo.architectures``."""

from __future__ import annotations

from pathlib import Path


def catalog_path() -> Path:
    """The built-in catalog: packaged as zoo_builtin/registry.yaml, or the repository's
    top-level registry.yaml (editable installs)."""
    here = Path(__file__).resolve().parent
    packaged = here / "registry.yaml"
    return packaged if packaged.is_file() else here.parents[1] / "registry.yaml"

"""SNGAN (Miyato et al., 2018) as a gan-zoo plugin: the architecture is in
:mod:`zoo_sngan.model`; this module stays light (no torch), because `zoo list` reads every
installed package's catalog through :func:`catalog_path`."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def catalog_path() -> Path:
    """This package's catalog of trained models (entry point ``zoo.catalogs``)."""
    return Path(__file__).with_name("registry.yaml")


def __getattr__(name: str) -> Any:
    """``zoo_sngan.SNGAN`` (the ``zoo.architectures`` entry point) and the rest of
    :mod:`zoo_sngan.model`, imported when first asked for."""
    if name.startswith("__") or name == "model":
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module("zoo_sngan.model"), name)

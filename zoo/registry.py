"""The architecture registry (``zoo.registry.discover()``, ``refresh()``, ...), re-exported from
:mod:`zoo.models._registry` where it lives."""

from zoo.models._registry import (
    GROUP,
    ArchitectureInfo,
    declared_architectures,
    discover,
    find_architecture,
    get_architecture,
    list_architectures,
    refresh,
)

__all__ = [
    "GROUP",
    "ArchitectureInfo",
    "declared_architectures",
    "discover",
    "find_architecture",
    "get_architecture",
    "list_architectures",
    "refresh",
]

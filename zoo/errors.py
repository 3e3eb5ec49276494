"""Exceptions raised by the zoo. Every message names the bad value and what would be valid."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ZooError(Exception):
    """Base class of every error the zoo raises on purpose."""


class UnknownNameError(ZooError, KeyError):
    """A model or architecture name that is not known."""

    def __init__(self, kind: str, name: str, valid: Iterable[str]) -> None:
        valid = sorted(valid)
        close = difflib.get_close_matches(name, valid, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        listed = ", ".join(valid) if valid else "(none installed)"
        super().__init__(f"unknown {kind} {name!r}.{hint} Known: {listed}.")
        self.name = name
        self.suggestions = close

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class ConfigError(ZooError, ValueError):
    """An invalid configuration value."""


class PluginError(ZooError):
    """A plugin that cannot be loaded, or two plugins claiming one name."""


class CatalogError(ZooError, ValueError):
    """A registry.yaml that does not follow the schema."""


class WeightsError(ZooError):
    """A weights file that is corrupt, mismatched or fails its checksum."""


class ExportError(ZooError):
    """A model that cannot be exported to a format, or an exported file that fails its check."""


class HubError(ZooError):
    """A Hub repo, revision or file that cannot be reached or used."""


class DataError(ZooError, ValueError):
    """A data set that cannot be used: empty, unreadable, wrong layout."""


class CheckpointError(ZooError):
    """A training checkpoint that cannot be resumed."""


class TrainingDivergedError(ZooError):
    """A loss became NaN or infinite."""


class LabelError(ZooError, ValueError):
    """Class labels a conditional model cannot take (unknown class, wrong shape or dtype)."""

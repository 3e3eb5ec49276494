"""The catalog of trained models: ``registry.yaml`` files contributed through the entry-point
group ``zoo.catalogs`` (each entry point names a callable returning the file's path).

Loading is forgiving: a catalog whose entry point, file or schema is broken, and a model name
that two catalogs define, are reported (:func:`catalog_errors`, ``zoo list``) and never hide
the other catalogs' models.

Schema of one entry (``models: {NAME: {...}}``)::

    architecture: dcgan            # a registered architecture
    description: str
    config: {...}                  # the architecture's config values
    dataset: str
    license: str
    weights:
      repo_id: org/name            # Hugging Face Hub repo
      revision: str                # pinned revision
      filename: model.safetensors
      sha256: 64 hex digits
      bundled: package:path        # optional copy shipped inside a Python package
    metrics: {name: number}        # produced by `zoo eval`
    eval: {samples: int, seed: int, tolerance: float}
    training: {command: str, time_s: number, device: str}
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import re
import traceback
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import yaml

from zoo.constants import CATALOGS_GROUP
from zoo.errors import CatalogError, UnknownNameError

GROUP = CATALOGS_GROUP
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_REPO = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclasses.dataclass(frozen=True)
class WeightsRef:
    repo_id: str
    revision: str
    filename: str
    sha256: str
    bundled: str | None = None

    def bundled_path(self) -> Path | None:
        """The shipped copy of the weights inside an installed package, if any."""
        if not self.bundled:
            return None
        package, _, rel = self.bundled.partition(":")
        return Path(str(importlib.resources.files(package).joinpath(rel)))


@dataclasses.dataclass(frozen=True)
class CatalogEntry:
    name: str
    architecture: str
    description: str
    config: dict[str, Any]
    dataset: str
    license: str
    weights: WeightsRef
    metrics: dict[str, float]
    eval: dict[str, Any]
    training: dict[str, Any]
    source: str  # the registry.yaml it came from


_FIELDS: dict[str, type | tuple[type, ...]] = {
    "architecture": str,
    "description": str,
    "config": dict,
    "dataset": str,
    "license": str,
    "weights": dict,
    "metrics": dict,
    "eval": dict,
    "training": dict,
}
_WEIGHT_FIELDS = {"repo_id": str, "revision": str, "filename": str, "sha256": str}


def parse_catalog(text: str, source: str) -> dict[str, CatalogEntry]:
    """Parse and schema-check one registry.yaml; errors name file, entry and field."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{source}: not valid YAML ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("models"), dict):
        raise CatalogError(f"{source}: expected a top-level mapping 'models: {{NAME: entry}}'")
    entries = {}
    for name, raw in doc["models"].items():
        where = f"{source}: model {name!r}"
        if not isinstance(raw, dict):
            raise CatalogError(f"{where}: entry must be a mapping, got {type(raw).__name__}")
        _check_fields(where, raw, _FIELDS)
        weights = raw["weights"]
        optional = frozenset({"bundled"})
        _check_fields(f"{where}, field 'weights'", weights, _WEIGHT_FIELDS, optional)
        if not _HEX64.match(weights["sha256"]):
            raise CatalogError(f"{where}: field 'weights.sha256' must be 64 lowercase hex digits")
        if not _REPO.match(weights["repo_id"]):
            raise CatalogError(
                f"{where}: field 'weights.repo_id' = {weights['repo_id']!r} is not 'org/name'"
            )
        for key, value in raw["metrics"].items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise CatalogError(f"{where}: field 'metrics.{key}' must be a number")
        if "command" not in raw["training"]:
            raise CatalogError(f"{where}: field 'training.command' is missing")
        fields = {k: raw[k] for k in _FIELDS}
        fields["weights"] = WeightsRef(**weights)
        entries[name] = CatalogEntry(name=name, source=source, **fields)
    return entries


def _check_fields(
    where: str, raw: dict, spec: dict, optional: frozenset[str] = frozenset()
) -> None:
    for key, typ in spec.items():
        if key not in raw:
            raise CatalogError(f"{where}: field {key!r} is missing")
        if not isinstance(raw[key], typ):
            raise CatalogError(
                f"{where}: field {key!r} must be a {typ.__name__}, got {type(raw[key]).__name__}"
            )
    unknown = set(raw) - set(spec) - set(optional)
    if unknown:
        raise CatalogError(
            f"{where}: unknown field(s) {', '.join(sorted(unknown))}; "
            f"valid: {', '.join(sorted(set(spec) | set(optional)))}"
        )


@functools.lru_cache(maxsize=1)
def _load() -> tuple[dict[str, CatalogEntry], tuple[str, ...]]:
    entries: dict[str, CatalogEntry] = {}
    errors: list[str] = []
    contested: set[str] = set()
    for ep in entry_points(group=GROUP):
        try:
            path = Path(ep.load()())
            found = parse_catalog(path.read_text(), str(path))
        except Exception as exc:  # a broken catalog must not hide the others
            line = traceback.format_exception_only(type(exc), exc)[-1].strip()
            errors.append(f"catalog {ep.name!r} ({ep.value}) is broken: {line}")
            continue
        for name, entry in found.items():
            if name in entries and entries[name].source != entry.source:
                errors.append(
                    f"model {name!r} is defined twice: in {entries[name].source} and "
                    f"{entry.source}; neither is used"
                )
                contested.add(name)
            entries[name] = entry
    for name in contested:
        del entries[name]
    return dict(sorted(entries.items())), tuple(errors)


def load_catalog() -> dict[str, CatalogEntry]:
    """Every usable catalog entry contributed by the installed distributions."""
    return dict(_load()[0])


def catalog_errors() -> list[str]:
    """What kept catalogs or entries out of :func:`load_catalog`."""
    return list(_load()[1])


def refresh() -> None:
    """Forget the loaded catalogs (after installing a plugin in the running process)."""
    _load.cache_clear()


def get_entry(name: str) -> CatalogEntry:
    catalog = load_catalog()
    if name not in catalog:
        raise UnknownNameError("model", name, catalog)
    return catalog[name]

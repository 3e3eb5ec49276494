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
    license: str                   # a short name (MIT, NVIDIA-SCL-NC, unstated), filterable
    license_note: str              # optional: what the licence means for users, or why unstated
    weights:                       # at least one of bundled and repo_id
      filename: model.safetensors
      sha256: 64 hex digits
      bundled: package:path        # a copy shipped inside a Python package
      repo_id: org/name            # the Hugging Face Hub repo it was published to, with
      revision: 40 hex digits      # the commit (never a branch): `zoo push --catalog` pins it

Weights published elsewhere in another format (``format: network-pickle``: StyleGAN2-ADA,
StyleGAN3, R3GAN ``.pkl``; ``format: state-dict``: a ``.pth``/``.safetensors`` state dict
that an architecture recognises, such as Real-ESRGAN's through the spandrel bridge) are
converted by :mod:`zoo.importers` on first load and cached as zoo safetensors::

    weights:
      format: network-pickle
      filename: network-snapshot.pkl  # as published; in a Hub repo may be a glob ("*.pkl")
      url: https://...                # or repo_id and revision, as above
      sha256: 64 hex digits           # of the published file
      unpinned: str                   # instead of sha256 (and of a commit revision) where
                                      # they cannot be learned: why, and what is checked
    metrics: {name: number}        # produced by `zoo eval`
    eval: {samples: int, seed: int, tolerance: float}
    training: {command: str, time_s: number, device: str}
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import itertools
import re
import traceback
from collections.abc import Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import yaml

from zoo.constants import CATALOGS_GROUP
from zoo.errors import CatalogError, UnknownNameError

GROUP = CATALOGS_GROUP
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_REPO = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


#: formats of weights published by others that :mod:`zoo.importers` converts on first load
FOREIGN_FORMATS = ("network-pickle", "state-dict")


@dataclasses.dataclass(frozen=True)
class WeightsRef:
    filename: str
    sha256: str | None = None
    bundled: str | None = None
    repo_id: str | None = None
    revision: str | None = None
    format: str = "zoo"
    url: str | None = None
    unpinned: str | None = None
    #: the file inside a published zip archive that holds the weights (big-lama.zip's
    #: big-lama/models/best.ckpt); None: the published file is the weights
    member: str | None = None

    @property
    def foreign(self) -> bool:
        """Published in another format: converted into the cache on first load."""
        return self.format != "zoo"

    def bundled_path(self) -> Path | None:
        """The shipped copy of the weights inside an installed package, if any."""
        if not self.bundled:
            return None
        package, _, rel = self.bundled.partition(":")
        return Path(str(importlib.resources.files(package).joinpath(rel)))

    def sources(self) -> list[str]:
        """Where the weights come from, in the order they are read: the shipped copy, then
        the Hub repo at its commit (``zoo info``, ``zoo list``)."""
        found = []
        if self.bundled:
            found.append(f"bundled ({self.bundled})")
        if self.repo_id:
            found.append(f"hub {self.repo_id}@{self.revision}")
        if self.url:
            found.append(self.url)
        if self.member:
            found.append(f"zip: {self.member} inside {self.filename}")
        if self.foreign:
            found.append(f"{self.format}, converted on first load")
        return found


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
    license_note: str = ""


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
_OPTIONAL_FIELDS = {"license_note": str}
_WEIGHT_FIELDS = {"filename": str}
_OPTIONAL_WEIGHT_FIELDS = {
    "sha256": str,
    "bundled": str,
    "repo_id": str,
    "revision": str,
    "format": str,
    "url": str,
    "unpinned": str,
    "member": str,
}


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
        _check_fields(where, raw, _FIELDS, _OPTIONAL_FIELDS)
        weights = raw["weights"]
        _check_weights(where, weights)
        for key, value in raw["metrics"].items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise CatalogError(f"{where}: field 'metrics.{key}' must be a number")
        if "command" not in raw["training"]:
            raise CatalogError(f"{where}: field 'training.command' is missing")
        fields = {k: raw[k] for k in _FIELDS} | {k: raw[k] for k in _OPTIONAL_FIELDS if k in raw}
        fields["weights"] = WeightsRef(**weights)
        entries[name] = CatalogEntry(name=name, source=source, **fields)
    return entries


def _check_weights(where: str, weights: Any) -> None:
    """The ``weights`` block: a sha256, and a shipped copy or a Hub repo pinned to a commit;
    for a foreign format, a Hub repo or a URL, and a sha256 or the reason there is none."""
    _check_fields(f"{where}, field 'weights'", weights, _WEIGHT_FIELDS, _OPTIONAL_WEIGHT_FIELDS)
    fmt = weights.get("format", "zoo")
    if fmt != "zoo":
        _check_foreign_weights(where, weights, fmt)
        return
    if "url" in weights or "unpinned" in weights:
        raise CatalogError(
            f"{where}: 'weights.url' and 'weights.unpinned' are for weights published in "
            f"another format ('weights.format': one of {', '.join(FOREIGN_FORMATS)}); zoo "
            "weights are shipped ('bundled') or on the Hub ('repo_id' at a commit)"
        )
    if "sha256" not in weights:
        raise CatalogError(f"{where}, field 'weights': field 'sha256' is missing")
    if not _HEX64.match(weights["sha256"]):
        raise CatalogError(f"{where}: field 'weights.sha256' must be 64 lowercase hex digits")
    repo, revision = weights.get("repo_id"), weights.get("revision")
    if repo is None and revision is None:
        if "bundled" not in weights:
            raise CatalogError(
                f"{where}: field 'weights' names no source: give 'bundled' (a copy shipped in "
                "a package) or 'repo_id' and 'revision' (a Hub repo at a commit)"
            )
        return
    if not isinstance(repo, str) or not _REPO.match(repo):
        raise CatalogError(f"{where}: field 'weights.repo_id' = {repo!r} is not 'org/name'")
    if not isinstance(revision, str) or not _COMMIT.match(revision):
        raise CatalogError(
            f"{where}: field 'weights.revision' = {revision!r} is not a commit (40 hex "
            "digits): a branch or tag can move, so it would change what the name loads; "
            "`zoo push --catalog` writes the commit of each push"
        )


def _check_foreign_weights(where: str, weights: dict, fmt: str) -> None:
    if fmt not in FOREIGN_FORMATS:
        raise CatalogError(
            f"{where}: 'weights.format' = {fmt!r}; valid: zoo, {', '.join(FOREIGN_FORMATS)}"
        )
    if "bundled" in weights:
        raise CatalogError(
            f"{where}: weights in format {fmt!r} are never shipped ('bundled'); give the "
            "'url' or Hub 'repo_id' they are published at"
        )
    repo, url, revision = weights.get("repo_id"), weights.get("url"), weights.get("revision")
    if (repo is None) == (url is None):
        raise CatalogError(
            f"{where}: weights in format {fmt!r} need exactly one source: 'url' or 'repo_id' "
            "(with 'revision')"
        )
    if url is not None and not url.startswith(("https://", "http://")):
        raise CatalogError(f"{where}: 'weights.url' = {url!r} is not an http(s) URL")
    unpinned = weights.get("unpinned")
    sha = weights.get("sha256")
    if sha is None and not unpinned:
        raise CatalogError(
            f"{where}: give 'weights.sha256' of the published file, or 'weights.unpinned': "
            "why it cannot be pinned and what is checked instead"
        )
    if sha is not None and not _HEX64.match(sha):
        raise CatalogError(f"{where}: field 'weights.sha256' must be 64 lowercase hex digits")
    if repo is not None:
        if not _REPO.match(repo):
            raise CatalogError(f"{where}: field 'weights.repo_id' = {repo!r} is not 'org/name'")
        if not isinstance(revision, str) or not (unpinned or _COMMIT.match(revision)):
            raise CatalogError(
                f"{where}: field 'weights.revision' = {revision!r} is not a commit (40 hex "
                "digits); a branch is allowed only with 'weights.unpinned' saying why"
            )
    elif revision is not None:
        raise CatalogError(f"{where}: 'weights.revision' belongs to a Hub 'repo_id', not a url")
    if "member" in weights and not weights["filename"].endswith(".zip"):
        raise CatalogError(f"{where}: 'weights.member' names a file inside a .zip 'filename'")
    if any(c in weights["filename"] for c in "*?[") and repo is None:
        raise CatalogError(f"{where}: a glob 'weights.filename' needs a Hub repo to list")


def _check_fields(
    where: str, raw: dict, spec: Mapping[str, Any], optional: Mapping[str, Any] | None = None
) -> None:
    optional = optional or {}
    for key in spec:
        if key not in raw:
            raise CatalogError(f"{where}: field {key!r} is missing")
    for key, typ in {**spec, **optional}.items():
        if key in raw and not isinstance(raw[key], typ):
            raise CatalogError(
                f"{where}: field {key!r} must be a {typ.__name__}, got {type(raw[key]).__name__}"
            )
    unknown = set(raw) - set(spec) - set(optional)
    if unknown:
        raise CatalogError(
            f"{where}: unknown field(s) {', '.join(sorted(unknown))}; "
            f"valid: {', '.join(sorted(set(spec) | set(optional)))}"
        )


class _Dumper(yaml.SafeDumper):
    """Block style for mappings, flow style for lists (of numbers, of class names)."""


_Dumper.add_representer(
    list, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)


def write_catalog(path: Path, doc: dict[str, Any]) -> None:
    """Write ``doc`` (``{"models": {...}}``) to the registry.yaml ``path`` as
    ``scripts/ship.py`` and ``zoo push --catalog`` do: the file's leading comment kept,
    entries sorted by name, through a temporary file renamed into place."""
    old = path.read_text().splitlines(keepends=True) if path.exists() else []
    header = "".join(itertools.takewhile(lambda line: line.startswith("#"), old))
    doc = {**doc, "models": dict(sorted(doc["models"].items()))}
    text = header + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=100)
    parse_catalog(text, str(path))  # never write a catalog the zoo would refuse
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def pin_to_hub(path: Path, name: str, repo_id: str, revision: str) -> None:
    """Record in the registry.yaml ``path`` that model ``name`` was published to ``repo_id``
    at the commit ``revision``."""
    doc = yaml.safe_load(path.read_text())
    doc["models"][name]["weights"].update(repo_id=repo_id, revision=revision)
    write_catalog(path, doc)


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

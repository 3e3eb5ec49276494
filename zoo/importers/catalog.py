"""Catalog models published by others in their own format (``weights.format`` other than
``zoo``): downloaded once, converted once into the zoo's cache, loaded as safetensors after.

The converted file lives at ``HF_HOME/gan-zoo/converted/NAME/SHA/model.safetensors``, SHA
being the first 16 hex digits of the published file's sha256, so a file that changes upstream
is converted again rather than mistaken for the old one (for an entry without a pinned
sha256, the file's digest is recorded in ``converted/NAME/source.json`` with its size and
modification time, and computed again only when those change). What is checked: the published
file's sha256 where the entry pins one; always, that the config read off the file equals the
entry's (architecture, resolution, widths, classes ...), so a wrong or swapped file is refused
even where no checksum could be pinned. An entry states the config values that could be
learned about the file (resolution, widths, classes ...); the rest is read off it.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

from zoo.constants import WEIGHTS_NAME
from zoo.errors import HubError, WeightsError
from zoo.importers import import_checkpoint
from zoo.models._catalog import CatalogEntry
from zoo.models._download import source_file, zoo_cache
from zoo.models._registry import get_architecture
from zoo.models._weights import atomic_write_bytes, save_weights, sha256_file


def stated_differences(entry: CatalogEntry, config: dict[str, Any]) -> str:
    """The config values an entry states that ``config`` does not have (a foreign entry
    states what could be learned about the published file; the rest is read off it)."""
    cls = get_architecture(entry.architecture)
    expected = cls.Config.from_dict(entry.config).to_dict()
    differ = [k for k in sorted(entry.config) if expected[k] != config.get(k)]
    return "; ".join(f"{k} {config.get(k)!r} (catalog: {expected[k]!r})" for k in differ)


def converted_path(entry: CatalogEntry, source_sha256: str) -> Path:
    return zoo_cache() / "converted" / entry.name / source_sha256[:16] / WEIGHTS_NAME


def source_digest(entry: CatalogEntry, source: Path) -> str:
    """The sha256 of an unpinned entry's published file: as recorded for the file's current
    size and modification time, or computed (a released pickle takes a second or more) and
    recorded."""
    index = zoo_cache() / "converted" / entry.name / "source.json"
    stat = source.stat()
    identity = {"path": str(source), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    try:
        recorded = json.loads(index.read_text())
        if recorded.get("file") == identity and isinstance(recorded.get("sha256"), str):
            return str(recorded["sha256"])
    except (OSError, ValueError, AttributeError):
        pass  # none yet, or unreadable: computed again
    digest = sha256_file(source)
    index.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(index, json.dumps({"file": identity, "sha256": digest}).encode())
    return digest


def converted_weights(entry: CatalogEntry, progress: bool = True) -> Path:
    """The zoo weights file of a foreign-format catalog entry: from the cache, or downloaded,
    verified and converted now."""
    w = entry.weights
    try:
        source = source_file(entry, progress)
    except HubError as e:
        page = w.url or f"https://huggingface.co/{w.repo_id}"
        file = "FILE" if w.member is None else f"{w.member} (inside {w.filename})"
        raise HubError(
            f"{entry.name}: {e}. Its weights are published at {page}; with the file at "
            f"hand, `zoo import-checkpoint {file} -o DIR` converts it and zoo.load(DIR) loads it"
        ) from None
    digest = w.sha256 or source_digest(entry, source)
    path = converted_path(entry, digest)
    if path.is_file():
        return path
    weights = source if w.member is None else extract_member(source, w.member, path.parent)
    try:
        # the file's own record of its shape must agree with the entry; the rest (class
        # names, training settings) comes from the entry
        model = import_checkpoint([weights], entry.architecture, entry.config)
    finally:
        if weights != source:
            weights.unlink()  # an extracted member: the converted file is what loads
    found = model.config.to_dict()
    differ = stated_differences(entry, found)
    if differ:
        raise WeightsError(
            f"{entry.name}: {source} is not the model the catalog describes: {differ}"
        )
    where = w.url or f"hf-hub:{w.repo_id}@{w.revision}"
    origin = source.name if w.member is None else f"{source.name}/{w.member}"
    save_weights(
        path,
        model.inference_state_dict(),
        entry.architecture,
        found,
        extra={"converted_from": f"{where} {origin}", "source_sha256": digest},
    )
    return path


def extract_member(archive: Path, member: str, folder: Path) -> Path:
    """The file ``member`` of the zip ``archive``, written into ``folder`` under its own
    name (nothing else is extracted; a name with a path in it stays inside ``folder``)."""
    try:
        with zipfile.ZipFile(archive) as z:
            names = z.namelist()
            if member not in names:
                shown = ", ".join(n for n in names if not n.endswith("/"))
                raise WeightsError(f"{archive} has no {member}; it holds: {shown}")
            target = folder / Path(member).name
            folder.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".partial")
            with z.open(member) as src, partial.open("wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
    except zipfile.BadZipFile as e:
        raise WeightsError(f"{archive} is not a zip archive ({e})") from None
    return partial.replace(target)

"""Reads from the Hugging Face Hub, through ``huggingface_hub``.

``hf_hub_download`` at a pinned revision into the standard cache (``HF_HOME``,
``HF_ENDPOINT``, ``HF_HUB_OFFLINE`` and ``HF_TOKEN`` are honoured by the library), then a
sha256 check; a file that fails it is removed from the cache. Building a model from the files
is :mod:`zoo.models._factory`'s job; publishing is :mod:`zoo.models._publish`'s.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from huggingface_hub import constants, hf_hub_download, snapshot_download, try_to_load_from_cache
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    HFValidationError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import validate_repo_id
from tqdm.auto import tqdm

from zoo.constants import CONFIG_NAME, HUB_PREFIX, WEIGHTS_NAME
from zoo.errors import HubError, WeightsError
from zoo.models._catalog import CatalogEntry, get_entry
from zoo.models._weights import sha256_file

PREFIX = HUB_PREFIX
_REV = re.compile(r"^[\w.\-/]+$")


def parse_hub_id(spec: str) -> tuple[str, str]:
    """``hf-hub:org/name[@revision]`` -> (repo_id, revision); revision defaults to main."""
    text = spec[len(PREFIX) :] if spec.startswith(PREFIX) else spec
    repo_id, _, revision = text.partition("@")
    try:
        validate_repo_id(repo_id)
        if repo_id.count("/") != 1:
            raise HFValidationError("expected exactly one '/'")
    except HFValidationError as exc:
        raise HubError(
            f"malformed repo id {repo_id!r} in {spec!r}: expected 'org/name' ({exc})"
        ) from None
    if revision == "" and "@" in text:
        raise HubError(f"{spec!r}: empty revision after '@'; give a branch, tag or commit sha")
    if revision and not _REV.match(revision):
        raise HubError(f"{spec!r}: {revision!r} is not a valid revision")
    return repo_id, revision or "main"


def endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", constants.ENDPOINT)


def download(repo_id: str, filename: str, revision: str, sha256: str | None = None) -> Path:
    """A file of a Hub repo from the cache or the Hub, verified against ``sha256`` if given.
    ``filename`` may be a glob ("*.pkl"): the one file of the repo at ``revision`` it
    matches (listed on the Hub, or found in the cached snapshot offline)."""
    where = f"{filename} of {repo_id}@{revision}"
    with _hub_errors(repo_id, filename, revision):
        if not any(c in filename for c in "*?["):
            path = Path(hf_hub_download(repo_id, filename, revision=revision))
        else:
            folder = Path(snapshot_download(repo_id, revision=revision, allow_patterns=[filename]))
            found = sorted(
                p
                for p in folder.rglob("*")
                if p.is_file() and fnmatch.fnmatchcase(p.relative_to(folder).as_posix(), filename)
            )
            if len(found) != 1:
                names = ", ".join(p.name for p in found) or "none"
                raise HubError(
                    f"{repo_id}@{revision}: {len(found)} files match {filename!r} ({names})"
                )
            path = found[0]
    if sha256 is not None:
        actual = sha256_file(path)
        if actual != sha256:
            evict(path)
            raise WeightsError(
                f"sha256 mismatch for {where}: expected {sha256}, got {actual}; "
                "the download was removed from the cache"
            )
    return path


@contextlib.contextmanager
def _hub_errors(repo_id: str, filename: str, revision: str) -> Iterator[None]:
    """huggingface_hub's exceptions as one :class:`HubError` line each, saying what to do."""
    where = f"{filename} of {repo_id}@{revision}"
    try:
        yield
    except RevisionNotFoundError:
        raise HubError(f"revision {revision!r} not found in {repo_id} ({endpoint()})") from None
    except RepositoryNotFoundError:
        # the Hub says so for a missing repo; some mirrors (olah) for a missing file too
        raise HubError(
            f"{where} not found on {endpoint()}: no such repo (a private one needs HF_TOKEN), "
            f"or it has no {filename} (a zoo repo holds {CONFIG_NAME} and {WEIGHTS_NAME})"
        ) from None
    except LocalEntryNotFoundError:
        if constants.HF_HUB_OFFLINE:
            raise HubError(
                f"{where} is not in the cache ({constants.HF_HUB_CACHE}) and "
                "HF_HUB_OFFLINE=1 forbids downloading it"
            ) from None
        raise HubError(
            f"cannot reach {endpoint()} to download {where}, and it is not in the "
            "cache. Check the network or HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to "
            "use cached and shipped weights only"
        ) from None
    except EntryNotFoundError:
        raise HubError(
            f"{repo_id}@{revision} has no {filename}; a zoo repo holds "
            f"{CONFIG_NAME} and {WEIGHTS_NAME} (published with `zoo push`)"
        ) from None
    except (HfHubHTTPError, OSError) as exc:
        raise HubError(
            f"downloading {where} from {endpoint()} failed: {exc}. Set "
            "HF_HUB_OFFLINE=1 to use cached and shipped weights only"
        ) from None


def evict(path: Path) -> None:
    """Remove a cached file: the snapshot link and the blob it points to."""
    blob = path.resolve()
    path.unlink(missing_ok=True)
    if blob != path:
        blob.unlink(missing_ok=True)


def cached(repo_id: str, filename: str, revision: str) -> Path | None:
    """The cached copy of a file at ``revision``, without touching the network."""
    found = try_to_load_from_cache(repo_id, filename, revision=revision)
    return Path(found) if isinstance(found, str) else None


def entry_weights(entry: CatalogEntry) -> Path:
    """Where to read a catalog model's weights, in this order: the copy shipped inside the
    package; the HF cache at the pinned commit; a download at that commit (unless
    HF_HUB_OFFLINE=1). Every source holds the same bytes (the entry's sha256)."""
    w = entry.weights
    if w.foreign:
        raise WeightsError(
            f"{entry.name} is published as {w.format}, not zoo weights: zoo.load converts it "
            "(zoo.importers.catalog.converted_weights)"
        )
    bundled = w.bundled_path()
    if bundled is not None and bundled.is_file():
        return bundled
    if w.repo_id is None or w.revision is None:
        raise WeightsError(
            f"{entry.name}: the shipped copy of its weights ({w.bundled}) is missing from "
            f"this installation, and {entry.source} names no Hub repo to download them from"
        )
    hit = cached(w.repo_id, w.filename, w.revision)
    if hit is not None and sha256_file(hit) == w.sha256:
        return hit
    return download(w.repo_id, w.filename, w.revision, w.sha256)


def zoo_cache() -> Path:
    """The zoo's own cache beside huggingface_hub's (``HF_HOME/gan-zoo``): files downloaded
    from URLs, and foreign weights converted to safetensors."""
    return Path(constants.HF_HOME) / "gan-zoo"


def download_url(url: str, filename: str, sha256: str | None, progress: bool = True) -> Path:
    """A file from a plain URL, cached under :func:`zoo_cache` by its URL (written to a
    temporary name and renamed when complete), verified against ``sha256`` if given."""
    key = hashlib.sha256(url.encode()).hexdigest()[:16]
    path = zoo_cache() / "downloads" / key / filename
    if path.is_file() and (sha256 is None or sha256_file(path) == sha256):
        return path
    if constants.HF_HUB_OFFLINE:
        raise HubError(
            f"{url} is not in the cache ({path}) and HF_HUB_OFFLINE=1 forbids downloading it"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=30) as response, partial.open("wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(
                total=total, unit="B", unit_scale=True, desc=filename, disable=not progress
            ) as bar:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
    except (urllib.error.URLError, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise HubError(
            f"downloading {url} failed: {getattr(exc, 'reason', exc)}. Without internet, get "
            f"the file elsewhere and import it: zoo import-checkpoint {filename} -o DIR"
        ) from None
    if sha256 is not None and digest.hexdigest() != sha256:
        partial.unlink(missing_ok=True)
        raise WeightsError(
            f"sha256 mismatch for {url}: expected {sha256}, got {digest.hexdigest()}; the "
            "download was removed"
        )
    partial.replace(path)
    return path


def source_file(entry: CatalogEntry, progress: bool = True) -> Path:
    """The published file of a catalog entry in a foreign format: from its URL or Hub repo
    (or the cache), checked against its sha256 where the entry pins one."""
    w = entry.weights
    if w.url is not None:
        return download_url(w.url, w.filename, w.sha256, progress)
    assert w.repo_id is not None and w.revision is not None  # the catalog's schema
    if not any(c in w.filename for c in "*?["):
        hit = cached(w.repo_id, w.filename, w.revision)
        if hit is not None and (w.sha256 is None or sha256_file(hit) == w.sha256):
            return hit
    return download(w.repo_id, w.filename, w.revision, w.sha256)


def pull(spec: str) -> tuple[list[Path], str]:
    """Fetch a catalog model or an ``hf-hub:`` repo into the cache: (its files, what was
    done). A catalog model whose weights ship inside its package needs nothing: its shipped
    file is returned, and nothing is downloaded."""
    if spec.startswith(PREFIX):
        repo_id, revision = parse_hub_id(spec)
        config_path = download(repo_id, CONFIG_NAME, revision)
        config = read_repo_config(config_path, repo_id)
        weights = download(repo_id, WEIGHTS_NAME, revision, config.get("weights_sha256"))
        return [config_path, weights], f"{repo_id}@{revision} is in the cache"
    entry = get_entry(spec)
    path = entry_weights(entry)
    w = entry.weights
    if path == w.bundled_path():
        return [path], f"{spec} ships inside its package: nothing to pull, it loads offline"
    return [path], f"{spec} is in the cache at {w.repo_id}@{w.revision}"


def read_repo_config(path: Path, repo_id: str) -> dict[str, Any]:
    try:
        config = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HubError(f"{CONFIG_NAME} of {repo_id} is not JSON: {exc}") from None
    for key in ("architecture", "config"):
        if key not in config:
            raise HubError(
                f"{CONFIG_NAME} of {repo_id} lacks {key!r}; it was not written by `zoo push`"
            )
    return config

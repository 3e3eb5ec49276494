"""All Hugging Face Hub I/O, through ``huggingface_hub``.

Pull: ``hf_hub_download`` at a pinned revision into the standard cache (``HF_HOME``,
``HF_ENDPOINT``, ``HF_HUB_OFFLINE`` and ``HF_TOKEN`` are honoured by the library), then a
sha256 check; a file that fails it is removed from the cache. Push: ``HfApi.create_repo`` and
``upload_folder`` of a folder written by :func:`save_pretrained`.

A published repo holds ``config.json`` (architecture, config, the plugin package that provides
the architecture, the weights' sha256), ``model.safetensors`` (inference weights only),
``README.md`` (a model card with YAML metadata) and ``sample.png``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from huggingface_hub import HfApi, ModelCard, ModelCardData, constants, hf_hub_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    HFValidationError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import validate_repo_id

from zoo.errors import HubError, PluginError, WeightsError
from zoo.weights import read_weights, save_weights, sha256_file

if TYPE_CHECKING:
    from zoo.catalog import CatalogEntry
    from zoo.model import GAN

PREFIX = "hf-hub:"
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
LIBRARY = "gan-zoo"
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


def _endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", constants.ENDPOINT)


def download(repo_id: str, filename: str, revision: str, sha256: str | None = None) -> Path:
    """A file of a Hub repo from the cache or the Hub, verified against ``sha256`` if given."""
    where = f"{filename} of {repo_id}@{revision}"
    try:
        path = Path(hf_hub_download(repo_id, filename, revision=revision))
    except RevisionNotFoundError:
        raise HubError(f"revision {revision!r} not found in {repo_id} ({_endpoint()})") from None
    except RepositoryNotFoundError:
        # the Hub says so for a missing repo; some mirrors (olah) for a missing file too
        raise HubError(
            f"{where} not found on {_endpoint()}: no such repo (a private one needs HF_TOKEN), "
            f"or it has no {filename} (a zoo repo holds {CONFIG_NAME} and {WEIGHTS_NAME})"
        ) from None
    except LocalEntryNotFoundError:
        if constants.HF_HUB_OFFLINE:
            raise HubError(
                f"{where} is not in the cache ({constants.HF_HUB_CACHE}) and "
                "HF_HUB_OFFLINE=1 forbids downloading it"
            ) from None
        raise HubError(
            f"cannot reach {_endpoint()} to download {where}, and it is not in the "
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
            f"downloading {where} from {_endpoint()} failed: {exc}. Set "
            "HF_HUB_OFFLINE=1 to use cached and shipped weights only"
        ) from None
    if sha256 is not None:
        actual = sha256_file(path)
        if actual != sha256:
            evict(path)
            raise WeightsError(
                f"sha256 mismatch for {where}: expected {sha256}, got {actual}; "
                "the download was removed from the cache"
            )
    return path


def evict(path: Path) -> None:
    """Remove a cached file: the snapshot link and the blob it points to."""
    blob = path.resolve()
    path.unlink(missing_ok=True)
    if blob != path:
        blob.unlink(missing_ok=True)


def cached(repo_id: str, filename: str, revision: str) -> Path | None:
    """The cached copy of a file at ``revision``, without touching the network."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo_id, filename, revision=revision)
    return Path(found) if isinstance(found, str) else None


def entry_weights(entry: CatalogEntry) -> Path:
    """Where to read a catalog model's weights, in this order: the HF cache at the pinned
    revision; the copy shipped inside the package (the same bytes: same sha256); a download
    at the pinned revision (unless HF_HUB_OFFLINE=1)."""
    w = entry.weights
    hit = cached(w.repo_id, w.filename, w.revision)
    if hit is not None and sha256_file(hit) == w.sha256:
        return hit
    bundled = w.bundled_path()
    if bundled is not None and bundled.is_file():
        return bundled
    return download(w.repo_id, w.filename, w.revision, w.sha256)


def pull(spec: str) -> list[Path]:
    """Download a catalog model or an ``hf-hub:`` repo into the cache; returns the files."""
    from zoo.catalog import get_entry

    if spec.startswith(PREFIX):
        repo_id, revision = parse_hub_id(spec)
        config_path = download(repo_id, CONFIG_NAME, revision)
        config = read_repo_config(config_path, repo_id)
        weights = download(repo_id, WEIGHTS_NAME, revision, config.get("weights_sha256"))
        return [config_path, weights]
    entry = get_entry(spec)
    w = entry.weights
    return [download(w.repo_id, w.filename, w.revision, w.sha256)]


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


def load_from_hub(spec: str) -> GAN:
    """Rebuild a model from a published repo's config.json and model.safetensors."""
    from zoo.api import load_weights_file
    from zoo.registry import discover

    repo_id, revision = parse_hub_id(spec)
    config = read_repo_config(download(repo_id, CONFIG_NAME, revision), repo_id)
    arch = config["architecture"]
    info = discover().get(arch)
    if info is None or not info.ok:
        package = config.get("plugin_package") or "the plugin that provides it"
        state = "is not installed" if info is None else f"is broken ({info.error})"
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


# -- push -----------------------------------------------------------------------------------
def save_pretrained(
    model: GAN,
    folder: str | os.PathLike,
    *,
    metrics: dict[str, float] | None = None,
    dataset: str | None = None,
    license: str = "mit",
    training_command: str | None = None,
    description: str = "",
    weights_file: str | os.PathLike | None = None,
) -> Path:
    """Write config.json, model.safetensors, README.md (model card) and sample.png.

    ``weights_file``: publish this zoo weights file byte for byte (e.g. a catalog model's, so
    that the Hub copy keeps the catalog's sha256) instead of re-serialising the model; it must
    hold the model's architecture, config and tensors.
    """
    from zoo import __version__
    from zoo.images import save_grid
    from zoo.registry import discover

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arch = model.architecture
    if weights_file is not None:
        _check_same_model(model, Path(weights_file))
        shutil.copyfile(weights_file, folder / WEIGHTS_NAME)
        digest = sha256_file(folder / WEIGHTS_NAME)
    else:
        digest = save_weights(
            folder / WEIGHTS_NAME, model.inference_state_dict(), arch, model.config.to_dict()
        )
    info = discover().get(arch)
    package = info.distribution.rsplit(" ", 1)[0] if info else None
    config = {
        "library_name": LIBRARY,
        "architecture": arch,
        "config": model.config.to_dict(),
        "plugin_package": package,
        "weights_sha256": digest,
        "zoo_version": __version__,
        "task": model.task,
    }
    (folder / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n")
    if model.task == "unconditional":
        was_training = model.training
        model.eval()
        save_grid(model.sample(64, seed=0).cpu(), folder / "sample.png")
        model.train(was_training)
    card = model_card(
        arch, metrics or {}, dataset, license, training_command, description, package, model.task
    )
    card.save(folder / "README.md")
    return folder


def _check_same_model(model: GAN, path: Path) -> None:
    tensors, meta = read_weights(path)
    state = model.inference_state_dict()
    same = (
        meta["architecture"] == model.architecture
        and json.loads(meta["config"]) == model.config.to_dict()
        and tensors.keys() == state.keys()
        and all(torch.equal(tensors[k], state[k].cpu()) for k in state)
    )
    if not same:
        raise WeightsError(f"{path} does not hold this model's weights; refusing to publish it")


def model_card(
    arch, metrics, dataset, license, command, description, package, task="unconditional"
) -> ModelCard:
    pipeline = "unconditional-image-generation" if task == "unconditional" else "image-to-image"
    data = ModelCardData(
        library_name=LIBRARY,
        license=license,
        tags=["gan", "gan-zoo", arch, pipeline],
        datasets=[dataset] if dataset else None,
        metrics=sorted(metrics) or None,
        pipeline_tag=pipeline,
    )
    data.model_metrics = metrics or None  # values, as measured by `zoo eval`
    data.training_command = command
    rows = "\n".join(f"| {k} | {v:g} |" for k, v in metrics.items())
    body = [
        f"# {arch} ({LIBRARY})\n",
        description + "\n" if description else "",
        "![samples](sample.png)\n" if task == "unconditional" else "",
        '```python\nimport zoo\nmodel = zoo.load("hf-hub:REPO")\n'
        + (
            "images = model.sample(64, seed=0)\n```\n"
            if task == "unconditional"
            else "outputs = model.translate(images)  # (N, C, H, W) in [0, 1], or PIL\n```\n"
        ),
        f"Needs the `{arch}` architecture: `pip install {package or 'gan-zoo'}`.\n",
    ]
    if metrics:
        body.append("## Metrics (`zoo eval`)\n\n| metric | value |\n| --- | --- |\n" + rows + "\n")
    if command:
        body.append(f"## Training\n\n```\n{command}\n```\n")
    return ModelCard(f"---\n{data.to_yaml()}\n---\n\n" + "\n".join(b for b in body if b))


def push(
    model: GAN,
    repo_id: str,
    *,
    private: bool = False,
    revision: str | None = None,
    token: str | None = None,
    commit_message: str | None = None,
    **card: Any,
) -> str:
    """Publish ``model`` to ``repo_id``; returns the commit sha."""
    parse_hub_id(repo_id)
    api = HfApi(token=token)
    with tempfile.TemporaryDirectory() as tmp:
        folder = save_pretrained(model, tmp, **card)
        readme = folder / "README.md"
        readme.write_text(readme.read_text().replace("hf-hub:REPO", f"hf-hub:{repo_id}"))
        try:
            api.create_repo(repo_id, private=private, exist_ok=True)
            if revision and revision != "main":
                api.create_branch(repo_id, branch=revision, exist_ok=True)
            info = api.upload_folder(
                repo_id=repo_id,
                folder_path=folder,
                revision=revision,
                commit_message=commit_message or f"Upload {model.architecture} with gan-zoo",
            )
        except (HfHubHTTPError, OSError) as exc:
            raise HubError(f"pushing to {repo_id} on {_endpoint()} failed: {exc}") from None
    return info.oid

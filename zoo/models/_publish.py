"""Publishing to the Hugging Face Hub: ``save_pretrained`` writes a folder, ``push`` uploads it
with ``HfApi.create_repo`` and ``upload_folder``.

A published repo holds ``config.json`` (architecture, config, the plugin package that provides
the architecture, the weights' sha256), ``model.safetensors`` (inference weights only),
``README.md`` (a model card with YAML metadata) and what the model's task adds (a sample grid
for generators).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from huggingface_hub import HfApi, ModelCard, ModelCardData
from huggingface_hub.errors import HfHubHTTPError

from zoo._version import __version__
from zoo.constants import CARD_NAME, CONFIG_NAME, LIBRARY_NAME, WEIGHTS_NAME
from zoo.errors import HubError, WeightsError
from zoo.models._download import endpoint, parse_hub_id
from zoo.models._weights import read_weights, save_weights, sha256_file

if TYPE_CHECKING:
    from zoo.models.base import GAN

LIBRARY = LIBRARY_NAME


def plugin_package(model: GAN) -> str | None:
    """The distribution that installs ``model``'s class (what ``pip install`` needs), as
    discovery recorded it."""
    return type(model).distribution or None


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
    """Write config.json, model.safetensors, README.md (model card) and the task's picture
    (sample.png for generators).

    ``weights_file``: publish this zoo weights file byte for byte (e.g. a catalog model's, so
    that the Hub copy keeps the catalog's sha256) instead of re-serialising the model; it must
    hold the model's architecture, config and tensors.
    """
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
    package = plugin_package(model)
    config = {
        "library_name": LIBRARY,
        "architecture": arch,
        "config": model.config.to_dict(),
        "plugin_package": package,
        "weights_sha256": digest,
        "zoo_version": __version__,
        "task": model.task.name,
    }
    (folder / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n")
    image = model.task.write_card_image(model, folder)
    card = model_card(
        model, metrics or {}, dataset, license, training_command, description, package, image
    )
    card.save(folder / CARD_NAME)
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
    model: GAN,
    metrics: dict[str, float],
    dataset: str | None,
    license: str,
    command: str | None,
    description: str,
    package: str | None,
    image: str | None = None,
) -> ModelCard:
    """A model card whose YAML metadata the Hub reads (library, task, tags, data, metrics)."""
    arch, pipeline = model.architecture, model.task.pipeline_tag
    data = ModelCardData(
        library_name=LIBRARY,
        license=license,
        tags=[
            "gan",
            "gan-zoo",
            arch,
            pipeline,
            *([model.task.name] if model.task.name != pipeline else []),
        ],
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
        f"![samples]({image})\n" if image else "",
        '```python\nimport zoo\nmodel = zoo.load("hf-hub:REPO")\n' + model.task.usage() + "\n```\n",
        model.task.card_notes(model),
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
        readme = folder / CARD_NAME
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
            raise HubError(f"pushing to {repo_id} on {endpoint()} failed: {exc}") from None
    return info.oid

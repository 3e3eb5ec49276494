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
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from huggingface_hub import EvalResult, HfApi, ModelCard, ModelCardData
from huggingface_hub.errors import HfHubHTTPError

from zoo._version import __version__
from zoo.constants import CARD_NAME, CONFIG_NAME, LIBRARY_NAME, WEIGHTS_NAME
from zoo.errors import HubError, WeightsError
from zoo.models._download import endpoint, parse_hub_id
from zoo.models._weights import read_weights, save_weights, sha256_file

if TYPE_CHECKING:
    from zoo.models.base import GAN

LIBRARY = LIBRARY_NAME


def plugin_requirement(cls: type[GAN]) -> str:
    """What ``pip install`` needs for ``cls``: ``DISTRIBUTION==VERSION`` (written into weights
    files and run.json, so that a missing plugin can be named); "" for classes registered in
    the process."""
    if not cls.distribution:
        return ""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{cls.distribution}=={version(cls.distribution)}"
    except PackageNotFoundError:
        return cls.distribution


def _from_transport(exc: Exception) -> bool:
    """Whether ``exc`` is the HTTP client's (connection refused, timeout): huggingface_hub
    lets those of its transport through, and they subclass nothing of the standard library."""
    return type(exc).__module__.split(".")[0] in ("httpx", "httpx2", "httpcore", "requests")


def plugin_extra(model: GAN) -> dict[str, str]:
    """Weights-file metadata naming what ``pip install`` needs for ``model``'s class."""
    requirement = plugin_requirement(type(model))
    return {"plugin": requirement} if requirement else {}


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
    name: str | None = None,
    eval: dict[str, Any] | None = None,
    training: dict[str, Any] | None = None,
    license_note: str = "",
) -> Path:
    """Write config.json, model.safetensors, README.md (model card) and the task's picture
    (sample.png for generators).

    ``name``, ``eval`` and ``training``: the model's name, the protocol of ``metrics`` (data,
    split, samples, seed) and the training block (command, time_s, device, note) for the
    card. ``weights_file``: publish this zoo weights file byte for byte (e.g. a catalog model's, so
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
            folder / WEIGHTS_NAME,
            model.inference_state_dict(),
            arch,
            model.config.to_dict(),
            extra=plugin_extra(model),
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
        "license": license,  # as given (the card maps it to a Hub licence id)
    }
    if license_note:
        config["license_note"] = license_note
    (folder / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n")
    data = (eval or {}).get("data") or (dataset.split()[0] if dataset else "")
    image = model.task.write_card_image(model, folder, data)
    card = model_card(
        model,
        metrics or {},
        dataset,
        license,
        training_command,
        description,
        package,
        image,
        name=name,
        eval=eval,
        training=training,
        license_note=license_note,
    )
    card.save(folder / CARD_NAME)
    return folder


def _check_same_model(model: GAN, path: Path) -> None:
    tensors, meta = read_weights(path)
    state = model.inference_state_dict()
    same = (
        meta["architecture"] == model.architecture
        # through the config class: a file written before a field existed holds its default
        and type(model.config).from_dict(json.loads(meta["config"])) == model.config
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
    *,
    name: str | None = None,
    eval: dict[str, Any] | None = None,
    training: dict[str, Any] | None = None,
    license_note: str = "",
) -> ModelCard:
    """A model card the Hub understands: YAML metadata (library, pipeline tag, tags, licence,
    data, and the metrics as a ``model-index`` with their evaluation protocol), then usage,
    intended use and limitations, training data with credit, the training command and time,
    and the task's picture. ``eval``: the protocol of ``metrics`` (data, split, samples,
    seed); ``training``: the catalog's training block (command, time_s, device, note)."""
    arch, pipeline, task = model.architecture, model.task.pipeline_tag, model.task.name
    training = dict(training or {})
    command = command or training.get("command")
    protocol = dict(eval or {})
    licence = hub_license(license)
    data = ModelCardData(
        library_name=LIBRARY,
        license=licence["license"],
        license_name=licence.get("license_name"),
        tags=["gan", "gan-zoo", arch, pipeline, *([task] if task != pipeline else [])],
        datasets=[dataset] if dataset else None,
        metrics=sorted(metrics) or None,
        pipeline_tag=pipeline,
        model_name=name or arch,
        eval_results=eval_results(model, metrics, dataset, protocol) or None,
        model_metrics=metrics or None,  # values, as measured by `zoo eval`
        training_command=command,
    )
    body = [
        f"# {name or arch} ({LIBRARY})\n",
        description + "\n" if description else "",
        f"![{model.task.name}]({image})\n" if image else "",
        '```python\nimport zoo\nmodel = zoo.load("hf-hub:REPO")\n' + model.task.usage() + "\n```\n",
        f"Needs the `{arch}` architecture: `pip install {package or 'gan-zoo'}`.\n",
        _intended_use(model, dataset),
        _training_data(model, dataset, protocol),
    ]
    if metrics:
        rows = "\n".join(f"| {k} | {v:g} |" for k, v in metrics.items())
        body.append(
            f"## Metrics (`zoo eval`)\n\n{_protocol_text(model, protocol)}\n\n"
            "| metric | value |\n| --- | --- |\n" + rows + "\n"
        )
    if command:
        body.append("## Training\n\n" + _training_text(command, training))
    if license_note or licence["license"] == "other":
        body.append(
            f"## Licence\n\n{license}" + (f": {license_note}" if license_note else "") + "\n"
        )
    return ModelCard(f"---\n{data.to_yaml()}\n---\n\n" + "\n".join(b for b in body if b))


#: licence ids the Hub's card metadata knows, as the catalog may spell them
HUB_LICENSES = (
    "mit", "apache-2.0", "bsd-2-clause", "bsd-3-clause", "cc0-1.0", "cc-by-4.0",
    "cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0", "gpl-3.0", "lgpl-3.0", "openrail",
    "other", "unknown",
)  # fmt: skip


def hub_license(license: str) -> dict[str, str]:
    """Card metadata for ``license``: a Hub licence id, or ``other`` with the name (the
    NVIDIA Source Code License, an unstated licence ...)."""
    key = license.strip().lower()
    if key in HUB_LICENSES:
        return {"license": key}
    return {"license": "other", "license_name": re.sub(r"[^a-z0-9.]+", "-", key).strip("-")}


def eval_results(
    model: GAN, metrics: dict[str, float], dataset: str | None, protocol: dict[str, Any]
) -> list[EvalResult]:
    """``metrics`` as the Hub's model-index entries, each with its evaluation protocol."""
    data = protocol.get("data") or dataset or "unknown"
    args: dict[str, Any] = {k: protocol[k] for k in ("samples", "seed") if k in protocol}
    extractor = _extractor(protocol.get("data"))
    if extractor:
        args["extractor"] = extractor
    return [
        EvalResult(
            task_type=model.task.pipeline_tag,
            task_name=model.task.name,
            dataset_type=data,
            dataset_name=dataset or data,
            dataset_split=protocol.get("split", "all"),
            metric_type=key,
            metric_name=key,
            metric_value=value,
            metric_args=args or None,
            metric_config="zoo eval",
        )
        for key, value in metrics.items()
    ]


def _extractor(data: str | None) -> str | None:
    """The feature extractors of a registered data source (FID and the classifier metrics)."""
    from zoo.data.sources import get_source, is_source

    data = _source_name(data)
    if data and is_source(data):
        return ", ".join(get_source(data).features) or None
    return None


def _source_name(data: str | None) -> str | None:
    """``mnist:test`` -> ``mnist`` (the data source of a split)."""
    return data.partition(":")[0] if data else data


def _intended_use(model: GAN, dataset: str | None) -> str:
    seen = f"`{dataset}`" if dataset else "its training data"
    return (
        "## Intended use and limitations\n\n"
        f"For research, teaching and demos of {model.task.name} with GANs, on images like "
        f"{seen}. It knows nothing beyond that data: inputs from another domain give "
        "meaningless results, and its samples can resemble training images. Trained at small "
        "scale on CPUs; its metrics are measured in the zoo's own feature spaces (see "
        "docs/metrics.md of gan-zoo) and compare models of the zoo with each other and with "
        "real data, not with published Inception-based figures.\n"
    )


def _training_data(model: GAN, dataset: str | None, protocol: dict[str, Any]) -> str:
    from zoo.data.sources import get_source, is_source

    if not dataset:
        return ""
    source = _source_name(protocol.get("data"))
    licence = get_source(source).license if source and is_source(source) else ""
    text = f"## Training data\n\n`{dataset}`" + (f" (data licence: {licence})" if licence else "")
    return text + ".\n\n" + model.task.card_notes(model).rstrip("\n") + "\n"


def _protocol_text(model: GAN, protocol: dict[str, Any]) -> str:
    parts = [f"`zoo eval` on {protocol.get('data', 'the default data')}"]
    if "split" in protocol:
        parts.append(f"split {protocol['split']}")
    if "samples" in protocol:
        parts.append(f"{protocol['samples']} samples or images")
    if "seed" in protocol:
        parts.append(f"seed {protocol['seed']}")
    extractor = _extractor(protocol.get("data"))
    if extractor:
        parts.append(f"features: {extractor}")
    return ", ".join(parts) + "."


def _training_text(command: str, training: dict[str, Any]) -> str:
    facts = []
    if "time_s" in training:
        seconds = float(training["time_s"])
        facts.append(f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s")
    if "steps" in training:
        facts.append(f"{training['steps']} steps")
    if "device" in training:
        facts.append(str(training["device"]))
    text = f"```\n{command}\n```\n"
    if facts:
        text += "\n" + ", ".join(facts) + ".\n"
    if training.get("note"):
        text += "\n" + str(training["note"]) + "\n"
    return text


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
        except Exception as exc:
            if not isinstance(exc, (HfHubHTTPError, OSError)) and not _from_transport(exc):
                raise
            raise HubError(f"pushing to {repo_id} on {endpoint()} failed: {exc}") from None
    return info.oid

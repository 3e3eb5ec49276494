"""`zoo push`: publish a model to the Hugging Face Hub."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zoo.models._catalog import CatalogEntry
    from zoo.models.base import GAN


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "push",
        help="publish a model to the Hugging Face Hub",
        description="Upload config.json, model.safetensors (inference weights only), a model "
        "card (README.md) and the task's picture (sample.png for generators) to --repo with "
        "huggingface_hub. With --catalog --org ORG, publish every model of a catalog to "
        "ORG/NAME and pin each registry.yaml entry to the commit its push created. The "
        "endpoint is HF_ENDPOINT, the token HF_TOKEN.",
    )
    p.add_argument(
        "source", nargs="?", help="run folder, saved folder, .safetensors file or catalog name"
    )
    p.add_argument("--repo", help="target repo id, org/name")
    p.add_argument(
        "--catalog",
        action="store_true",
        help="publish every model of --registry to --org, one repo each, and write the "
        "commits into that file (for maintainers: run it from a clone of the repository)",
    )
    p.add_argument("--org", help="with --catalog: the Hub organisation (or user) to push to")
    p.add_argument(
        "--registry",
        type=Path,
        default=None,
        help="with --catalog: the registry.yaml to publish and rewrite (default: gan-zoo's "
        "own catalog)",
    )
    p.add_argument("--private", action="store_true", help="create the repo as private")
    p.add_argument("--revision", default=None, help="branch to push to (created if missing)")
    p.add_argument("--message", default=None, help="commit message")
    p.add_argument(
        "--license",
        default=None,
        help="license for the model card (default: the one a saved folder records, e.g. an "
        "imported model's; else mit)",
    )
    p.add_argument(
        "--eval",
        action="store_true",
        help="measure the model with `zoo eval` and put the metrics in the card",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import zoo
    from zoo.errors import ConfigError
    from zoo.metrics.protocol import evaluation_data
    from zoo.models._catalog import load_catalog
    from zoo.models._download import parse_hub_id
    from zoo.models._factory import weights_file_in
    from zoo.train.run import read_run_info

    if args.catalog:
        return run_catalog(args)
    if args.source is None or args.repo is None or args.org or args.registry:
        raise ConfigError(
            "push needs SOURCE and --repo (one model), or --catalog and --org (--registry "
            "optional) to publish a catalog"
        )
    parse_hub_id(args.repo)  # a malformed --repo fails before any work
    card: dict[str, Any] = {}
    entry = load_catalog().get(str(args.source))
    source_path = Path(args.source)
    model = zoo.load(args.source)
    if entry is not None and not source_path.exists():
        card = entry_card(model, entry)
    else:
        card["weights_file"] = weights_file_in(source_path)
        card |= folder_license(source_path)
        info = read_run_info(source_path) if source_path.is_dir() else None
        if info is not None:
            card.update(dataset=info.get("data"), training_command=info.get("command"))
            facts = {
                "time_s": info.get("train_time_s"),
                "steps": info.get("step"),
                "device": info.get("device"),
            }
            card["training"] = {k: v for k, v in facts.items() if v is not None}
        if args.eval:
            from zoo.tasks import EvalRequest

            data = evaluation_data(model, str(args.source), None, None)
            card["metrics"] = model.task.evaluate(model, EvalRequest(data))["metrics"]
            card["eval"] = {"data": data, "samples": 1000, "seed": 0}
    if args.license:
        card["license"] = args.license
    sha = model.push_to_hub(
        args.repo, private=args.private, revision=args.revision, commit_message=args.message, **card
    )
    print(
        f"pushed {args.source} to {args.repo} (commit {sha}); load it with "
        f"zoo.load('hf-hub:{args.repo}@{sha}')"
    )
    return 0


def folder_license(source: Path) -> dict[str, str]:
    """The licence (and its note) that a folder written by ``save_pretrained`` records in its
    config.json (an imported model's, e.g. NVIDIA-SCL-NC), so that pushing it keeps them."""
    from zoo.constants import CONFIG_NAME

    try:
        meta = json.loads((source / CONFIG_NAME).read_text())
    except (OSError, ValueError):
        return {}
    found = {k: meta.get(k) for k in ("license", "license_note")}
    return {k: str(v) for k, v in found.items() if isinstance(v, str) and v}


def run_catalog(args: argparse.Namespace) -> int:
    """`zoo push --catalog --org ORG [--registry FILE]`."""
    from zoo.errors import ConfigError
    from zoo.models._download import parse_hub_id

    extra = args.source is not None or args.repo or args.revision or args.license or args.eval
    if extra or not args.org:
        raise ConfigError(
            "push --catalog takes --org ORG, and optionally --registry FILE and --private; "
            "no SOURCE, --repo, --revision, --license or --eval: each model goes to ORG/NAME "
            "with the card its catalog entry describes"
        )
    parse_hub_id(f"{args.org}/probe")  # a malformed --org fails before any work
    registry = args.registry or default_registry()
    if not registry.is_file():
        raise ConfigError(f"--registry {registry}: no such file")
    published = publish_catalog(registry, args.org, private=args.private)
    for name, repo_id, sha in published:
        print(f"{name}: {repo_id}@{sha}")
    print(f"pushed {len(published)} model(s) to {args.org}; {registry} pins each to its commit")
    return 0


def default_registry() -> Path:
    """gan-zoo's own catalog file (the repository's registry.yaml in a clone), as its
    ``zoo.catalogs`` entry point names it."""
    from importlib.metadata import entry_points

    from zoo.constants import CATALOGS_GROUP

    (ep,) = entry_points(group=CATALOGS_GROUP, name="gan-zoo")
    return Path(ep.load()())


def entry_card(model: GAN, entry: CatalogEntry) -> dict[str, Any]:
    """The model card of a catalog entry: its metrics, data, licence, training and the
    shipped weights file (uploaded byte for byte, so the catalog's sha256 holds)."""
    from zoo.metrics.protocol import evaluation_data
    from zoo.models._download import entry_weights

    if entry.weights.foreign:  # the converted copy in the cache
        from zoo.importers.catalog import converted_weights

        weights = converted_weights(entry)
    else:
        weights = entry_weights(entry)

    return {
        "metrics": entry.metrics,
        "dataset": entry.dataset,
        "license": entry.license,
        "license_note": entry.license_note,
        "training_command": entry.training["command"],
        "description": entry.description,
        "name": entry.name,
        "eval": {"data": evaluation_data(model, entry.name, entry, None), **entry.eval},
        "training": entry.training,
        "weights_file": weights,
    }


def publish_catalog(
    registry: Path, org: str, *, private: bool = False, progress: bool = True
) -> list[tuple[str, str, str]]:
    """Push every model of the catalog file ``registry`` to ``ORG/NAME`` (weights, config,
    card, picture) and pin each entry in that file to the commit its push created, entry by
    entry, so that a failure keeps the pins already made. Returns (name, repo, commit)."""
    from tqdm.auto import tqdm

    from zoo.models._catalog import parse_catalog, pin_to_hub, refresh
    from zoo.models._factory import load_entry
    from zoo.models._publish import push

    entries = parse_catalog(registry.read_text(), str(registry))
    # weights others publish in their own format are theirs to publish: never re-uploaded
    entries = {n: e for n, e in entries.items() if not e.weights.foreign}
    published = []
    for name, entry in tqdm(entries.items(), unit="model", disable=not progress):
        repo_id = f"{org}/{name}"
        model = load_entry(entry)
        sha = push(
            model,
            repo_id,
            private=private,
            commit_message=f"Publish {name} from the gan-zoo catalog",
            **entry_card(model, entry),
        )
        pin_to_hub(registry, name, repo_id, sha)
        published.append((name, repo_id, sha))
    refresh()
    return published

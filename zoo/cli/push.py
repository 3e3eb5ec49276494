"""`zoo push`: publish a model to the Hugging Face Hub."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "push",
        help="publish a model to the Hugging Face Hub",
        description="Upload config.json, model.safetensors (inference weights only), a model "
        "card (README.md) and the task's picture (sample.png for generators) to --repo with "
        "huggingface_hub. The endpoint is HF_ENDPOINT, the token HF_TOKEN.",
    )
    p.add_argument("source", help="run folder, saved folder, .safetensors file or catalog name")
    p.add_argument("--repo", required=True, help="target repo id, org/name")
    p.add_argument("--private", action="store_true", help="create the repo as private")
    p.add_argument("--revision", default=None, help="branch to push to (created if missing)")
    p.add_argument("--message", default=None, help="commit message")
    p.add_argument("--license", default=None, help="license for the model card (default mit)")
    p.add_argument(
        "--eval",
        action="store_true",
        help="measure the model with `zoo eval` and put the metrics in the card",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import zoo
    from zoo.metrics.protocol import evaluation_data
    from zoo.models._catalog import load_catalog
    from zoo.models._download import entry_weights, parse_hub_id
    from zoo.models._factory import weights_file_in
    from zoo.train.run import read_run_info

    parse_hub_id(args.repo)  # a malformed --repo fails before any work
    card: dict[str, Any] = {}
    entry = load_catalog().get(str(args.source))
    source_path = Path(args.source)
    model = zoo.load(args.source)
    if entry is not None and not source_path.exists():
        card = {
            "metrics": entry.metrics,
            "dataset": entry.dataset,
            "license": entry.license,
            "training_command": entry.training["command"],
            "description": entry.description,
            "name": entry.name,
            "eval": {"data": evaluation_data(model, entry.name, entry, None), **entry.eval},
            "training": entry.training,
            "weights_file": entry_weights(entry),  # byte for byte: keeps the catalog's sha256
        }
    else:
        card["weights_file"] = weights_file_in(source_path)
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

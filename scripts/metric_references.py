"""Print the reference figures of docs/metrics.md: real digits (the ceiling), untrained
generators of each shipped unconditional model's architecture and config (the floor), and
the shipped models, all measured as `zoo eval` measures them.

    python scripts/metric_references.py
"""

from __future__ import annotations

import torch

import zoo
from zoo.metrics.classifier import mnist_real
from zoo.metrics.generation import evaluate, image_metrics, real_vs_real

COLUMNS = ["fid", "kid", "is", "precision", "recall", "confidence", "classes_covered",
           "class_balance"]  # fmt: skip


def row(label: str, metrics: dict) -> str:
    return f"| {label} | " + " | ".join(f"{metrics[c]:g}" for c in COLUMNS) + " |"


def main() -> None:
    print(
        "| images (1,000 unless noted), against the 5,000 real digits | "
        + " | ".join(COLUMNS)
        + " |"
    )
    print("| --- |" + " --- |" * len(COLUMNS))
    images, _ = mnist_real("all")
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    print(row("real vs real: one half (2,500) against the other", real_vs_real()))
    print(row("real: 1,000 random digits", image_metrics(images[order[:1000]])["metrics"]))
    held_out = mnist_real("test")[0]
    print(row("real: the classifier's 1,000 held-out digits", image_metrics(held_out)["metrics"]))
    unconditional = [n for n in zoo.list_models() if zoo.load(n).task.name == "unconditional"]
    for name in unconditional:
        model = zoo.load(name)
        torch.manual_seed(0)
        untrained = type(model)(model.config).eval()
        print(row(f"untrained {name} generator", evaluate(untrained, progress=False)["metrics"]))
    for name in unconditional:
        print(row(f"**{name}**", evaluate(zoo.load(name), progress=False)["metrics"]))


if __name__ == "__main__":
    main()

"""Print the reference figures of docs/metrics.md: real digits (the ceiling) and untrained
generators of each shipped model's architecture and config (the floor).

    python scripts/metric_references.py
"""

from __future__ import annotations

import torch

import zoo
from zoo.classifier import mnist_real
from zoo.metrics import evaluate, image_metrics

COLUMNS = ["confidence", "classes_covered", "class_balance", "digit_is", "digit_fd"]


def row(label: str, metrics: dict) -> str:
    return f"| {label} | " + " | ".join(f"{metrics[c]:g}" for c in COLUMNS) + " |"


def main() -> None:
    print("| images (1,000 unless noted) | " + " | ".join(COLUMNS) + " |")
    print("| --- |" + " --- |" * len(COLUMNS))
    test, _ = mnist_real("test")
    print(row("real: the 1,000 held-out digits", image_metrics(test)["metrics"]))
    images, _ = mnist_real("all")
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    print(row("real: 1,000 random training digits", image_metrics(images[order[:1000]])["metrics"]))
    print(
        row("real: 2,500 digits (half of the set)", image_metrics(images[order[:2500]])["metrics"])
    )
    for name in zoo.list_models():
        model = zoo.load(name)
        torch.manual_seed(0)
        untrained = type(model)(model.config).eval()
        print(row(f"untrained {name} generator", evaluate(untrained, progress=False)["metrics"]))
    for name in zoo.list_models():
        print(row(f"**{name}**", evaluate(zoo.load(name), progress=False)["metrics"]))


if __name__ == "__main__":
    main()

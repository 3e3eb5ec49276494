"""Pictures of measurements: class histograms and evaluation curves (matplotlib, headless)."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot_class_histogram(hist: list[int], path: str | os.PathLike, title: str) -> Path:
    """A bar chart of how many samples fall in each digit class, with the uniform share."""
    path = Path(path)
    fig, ax = plt.subplots(figsize=(5, 3), dpi=120)
    ax.bar(range(len(hist)), hist, color="#4c72b0")
    ax.axhline(sum(hist) / len(hist), color="grey", linestyle="--", label="uniform")
    ax.set_xticks(range(len(hist)))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("samples")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_curves(records: list[dict], path: str | os.PathLike, title: str) -> Path:
    """One panel per metric against the training step (``records``: {"step", metrics...})."""
    path = Path(path)
    names = [k for k in records[0] if k != "step"]
    cols = min(3, len(names))
    rows = (len(names) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), dpi=110, squeeze=False)
    steps = [r["step"] for r in records]
    for ax, name in zip(axes.flat, names):
        ax.plot(steps, [r[name] for r in records], marker="o", markersize=3)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("step", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path

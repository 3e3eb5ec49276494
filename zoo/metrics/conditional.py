"""Metrics of class-conditional generators, against the real test split of a labelled source.

For ``samples`` images (``samples // classes`` per class, the same codes for every class,
drawn with ``seed``, exact fp32):

* ``label_accuracy``: the share of samples of class c that the source's classifier (trained
  on the real training split) reads as c, averaged over classes; ``label_accuracy_min`` the
  worst class; ``real_label_accuracy`` the same classifier on the real test images (the
  ceiling); ``worst_class_gap`` the largest shortfall of a class against the classifier's
  real-test accuracy on that class;
* ``intra_fid``: FID within each class (its samples against the real test images of that
  class), averaged over classes;
* the unconditional figures (:func:`zoo.metrics.generation.image_metrics`) of ``samples``
  images of classes drawn as ``sample()`` draws them (the training data's class frequencies,
  or uniformly for a model without ``class_weights``): FID, KID, IS, precision, recall, class
  balance.

Per-class figures are in the result's ``per_class``. :func:`references` measures the real
training images (in place of samples) and an untrained generator the same way.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import torch
from tqdm.auto import tqdm

from zoo.data.images import split_source
from zoo.data.sources import DataSource, get_source, list_sources
from zoo.errors import ConfigError
from zoo.metrics.classifier import CLASSIFIERS
from zoo.metrics.fidelity import frechet_distance
from zoo.metrics.generation import class_probabilities, image_metrics

if TYPE_CHECKING:
    from zoo.tasks.conditional import ConditionalGAN

#: the real images samples are measured against
EVAL_SPLIT = "test"


def check_data(data: str) -> DataSource:
    """``data`` as a labelled source whose classifier the zoo has; a clear error otherwise."""
    source = get_source(split_source(data)[0], "images")
    if not source.classes or not source.features or source.features[0] not in CLASSIFIERS:
        usable = [
            n
            for n in list_sources("images")
            if get_source(n).classes and get_source(n).features[:1] in [(c,) for c in CLASSIFIERS]
        ]
        raise ConfigError(
            f"conditional metrics need labelled real images and a classifier that knows them; "
            f"{data!r} has none. Use one of {', '.join(usable)}"
        )
    return source


@functools.lru_cache(maxsize=4)
def real_split(data: str, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The real images of ``data``'s ``split`` as floats in [0, 1], and their labels."""
    images, labels = get_source(data, "images").load(split)
    return images.float().div(255), labels


@functools.lru_cache(maxsize=4)
def real_accuracy(data: str) -> tuple[float, ...]:
    """The classifier's accuracy on the real test images of ``data``, per class."""
    source = check_data(data)
    images, labels = real_split(source.name, EVAL_SPLIT)
    predicted = class_probabilities(images, source.features[0]).argmax(1)
    return tuple(
        float((predicted[labels == c] == c).double().mean()) for c in range(len(source.classes))
    )


def measure(
    drawn: torch.Tensor,
    per_class: list[torch.Tensor],
    data: str,
    features: str | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """The metrics of images of drawn classes (``drawn``) and of ``per_class[c]`` (images
    meant to be of class c), in [0, 1], against the test split of ``data``."""
    source = check_data(data)
    classifier = source.features[0]
    real, real_labels = real_split(source.name, EVAL_SPLIT)
    result = image_metrics(drawn, real, progress, features or classifier, classifier)
    ceiling = real_accuracy(source.name)
    rows: dict[str, dict[str, float]] = {}
    bar = tqdm(per_class, desc="per class", disable=not progress, unit="class")
    for c, images in enumerate(bar):
        predicted = class_probabilities(images, classifier).argmax(1)
        rows[source.classes[c]] = {
            "label_accuracy": round(float((predicted == c).double().mean()), 5),
            "real_accuracy": round(ceiling[c], 5),
            "fid": frechet_distance(images, real[real_labels == c], features or classifier),
        }
    accuracy = [r["label_accuracy"] for r in rows.values()]
    metrics = {
        "label_accuracy": round(sum(accuracy) / len(accuracy), 5),
        "label_accuracy_min": min(accuracy),
        "real_label_accuracy": round(sum(ceiling) / len(ceiling), 5),
        "worst_class_gap": round(
            max(r["real_accuracy"] - r["label_accuracy"] for r in rows.values()), 5
        ),
        "intra_fid": round(sum(r["fid"] for r in rows.values()) / len(rows), 4),
        **result["metrics"],
    }
    return {
        "metrics": metrics,
        "per_class": rows,
        "class_histogram": result["class_histogram"],
        "samples": len(drawn),
        "split": EVAL_SPLIT,
        "data": source.name,
    }


def _per_class_count(samples: int, classes: int) -> int:
    if samples < 20 * classes:
        raise ConfigError(
            f"--samples={samples}: conditional metrics need at least 20 per class, "
            f"{20 * classes} for {classes} classes (the catalog uses 1000 or more)"
        )
    return samples // classes


def evaluate(
    model: ConditionalGAN,
    data: str,
    samples: int = 1000,
    seed: int = 0,
    progress: bool = True,
    features: str | None = None,
) -> dict[str, Any]:
    """Measure ``model`` (exact fp32 samples, the same on every machine) against ``data``."""
    source = check_data(data)
    if model.num_classes != len(source.classes):
        raise ConfigError(
            f"the model has {model.num_classes} classes, {data!r} has "
            f"{len(source.classes)}; measure it against the data it was trained on"
        )
    names = model.config.class_names
    if names and tuple(names) != tuple(source.classes):
        raise ConfigError(
            f"the model's classes ({', '.join(names[:4])}, ...) are not those of {data!r} "
            f"({', '.join(source.classes[:4])}, ...); measure it against its own data"
        )
    m = _per_class_count(samples, len(source.classes))
    drawn = model.sample(samples, seed=seed, fast=False).cpu()
    grid = model.class_grid(m, seed=seed + 1, fast=False).cpu()
    result = measure(drawn, list(grid.split(m)), source.name, features, progress)
    result["seed"] = seed
    return result


def references(
    model: ConditionalGAN, data: str, samples: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """Ceiling and floor: the real training images measured as samples (``samples`` drawn
    at random with ``seed``, ``samples // classes`` of each class), and an untrained
    generator of the same architecture and config (torch seed 0)."""
    source = check_data(data)
    m = _per_class_count(samples, len(source.classes))
    images, labels = real_split(source.name, "train")
    gen = torch.Generator().manual_seed(seed)
    drawn = images[torch.randperm(len(images), generator=gen)[:samples]]
    per_class = []
    for c in range(len(source.classes)):
        of_class = images[labels == c]
        per_class.append(of_class[torch.randperm(len(of_class), generator=gen)[:m]])
    real = measure(drawn, per_class, source.name)["metrics"]
    torch.manual_seed(0)
    untrained = type(model)(model.config).eval()
    floor = evaluate(untrained, source.name, samples, seed, progress=False)["metrics"]
    return {"real_vs_real": real, "untrained": floor}

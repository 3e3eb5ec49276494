"""Quality of image-to-image models, measured on held-out data, next to the untranslated input
so that a reader can judge the scale.

* Paired models (pix2pix): PSNR (dB), SSIM (Gaussian window 11, sigma 1.5, as Wang et al.
  2004 and scikit-image) and L1 of the translation against the target, and of the input
  against the target (``input_*``); on labelled data whose source names a classifier (e.g.
  ``mnist-repair``: the MNIST one) also how often it reads the right class in the
  translation and in the input, and torch-fidelity's FID in its feature space.
* Unpaired models on labelled data with a classifier per domain (CycleGAN on
  ``mnist2digits``): how often the target domain's classifier keeps the label after
  translation (``label_kept_ab``/``_ba``) and after the round trip (``round_trip_a``/``_b``),
  versus the untranslated input read by the same classifier (``untranslated_ab``/``_ba``),
  and FID against the real images of the target domain (``fid_ab`` with B's features,
  ``fid_ba`` with A's), next to the untranslated input's. Where the test split is aligned
  although training was not (``twemoji2noto``: one emoji by two artists), also the paired
  figures of each direction against the true counterpart (``l1_ab``, ``ssim_ab``,
  ``psnr_ab``, ...), beside the untranslated input's (``untranslated_l1_ab``, ...).

The classifiers are those the data source names (:mod:`zoo.data.sources`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from zoo.data.sources import get_source, is_source
from zoo.data.translation import PairedData, Preprocess, UnpairedData, load_translation_data
from zoo.errors import ConfigError, DataError
from zoo.metrics.classifier import CLASSIFIERS
from zoo.metrics.fidelity import fidelity_metrics
from zoo.metrics.generation import class_probabilities

if TYPE_CHECKING:
    from zoo.tasks.image_to_image import ImageToImageGAN


def psnr(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR in dB of images in [0, 1] (capped at 100 for identical images)."""
    mse = (x - y).double().pow(2).flatten(1).mean(1)
    return (10 * torch.log10(1.0 / mse.clamp_min(1e-10))).clamp(max=100.0)


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    coords = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(coords**2) / (2 * sigma**2))
    g = g / g.sum()
    return torch.outer(g, g)


def ssim(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-image SSIM of images in [0, 1] (N, C, H, W): Gaussian-weighted statistics
    (window 11, sigma 1.5), K1 = 0.01, K2 = 0.03, averaged over valid positions and channels
    (scikit-image's ``structural_similarity(gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=1)``)."""
    c = x.shape[1]
    w = _gaussian_window().to(x.device).expand(c, 1, 11, 11)
    x, y = x.double(), y.double()

    def blur(t: torch.Tensor) -> torch.Tensor:
        return F.conv2d(t, w, groups=c)

    mx, my = blur(x), blur(y)
    vx = blur(x * x) - mx * mx
    vy = blur(y * y) - my * my
    cov = blur(x * y) - mx * my
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return s.flatten(1).mean(1)


def _accuracy(classifier: str, images: torch.Tensor, labels: torch.Tensor) -> float:
    pred = class_probabilities(images, classifier).argmax(1)
    return round(float((pred == labels).double().mean()), 5)


def _images(x: torch.Tensor) -> torch.Tensor:
    return x.float() / 255


def closeness(x: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
    """Mean PSNR (dB), SSIM and L1 of images ``x`` against ``target`` (both in [0, 1])."""
    return {
        "psnr": round(float(psnr(x, target).mean()), 4),
        "ssim": round(float(ssim(x, target).mean()), 5),
        "l1": round(float((x - target).abs().mean()), 5),
    }


def evaluate_paired(
    model: ImageToImageGAN, data: PairedData, progress: bool = True, features: tuple[str, ...] = ()
) -> dict:
    """Paired metrics of ``model`` (A -> B) on every pair of ``data`` (uncropped);
    ``features``: the data source's extractors (the target's is the last)."""
    if data.a.shape[-1] != data.crop_size or data.a.shape[-2] != data.crop_size:
        raise DataError("evaluation data must be at the model's image_size (no cropping)")
    a, b = _images(data.a), _images(data.b)
    out = model.translate(a, "AtoB", fast=False).cpu()
    baseline = a.shape[1] == b.shape[1]  # the untouched input, where it is comparable
    metrics = closeness(out, b)
    if baseline:
        metrics |= {f"input_{k}": v for k, v in closeness(a, b).items()}
    classifier = features[-1] if features and features[-1] in CLASSIFIERS else None
    if data.labels is not None and classifier is not None:  # classifier-based figures too
        metrics["digit_accuracy"] = _accuracy(classifier, out, data.labels)
        if baseline:
            metrics["input_digit_accuracy"] = _accuracy(classifier, a, data.labels)
        metrics["fid"] = fidelity_metrics(out, b, classifier)["fid"]
        if baseline:
            metrics["input_fid"] = fidelity_metrics(a, b, classifier)["fid"]
    return {"metrics": metrics, "samples": len(data), "data": data.source}


def evaluate_unpaired(
    model: ImageToImageGAN,
    data: UnpairedData,
    progress: bool = True,
    features: tuple[str, ...] = (),
) -> dict:
    """Label preservation of a two-way translator (e.g. CycleGAN between MNIST (A) and UCI
    digits (B)), read by the classifiers of the two domains (``features``: A's, B's)."""
    if data.labels_a is None or data.labels_b is None or len(features) != 2:
        raise ConfigError(
            "label preservation needs labelled data with a classifier per domain (e.g. --data "
            f"mnist2digits); {data.source} has none"
        )
    clf_a, clf_b = features
    a, b = _images(data.a), _images(data.b)
    to_b = model.translate(a, "AtoB", fast=False).cpu()
    to_a = model.translate(b, "BtoA", fast=False).cpu()
    back_a = model.translate(to_b, "BtoA", fast=False).cpu()
    back_b = model.translate(to_a, "AtoB", fast=False).cpu()
    la, lb = data.labels_a, data.labels_b
    metrics = {
        "label_kept_ab": _accuracy(clf_b, to_b, la),
        "label_kept_ba": _accuracy(clf_a, to_a, lb),
        "round_trip_a": _accuracy(clf_a, back_a, la),
        "round_trip_b": _accuracy(clf_b, back_b, lb),
        "untranslated_ab": _accuracy(clf_b, a, la),
        "untranslated_ba": _accuracy(clf_a, b, lb),
        "cycle_l1_a": round(float((back_a - a).abs().mean()), 5),
        "cycle_l1_b": round(float((back_b - b).abs().mean()), 5),
        "fid_ab": fidelity_metrics(to_b, b, clf_b)["fid"],
        "untranslated_fid_ab": fidelity_metrics(a, b, clf_b)["fid"],
        "fid_ba": fidelity_metrics(to_a, a, clf_a)["fid"],
        "untranslated_fid_ba": fidelity_metrics(b, a, clf_a)["fid"],
    }
    if data.aligned:  # the true counterpart of each test image is known
        for direction, out, source, target in (("ab", to_b, a, b), ("ba", to_a, b, a)):
            for key, value in closeness(out, target).items():
                metrics[f"{key}_{direction}"] = value
            for key, value in closeness(source, target).items():
                metrics[f"untranslated_{key}_{direction}"] = value
    return {"metrics": metrics, "samples": len(a) + len(b), "data": data.source}


def evaluate_translation(model: ImageToImageGAN, source: str, progress: bool = True) -> dict:
    """Evaluate an image-to-image ``model`` on the test split of ``source`` (a built-in data
    set or a folder in the reference layout: test/ or testA/ + testB/)."""
    c = model.config
    prep = Preprocess(c.image_size, "resize_and_crop", c.image_size, flip=False)
    paired = model.paired
    data = load_translation_data(source, paired, model.channels("AtoB"), prep, "test")
    features = get_source(source).features if is_source(source) else ()
    if isinstance(data, PairedData):
        return evaluate_paired(model, data, progress, features)
    return evaluate_unpaired(model, data, progress, features)

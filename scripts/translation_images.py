"""Draw the README pictures of the shipped image-to-image, super-resolution and segmentation
models from their held-out data.

python scripts/translation_images.py   # writes docs/img/pix2pix-mnist-repair.png,
    # cyclegan-mnist2digits.png, srgan-photos-x4.png (bicubic | SRResNet | SRGAN | original)
    # pix2pix-emoji-seg.png (image | prediction | truth, six scenes a row) and
    # cyclegan-twemoji2noto.png (rows: Twemoji, to Noto, true Noto, Noto, to Twemoji, true
    # Twemoji; one held-out emoji per Unicode category) and pix2pix-inpaint-photos.png
    # (hole | diffusion fill | model | original, six held-out crops)
"""

from __future__ import annotations

from pathlib import Path

import torch

import zoo
from zoo.data.digits import mnist2digits, mnist_repair
from zoo.data.noto import twemoji_and_noto
from zoo.images import save_grid

OUT = Path(__file__).resolve().parents[1] / "docs" / "img"


def one_per_class(labels: torch.Tensor, n: int = 10, pick: int = 0) -> torch.Tensor:
    return torch.stack([(labels == c).nonzero()[pick, 0] for c in range(n)])


def twemoji2noto_rows() -> torch.Tensor:
    """Held-out emoji, one per category: each direction as input | translation | truth."""
    (a, labels), (b, _) = twemoji_and_noto("test")
    index = one_per_class(labels, 9, pick=2)
    a, b = a[index].float() / 255, b[index].float() / 255
    model = zoo.load("cyclegan-twemoji2noto")
    to_b, to_a = model.translate(a, "AtoB", fast=False), model.translate(b, "BtoA", fast=False)
    return torch.cat([a, to_b, b, b, to_a, a])


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
    save_grid(twemoji2noto_rows(), OUT / "cyclegan-twemoji2noto.png", nrow=9)
    save_grid(inpainting_rows(), OUT / "pix2pix-inpaint-photos.png", nrow=4)
    print(f"wrote pictures of seven models into {OUT}")


def inpainting_rows() -> torch.Tensor:
    """Six held-out crops with their holes: hole | diffusion fill | model | original."""
    from zoo.data.inpainting import PHOTOS, load_inpainting_data
    from zoo.masks import diffusion_fill

    model = zoo.load("pix2pix-inpaint-photos")
    crops = load_inpainting_data(PHOTOS, 128, split="test").crops(128)
    pick = torch.linspace(0, len(crops["A"]) - 1, 6).round().long()
    images, masks = crops["A"][pick], crops["mask"][pick]
    rows = model.task.comparison(model).view(6, 3, *images.shape[1:])  # hole, fill, original
    diffused = diffusion_fill(images, masks)[:, None]
    return torch.cat([rows[:, :1], diffused, rows[:, 1:]], 1).flatten(0, 1)


if __name__ == "__main__":
    main()

"""Draw docs/img/realesrgan-finetune.png: a 4x of a crop of chelsea (held out) by bicubic
interpolation, by the imported RealESRGAN_x4plus, and by its fine-tune, beside the original.

    python scripts/realesrgan_finetune_picture.py START RUN

START is the imported model (``zoo import-checkpoint realesrgan-x4plus.param -o START``), RUN
the fine-tune's run folder (the commands are in docs/metrics.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw
from skimage import data

import zoo
from zoo.data.super_resolution import downscale

OUT = Path(__file__).resolve().parent.parent / "docs" / "img" / "realesrgan-finetune.png"
SIDE = 256  # each panel, pixels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("start", help="the imported RealESRGAN_x4plus (a model folder)")
    parser.add_argument("run", help="the fine-tune's run folder")
    args = parser.parse_args()
    photo = torch.from_numpy(data.chelsea().copy()).permute(2, 0, 1).float().div(255)[None]
    crop = photo[:, :, 60:188, 120:248]  # the eye and fur, 128x128
    low = downscale(crop, 4)
    panels = {
        "bicubic": F.interpolate(low, scale_factor=4, mode="bicubic"),
        "RealESRGAN_x4plus": zoo.load(args.start).upscale(low, fast=False),
        "fine-tuned": zoo.load(args.run).upscale(low, fast=False),
        "original": crop,
    }
    row = Image.new("RGB", (len(panels) * (SIDE + 10) - 10, SIDE + 22), "white")
    draw = ImageDraw.Draw(row)
    for i, (name, image) in enumerate(panels.items()):
        pixels = (image[0].clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
        panel = Image.fromarray(pixels).resize((SIDE, SIDE), Image.NEAREST)
        row.paste(panel, (i * (SIDE + 10), 22))
        draw.text((i * (SIDE + 10) + 4, 4), name, fill="black")
    row.save(OUT, optimize=True)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

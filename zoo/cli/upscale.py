"""`zoo upscale`: upscale image files with a super-resolution model."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from zoo.cli._inference import add_image_arguments, add_run_options, image_jobs, load_for
from zoo.cli._util import positive_int

if TYPE_CHECKING:
    from PIL import Image


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "upscale",
        help="upscale images with a super-resolution model",
        description="Upscale image files by the model's scale (e.g. 4x). INPUT is an image "
        "or a folder of images (searched recursively); any size goes in. Grey images are "
        "widened to RGB, transparency is composited onto white, 16-bit images are scaled to "
        "8 bits. Large images run in overlapping tiles, so memory stays bounded and the "
        "result is seamless.",
    )
    add_image_arguments(p)
    p.add_argument(
        "--tile",
        type=positive_int,
        default=256,
        help="tile side in input pixels (default 256; lower it if memory is short)",
    )
    p.add_argument(
        "--compare",
        action="store_true",
        help="treat each INPUT as the original: downscale it by the scale (antialiased "
        "bicubic), upscale that with bicubic and with the model, and write bicubic | model | "
        "original side by side, printing each one's PSNR on the Y channel",
    )
    add_run_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from zoo.data.super_resolution import crop_to_scale, downscale, upscale_bicubic
    from zoo.errors import DataError
    from zoo.images import from_pil, read_image, side_by_side, to_pil_list
    from zoo.metrics.super_resolution import sr_metrics
    from zoo.tasks.super_resolution import SuperResolutionGAN

    jobs = image_jobs(args.inputs, args.output, args.overwrite)
    model = load_for(args, "upscale", SuperResolutionGAN)
    channels, scale = model.channels()[0], model.scale
    fast = not args.exact

    def upscale(path: Path, target: Path) -> list[tuple[Path, Image.Image]]:
        img = read_image(path, channels)
        if not args.compare:
            return [(target, model.upscale(img, tile=args.tile, fast=fast))]
        hr = crop_to_scale(from_pil(img, channels), scale)
        if min(hr.shape[-2:]) < scale * 4:
            raise DataError(f"{path} is too small to downscale by {scale} and compare")
        lr = downscale(hr, scale)
        out = model.upscale(lr, tile=args.tile, fast=fast).cpu()
        bicubic = upscale_bicubic(lr, scale)
        m = sr_metrics(out, bicubic, hr, scale)  # as zoo eval measures it
        print(
            f"{path}: PSNR-Y bicubic {m['bicubic_psnr_y']:.2f} dB, {args.name} {m['psnr_y']:.2f} dB"
        )
        return [(target, side_by_side(to_pil_list(torch.cat([bicubic, out, hr]))))]

    jobs.run(upscale)
    print(f"upscaled {len(jobs.pairs)} image(s) {scale}x with {args.name} into {jobs.where}")
    return 0

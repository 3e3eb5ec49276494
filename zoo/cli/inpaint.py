"""`zoo inpaint`: fill the holes of image files with an inpainting model."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from zoo.cli._inference import add_image_arguments, add_run_options, image_jobs, load_for
from zoo.cli._util import (
    existing_path,
    non_negative_int,
)

if TYPE_CHECKING:
    from PIL import Image


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "inpaint",
        help="fill the holes of images with an inpainting model",
        description="Fill holes in image files. INPUT is an image or a folder of images "
        "(searched recursively); any size goes in. The hole is given by --mask (an image of "
        "the input's size, white where the input is missing; or a folder of masks with the "
        "inputs' file names) or drawn at random (--random-mask SEED). Pixels outside the hole "
        "are written as they came in. Grey images are widened to RGB, transparency is "
        "composited onto white.",
    )
    add_image_arguments(p)
    holes = p.add_mutually_exclusive_group(required=True)
    holes.add_argument(
        "--mask",
        type=existing_path,
        help="mask image (white or any value above 127 = hole), or a folder of masks named "
        "like the inputs (same stem)",
    )
    holes.add_argument(
        "--random-mask",
        type=non_negative_int,
        metavar="SEED",
        help="draw a free-form hole for each image from SEED (as training and zoo eval do)",
    )
    p.add_argument(
        "--compare",
        action="store_true",
        help="treat each INPUT as the complete original: write hole | model | diffusion fill "
        "| original side by side, printing the PSNR inside the hole of the model and of the "
        "diffusion fill",
    )
    add_run_options(p)
    p.set_defaults(func=run)


def _mask_files(mask: Path, inputs: list[Path]) -> dict[Path, Path]:
    """Each input's mask file: ``mask`` itself, or the file of its stem in the folder."""
    from zoo.data.inpainting import masks_by_stem

    if not mask.is_dir():
        return dict.fromkeys(inputs, mask)
    return masks_by_stem(mask, inputs, f"--mask {mask}", "give each input a mask of its name")


def run(args: argparse.Namespace) -> int:
    import torch

    from zoo.data.inpainting import free_form_mask, read_mask_file
    from zoo.images import from_pil, read_image, side_by_side, to_pil_list
    from zoo.masks import diffusion_fill
    from zoo.metrics.inpainting import hole_metrics
    from zoo.metrics.super_resolution import quantise
    from zoo.tasks.inpainting import InpaintingGAN, show_holes

    jobs = image_jobs(args.inputs, args.output, args.overwrite)
    masks = _mask_files(args.mask, [p for p, _ in jobs.pairs]) if args.mask else {}
    model = load_for(args, "inpaint", InpaintingGAN)
    channels = model.config.channels
    fast = not args.exact
    hole_shares: list[float] = []

    def inpaint(path: Path, target: Path) -> list[tuple[Path, Image.Image]]:
        img = read_image(path, channels)
        if args.mask:
            hole = read_mask_file(masks[path], img.size)
        else:
            seed = args.random_mask * 1_000_003 + len(hole_shares)
            hole = free_form_mask(img.size[1], img.size[0], seed)
        hole_shares.append(float(hole.mean()))
        if not args.compare:
            return [(target, model.inpaint(img, hole, fast=fast))]
        x, m = from_pil(img, channels), hole[None, None]
        filled = quantise(model.inpaint(x, m, fast=fast).cpu())
        diffused = quantise(diffusion_fill(x, m))
        ours, theirs = hole_metrics(filled, x, m), hole_metrics(diffused, x, m)
        print(
            f"{path}: PSNR in the hole: diffusion fill {float(theirs['hole_psnr'][0]):.2f} dB, "
            f"{args.name} {float(ours['hole_psnr'][0]):.2f} dB"
        )
        row = torch.cat([show_holes(x, m), filled, diffused, x])
        return [(target, side_by_side(to_pil_list(row)))]

    jobs.run(inpaint)
    share = sum(hole_shares) / max(len(hole_shares), 1)
    print(
        f"inpainted {len(jobs.pairs)} image(s) with {args.name} into {jobs.where} "
        f"(holes: {share:.1%} of the pixels)"
    )
    return 0

"""`zoo segment`: segment image files with a segmentation model."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from zoo.cli._inference import add_image_arguments, add_run_options, image_jobs, load_for

if TYPE_CHECKING:
    from PIL import Image


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "segment",
        help="segment images into masks of classes",
        description="Segment image files. INPUT is an image or a folder of images (searched "
        "recursively); any size goes in. Each mask is written as a palette PNG whose pixel "
        "values are the class indices (the model's class_names, in order; `zoo info NAME` "
        "lists them), coloured for viewing. Grey images are widened to RGB, transparency is "
        "composited onto white, 16-bit images are scaled to 8 bits.",
    )
    add_image_arguments(
        p, "output mask (.png, one input file) or folder (several files, or a folder)"
    )
    p.add_argument(
        "--overlay",
        action="store_true",
        help="also write each image with its mask over it, as NAME.overlay.png",
    )
    add_run_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from zoo.errors import ConfigError
    from zoo.images import from_pil, read_image
    from zoo.masks import mask_to_pil, pil_overlay
    from zoo.tasks.segmentation import SegmentationGAN

    also = (".overlay.png",) if args.overlay else ()
    jobs = image_jobs(args.inputs, args.output, args.overwrite, also)
    if jobs.single and args.output.suffix.lower() != ".png":
        raise ConfigError(f"-o {args.output}: masks are palette PNGs; give a path ending in .png")
    model = load_for(args, "segment", SegmentationGAN)
    c = model.config
    counts = [0] * c.num_classes

    def segment(path: Path, target: Path) -> list[tuple[Path, Image.Image]]:
        img = read_image(path, c.input_nc)
        mask = model.segment(from_pil(img, c.input_nc), fast=not args.exact)[0]
        for k, n in enumerate(mask.flatten().bincount(minlength=len(counts)).tolist()):
            counts[k] += n
        written = [(target, mask_to_pil(mask, c.num_classes))]
        if args.overlay:
            overlaid = pil_overlay(img, mask, c.num_classes)
            written.append((target.with_suffix(".overlay.png"), overlaid))
        return written

    jobs.run(segment)
    total = max(sum(counts), 1)
    shares = ", ".join(f"{n} {k / total:.1%}" for n, k in zip(model.class_names, counts))
    print(f"segmented {len(jobs.pairs)} image(s) with {args.name} into {jobs.where} ({shares})")
    return 0

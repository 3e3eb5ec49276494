"""`zoo segment`: segment image files with a segmentation model."""

from __future__ import annotations

import argparse
from pathlib import Path

from zoo.cli._util import device_name, existing_path, image_jobs


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
    p.add_argument("name", help="catalog name, run folder, hf-hub:org/name or .safetensors")
    p.add_argument(
        "inputs", nargs="+", type=existing_path, metavar="INPUT", help="image file or folder"
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="output mask (.png, one input file) or folder (several files, or a folder)",
    )
    p.add_argument(
        "--overlay",
        action="store_true",
        help="also write each image with its mask over it, as NAME.overlay.png",
    )
    p.add_argument("--exact", action="store_true", help="exact fp32 instead of the fast path")
    p.add_argument(
        "--device", type=device_name, default="cpu", help="cpu, cuda, cuda:1 ... (default cpu)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import zoo
    from zoo.cli.sample import require_command
    from zoo.data.photos import read_photo
    from zoo.images import from_pil
    from zoo.masks import mask_to_pil, pil_overlay

    jobs, single = image_jobs(args.inputs, args.output)
    model = zoo.load(args.name, device=args.device)
    require_command(model, args.name, "segment")
    c = model.config
    counts = [0] * c.num_classes
    for path, target in jobs:
        img = read_photo(path, c.input_nc)
        mask = model.segment(from_pil(img, c.input_nc), fast=not args.exact)[0]
        counts = [
            a + int(b) for a, b in zip(counts, mask.flatten().bincount(minlength=len(counts)))
        ]
        target.parent.mkdir(parents=True, exist_ok=True)
        mask_to_pil(mask, c.num_classes).save(target)
        if args.overlay:
            pil_overlay(img, mask, c.num_classes).save(target.with_suffix(".overlay.png"))
    total = max(sum(counts), 1)
    shares = ", ".join(f"{n} {k / total:.1%}" for n, k in zip(model.class_names, counts))
    where = args.output if single else f"{args.output}/"
    print(f"segmented {len(jobs)} image(s) with {args.name} into {where} ({shares})")
    return 0

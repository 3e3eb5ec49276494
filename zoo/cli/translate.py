"""`zoo translate`: translate image files with an image-to-image model."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from zoo.cli._inference import add_image_arguments, add_run_options, image_jobs, load_for
from zoo.errors import ConfigError

if TYPE_CHECKING:
    from PIL import Image


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "translate",
        help="translate images with an image-to-image model",
        description="Translate image files with a pix2pix or CycleGAN model. INPUT is an "
        "image or a folder of images (searched recursively). Images must have the model's "
        "channels (grayscale or RGB); any size goes in and comes out at its size (padded to "
        "the generator's stride and cropped back).",
    )
    add_image_arguments(p)
    p.add_argument("--direction", default="AtoB", help="AtoB (default) or BtoA (CycleGAN models)")
    p.add_argument("--compare", action="store_true", help="write input and output side by side")
    p.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile the fast path (pays off for large folders: compiling takes "
        "seconds to a minute)",
    )
    add_run_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from zoo.images import read_image, side_by_side
    from zoo.tasks.image_to_image import ImageToImageGAN

    jobs = image_jobs(args.inputs, args.output, args.overwrite)
    model = load_for(args, "translate", ImageToImageGAN)
    if args.direction not in model.directions:
        raise ConfigError(
            f"--direction {args.direction}: {args.name} translates {', '.join(model.directions)}"
        )
    channels = model.channels(args.direction)[0]
    fast = False if args.exact else ("compile" if args.compile else True)

    def translate(path: Path, target: Path) -> list[tuple[Path, Image.Image]]:
        img = read_image(path, channels, strict=f"{args.name} ({args.direction})")
        out = model.translate(img, direction=args.direction, fast=fast)
        return [(target, side_by_side([img, out]) if args.compare else out)]

    jobs.run(translate)
    n, where = len(jobs.pairs), jobs.where
    print(f"translated {n} image(s) with {args.name} ({args.direction}) into {where}")
    return 0

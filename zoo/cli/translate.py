"""`zoo translate`: translate image files with an image-to-image model."""

from __future__ import annotations

import argparse
from pathlib import Path

from zoo.cli._util import device_name, existing_path, image_jobs


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "translate",
        help="translate images with an image-to-image model",
        description="Translate image files with a pix2pix or CycleGAN model. INPUT is an "
        "image or a folder of images (searched recursively). Images must have the model's "
        "channels (grayscale or RGB); any size goes in and comes out at its size (padded to "
        "the generator's stride and cropped back).",
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
        help="output image (one input file) or folder (several files, or a folder)",
    )
    p.add_argument("--direction", default="AtoB", help="AtoB (default) or BtoA (CycleGAN models)")
    p.add_argument("--compare", action="store_true", help="write input and output side by side")
    p.add_argument("--exact", action="store_true", help="exact fp32 instead of the fast path")
    p.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile the fast path (pays off for large folders: compiling takes "
        "seconds to a minute)",
    )
    p.add_argument(
        "--device", type=device_name, default="cpu", help="cpu, cuda, cuda:1 ... (default cpu)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import zoo
    from zoo.cli.sample import require_command
    from zoo.data.translation import read_image
    from zoo.images import side_by_side

    jobs, single = image_jobs(args.inputs, args.output)
    model = zoo.load(args.name, device=args.device)
    require_command(model, args.name, "translate")
    if args.direction not in model.directions:
        raise zoo.ConfigError(
            f"--direction {args.direction}: {args.name} translates {', '.join(model.directions)}"
        )
    channels = model.channels(args.direction)[0]
    fast = False if args.exact else ("compile" if args.compile else True)
    for path, target in jobs:
        img = read_image(path, channels, f"{args.name} ({args.direction})")
        out = model.translate(img, direction=args.direction, fast=fast)
        if args.compare:
            out = side_by_side([img, out])
        target.parent.mkdir(parents=True, exist_ok=True)
        out.save(target)
    where = args.output if single else f"{args.output}/"
    print(f"translated {len(jobs)} image(s) with {args.name} ({args.direction}) into {where}")
    return 0

"""`zoo restore`: restore aligned face crops with a face restoration model."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from zoo.cli._inference import add_image_arguments, add_run_options, image_jobs, load_for
from zoo.cli._util import non_negative_int

if TYPE_CHECKING:
    from PIL import Image


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "restore",
        help="restore aligned face crops with a face restoration model (GFPGAN, ...)",
        description="Restore degraded faces (blur, low resolution, noise, JPEG). INPUT is an "
        "aligned face crop (one face, centred, eyes level, as FFHQ's) or a folder of them; "
        "any size goes in, resized to the model's face side (512 for GFPGAN). Finding and "
        "aligning faces in a photograph is left to a face detector. Grey images are widened "
        "to RGB, transparency is composited onto white.",
    )
    add_image_arguments(p)
    p.add_argument(
        "--keep-size",
        action="store_true",
        help="write each face at its input size (default: the model's face side)",
    )
    p.add_argument(
        "--compare",
        type=non_negative_int,
        metavar="SEED",
        help="treat each INPUT as a clean face: degrade it as GFPGAN's training does (blur, "
        "downscaling, noise, JPEG; drawn from SEED), restore that, and write degraded | model "
        "| original side by side, printing the PSNR of the degraded input and of the model",
    )
    add_run_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from zoo.data.degradations import degrade
    from zoo.data.faces import resize
    from zoo.images import from_pil, read_image, side_by_side, to_pil_list
    from zoo.metrics.face_restoration import face_metrics
    from zoo.metrics.super_resolution import quantise
    from zoo.tasks.face_restoration import FaceRestorationGAN

    jobs = image_jobs(args.inputs, args.output, args.overwrite)
    model = load_for(args, "restore", FaceRestorationGAN)
    channels, side = model.config.channels, model.face_size
    fast = not args.exact
    done: list[Path] = []

    def restore(path: Path, target: Path) -> list[tuple[Path, Image.Image]]:
        img = read_image(path, channels)
        done.append(path)
        if args.compare is None:
            return [(target, model.restore(img, keep_size=args.keep_size, fast=fast))]
        clean = resize(from_pil(img, channels), side)
        gen = torch.Generator().manual_seed(args.compare * 1_000_003 + len(done))
        degraded = quantise(degrade(clean, gen))
        restored = quantise(model.restore(degraded, fast=fast).cpu())
        m = face_metrics(restored, degraded, clean)
        print(f"{path}: PSNR degraded {m['degraded_psnr']:.2f} dB, {args.name} {m['psnr']:.2f} dB")
        return [(target, side_by_side(to_pil_list(torch.cat([degraded, restored, clean]))))]

    jobs.run(restore)
    size = "their input sizes" if args.keep_size else f"{side}x{side}"
    print(f"restored {len(jobs.pairs)} face(s) with {args.name} into {jobs.where} at {size}")
    return 0

"""`zoo interpolate`: walk through a generator's latent space, as a grid or an animation."""

from __future__ import annotations

import argparse
from pathlib import Path

from zoo.cli._util import (
    device_name,
    int_up_to,
    output_image_or_gif,
    positive_int,
    seed,
    truncation,
)
from zoo.cli.sample import MAX_IMAGES, style_options


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "interpolate",
        help="walk between latent codes (grid or GIF)",
        description="Draw --rows pairs of latent codes and the images on the path between "
        "each pair, --steps images per path: spherical in z, or for StyleGAN models a "
        "straight line in w. A .png output is a grid with one walk per row; a .gif output "
        "animates all rows at once, there and back. Class-conditional models keep each row's "
        "class fixed (--class, repeated and cycled over the rows; default: drawn uniformly).",
        epilog="Example: zoo interpolate cgan-mnist --class 7 --steps 10 -o walk.gif",
    )
    p.add_argument("name", help="catalog name, run folder, hf-hub:org/name or .safetensors file")
    p.add_argument(
        "--steps", type=_steps, default=8, help="images per walk, ends included (default 8)"
    )
    p.add_argument("--rows", type=int_up_to(MAX_IMAGES // 2), default=4, help="walks (default 4)")
    p.add_argument(
        "--class",
        dest="classes",
        action="append",
        metavar="CLASS",
        help="class-conditional models: the class of the walks (number or name; repeat to "
        "give rows different classes)",
    )
    p.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    p.add_argument(
        "--truncation",
        type=truncation,
        default=None,
        metavar="T",
        help="draw the end codes with the truncation trick at T (default: none); for "
        "StyleGAN models psi, the ends' w pulled toward the average w",
    )
    p.add_argument(
        "--noise",
        choices=("const", "random", "none"),
        default=None,
        help="StyleGAN2 models: the noise inputs (default const, as zoo sample --noise)",
    )
    p.add_argument(
        "-o",
        "--output",
        type=output_image_or_gif,
        default=Path("walk.png"),
        help="walk.png (grid, one walk per row) or walk.gif (animation) (default walk.png)",
    )
    p.add_argument(
        "--ms",
        type=int_up_to(60_000),
        default=100,
        help="GIF: ms per frame (default 100, at most a minute)",
    )
    p.add_argument("--exact", action="store_true", help="exact fp32 instead of the fast path")
    p.add_argument("--device", type=device_name, default="cpu", help="cpu, cuda ... (default cpu)")
    p.set_defaults(func=run)


def _steps(text: str) -> int:
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"{value}: a walk needs at least 2 steps (its ends)")
    return value


def run(args: argparse.Namespace) -> int:
    import torch

    from zoo.cli._inference import load_for
    from zoo.errors import ConfigError
    from zoo.images import save_gif, save_grid
    from zoo.tasks.conditional import ConditionalGAN
    from zoo.tasks.latent import LatentCodes
    from zoo.tasks.unconditional import UnconditionalGAN

    model = load_for(args, "sample", LatentCodes)
    if not isinstance(model, (UnconditionalGAN, ConditionalGAN)):
        raise ConfigError(
            f"{args.name}: `zoo interpolate` walks zoo.UnconditionalGAN and zoo.ConditionalGAN "
            f"models; {type(model).__name__} is neither"
        )
    if args.rows * args.steps > MAX_IMAGES:
        raise ConfigError(
            f"--rows {args.rows} x --steps {args.steps} is {args.rows * args.steps:,} images; "
            f"at most {MAX_IMAGES:,} in one walk picture"
        )
    if args.classes and not isinstance(model, ConditionalGAN):
        raise ConfigError(f"{args.name} is not class-conditional; drop --class")
    gen = torch.Generator().manual_seed(args.seed)
    ends = model.latent(2 * args.rows, gen, args.truncation).cpu()
    options = {"fast": not args.exact, "truncation": args.truncation}
    options |= style_options(args, model)
    labels = None
    if isinstance(model, ConditionalGAN):
        chosen = [args.classes[r % len(args.classes)] for r in range(args.rows)]
        labels = model.labels(chosen if args.classes else None, args.rows, gen).cpu()
    images = model.interpolate(
        ends[: args.rows], ends[args.rows :], args.steps, labels=labels, **options
    )
    if args.output.suffix.lower() == ".gif":
        walks = images.reshape(args.rows, args.steps, *images.shape[1:])
        order = [*range(args.steps), *range(args.steps - 2, 0, -1)]  # there and back
        frames = [walks[:, t] for t in order]
        save_gif(frames, args.output, nrow=min(args.rows, 8), ms=args.ms)
        what = f"an animation of {len(frames)} frames"
    else:
        save_grid(images, args.output, nrow=args.steps)
        what = f"{args.rows} walks of {args.steps} steps"
    print(f"wrote {what} of {args.name} (seed {args.seed}) to {args.output}")
    return 0

"""`zoo sample`: draw samples from a generator into an image grid."""

from __future__ import annotations

import argparse
from pathlib import Path

from zoo.cli._util import device_name, non_negative_int, output_image, positive_int


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sample",
        help="draw samples into an image grid",
        description="Draw N samples from a trained generator into a PNG grid.",
    )
    p.add_argument("name", help="catalog name, run folder, hf-hub:org/name or .safetensors file")
    p.add_argument("-n", type=positive_int, default=64, help="number of samples (default 64)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")
    p.add_argument(
        "-o",
        "--output",
        type=output_image,
        default=Path("samples.png"),
        help="output image, .png (or .jpg/.webp/.bmp) (default samples.png)",
    )
    p.add_argument(
        "--nrow", type=positive_int, default=None, help="images per row (default sqrt(n))"
    )
    p.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile the fast path (worth it for thousands of samples)",
    )
    p.add_argument("--exact", action="store_true", help="exact fp32 instead of the fast path")
    p.add_argument(
        "--device", type=device_name, default="cpu", help="cpu, cuda, cuda:1 ... (default cpu)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import zoo
    from zoo.images import save_grid

    model = zoo.load(args.name, device=args.device)
    require_command(model, args.name, "sample")
    fast = False if args.exact else ("compile" if args.compile else True)
    images = model.sample(args.n, seed=args.seed, fast=fast)
    save_grid(images, args.output, nrow=args.nrow)
    print(f"wrote {args.n} samples of {args.name} (seed {args.seed}) to {args.output}")
    return 0


def require_command(model, name: str, command: str) -> None:
    """A clear error when ``model``'s task is served by another command."""
    from zoo.errors import ConfigError

    if model.task.command != command:
        raise ConfigError(
            f"{name} is a model of the {model.task.name} task, which `zoo {command}` does not "
            f"serve; use `zoo {model.task.command}`"
        )

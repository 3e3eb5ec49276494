"""`zoo sample`: draw samples from a generator into an image grid."""

from __future__ import annotations

import argparse
from pathlib import Path

from zoo.cli._util import device_name, int_up_to, output_image, positive_int, seed, truncation

#: the most images one `zoo sample` or `zoo interpolate` grid holds
MAX_IMAGES = 4096


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sample",
        help="draw samples into an image grid",
        description="Draw N samples from a trained generator into a PNG grid. For "
        "class-conditional models, --class picks the classes (by number or name; repeat it "
        "for several, each taking an equal share of the N) and --grid classes draws one row "
        "per class, the same latent code down each column.",
        epilog="Examples: zoo sample dcgan-mnist -o grid.png; "
        "zoo sample cgan-fashion --class sneaker -n 16; "
        "zoo sample cgan-mnist --grid classes -n 80 -o digits.png",
    )
    p.add_argument("name", help="catalog name, run folder, hf-hub:org/name or .safetensors file")
    p.add_argument(
        "-n",
        type=int_up_to(MAX_IMAGES),
        default=64,
        help=f"number of samples (default 64, at most {MAX_IMAGES:,} in one grid); with "
        "--grid classes, spread over the rows",
    )
    p.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
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
        "--class",
        dest="classes",
        action="append",
        metavar="CLASS",
        help="class-conditional models: a class number or name (e.g. 7, sneaker); repeat for "
        "several (default: classes drawn uniformly)",
    )
    p.add_argument(
        "--grid",
        choices=("samples", "classes"),
        default="samples",
        help="'classes': one row per class (all, or those of --class), n // classes per row "
        "(default: samples)",
    )
    p.add_argument(
        "--truncation",
        type=truncation,
        default=None,
        metavar="T",
        help="truncation trick: latent values beyond +-T drawn again (e.g. 1.0; lower is more "
        "typical, less varied; default: none); for StyleGAN models T is psi, w pulled toward "
        "the average w (0.7 usual, 1 none)",
    )
    p.add_argument(
        "--noise",
        choices=("const", "random", "none"),
        default=None,
        help="StyleGAN2 models: the noise inputs, 'const' (the stored buffers: the same code, "
        "the same image; the default), 'random' (fresh noise, fixed by --seed) or 'none'",
    )
    p.add_argument(
        "--mix",
        type=seed,
        default=None,
        metavar="SEED",
        help="StyleGAN models: style mixing, every sample takes the finer styles (the w of "
        "layers from --mix-from on) of the code drawn with SEED",
    )
    p.add_argument(
        "--mix-from",
        type=positive_int,
        default=None,
        metavar="LAYER",
        help="with --mix: the first w vector taken from the mixing code (default: half of "
        "them; lower takes more of the picture from SEED)",
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
    from zoo.cli._inference import load_for
    from zoo.errors import ConfigError
    from zoo.images import save_grid
    from zoo.tasks.conditional import ConditionalGAN
    from zoo.tasks.latent import LatentCodes
    from zoo.tasks.unconditional import UnconditionalGAN

    model = load_for(args, "sample", LatentCodes)
    if not isinstance(model, (UnconditionalGAN, ConditionalGAN)):
        raise ConfigError(
            f"{args.name}: `zoo sample` draws from zoo.UnconditionalGAN and zoo.ConditionalGAN "
            f"models; {type(model).__name__} is neither"
        )
    fast = False if args.exact else ("compile" if args.compile else True)
    options = {"fast": fast, "truncation": args.truncation, **style_options(args, model)}
    if (args.classes or args.grid == "classes") and not isinstance(model, ConditionalGAN):
        raise ConfigError(
            f"{args.name} is not class-conditional ({model.task.name}); --class and "
            "--grid classes need a conditional model (see zoo list)"
        )
    nrow = args.nrow
    if isinstance(model, ConditionalGAN) and args.grid == "classes":
        classes = args.classes or list(range(model.num_classes))
        per_class = max(1, args.n // len(classes))
        images = model.class_grid(per_class, classes, seed=args.seed, **options)
        nrow = nrow or per_class
        what = f"{per_class} per class of {len(classes)} classes"
    elif isinstance(model, ConditionalGAN) and args.classes:
        if args.n < len(args.classes):
            raise ConfigError(f"-n {args.n} is fewer than the {len(args.classes)} classes given")
        labels = [args.classes[i * len(args.classes) // args.n] for i in range(args.n)]
        images = model.sample(args.n, labels=labels, seed=args.seed, **options)
        what = f"{args.n} samples of class {', '.join(args.classes)}"
    else:
        images = model.sample(args.n, seed=args.seed, **options)
        what = f"{args.n} samples"
    save_grid(images, args.output, nrow=nrow)
    print(f"wrote {what} of {args.name} (seed {args.seed}) to {args.output}")
    return 0


def style_options(args: argparse.Namespace, model: object) -> dict:
    """``sample``'s StyleGAN options from --noise, --mix and --mix-from (an error naming the
    flag for other models)."""
    import torch

    from zoo.errors import ConfigError
    from zoo.tasks.style import StyleSampling

    mix, mix_from = getattr(args, "mix", None), getattr(args, "mix_from", None)  # sample's
    flags = (("--noise", args.noise), ("--mix", mix), ("--mix-from", mix_from))
    given = [flag for flag, value in flags if value is not None]
    if not given:
        return {}
    if mix_from is not None and mix is None:
        raise ConfigError("--mix-from needs --mix SEED (the code whose styles are mixed in)")
    if not isinstance(model, StyleSampling):
        raise ConfigError(
            f"{args.name} is a {model.architecture} model; {', '.join(given)} apply to "  # type: ignore[attr-defined]
            "StyleGAN-family models (stylegan2, stylegan3)"
        )
    options: dict = {}
    if args.noise is not None:
        options["noise"] = args.noise
        torch.manual_seed(args.seed)  # 'random' noise: the same seed, the same images
    if mix is not None:
        options["mix"] = model.latent(1, torch.Generator().manual_seed(mix))
    if mix_from is not None:
        options["mix_from"] = mix_from
    return options

"""`zoo import-checkpoint`: reference pix2pix/CycleGAN generators into a zoo model folder."""

from __future__ import annotations

import argparse

from zoo.cli._util import assignment, existing_file, writable_path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import-checkpoint",
        help="import generators trained with the reference pix2pix/CycleGAN code",
        description="Convert latest_net_G.pth (pix2pix, or one CycleGAN direction) or "
        "latest_net_G_A.pth latest_net_G_B.pth (CycleGAN, both ways) from "
        "junyanz/pytorch-CycleGAN-and-pix2pix into a zoo model folder (config.json + "
        "model.safetensors). Files are read with torch.load(weights_only=True); the "
        "generator type, channels, width and norm are read off the tensors.",
    )
    p.add_argument(
        "files", nargs="+", type=existing_file, metavar="FILE", help=".pth state dict(s)"
    )
    p.add_argument("-o", "--output", type=writable_path, required=True, help="output folder")
    p.add_argument(
        "-f",
        "--overwrite",
        action="store_true",
        help="replace the model a folder already holds (default: refuse)",
    )
    p.add_argument(
        "--architecture",
        default=None,
        help="an architecture that reads reference checkpoints (default: pix2pix for one "
        "file, cyclegan for two)",
    )
    p.add_argument(
        "--set",
        action="append",
        type=assignment,
        metavar="KEY=VALUE",
        help="config values the files do not record, e.g. image_size=256",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from zoo.constants import CONFIG_NAME, WEIGHTS_NAME
    from zoo.errors import ConfigError
    from zoo.models._factory import import_reference

    held = [n for n in (WEIGHTS_NAME, CONFIG_NAME) if (args.output / n).exists()]
    if held and not args.overwrite:
        raise ConfigError(
            f"-o {args.output} already holds a model ({', '.join(held)}); choose another "
            "folder, or pass --overwrite to replace it"
        )
    if args.output.exists() and not args.output.is_dir():
        raise ConfigError(f"-o {args.output} is a file; give a folder")
    model = import_reference(args.files, args.architecture, dict(args.set or []))
    model.save_pretrained(
        args.output,
        description=f"Imported from the reference pix2pix/CycleGAN code: "
        f"{', '.join(str(f) for f in args.files)}",
    )
    print(f"imported {model.architecture} {model.config.to_json()}")
    print(f"wrote {args.output}; load it with zoo.load({str(args.output)!r})")
    return 0

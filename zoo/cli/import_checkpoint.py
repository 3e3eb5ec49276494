"""`zoo import-checkpoint`: foreign checkpoints (StyleGAN2-ADA, StyleGAN3 and R3GAN network
pickles, restoration networks spandrel knows, ncnn models of Real-ESRGAN's networks,
reference pix2pix/CycleGAN generators) into a zoo model folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from zoo.cli._util import assignment, existing_file, writable_path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import-checkpoint",
        help="import StyleGAN2/3 or R3GAN network pickles, restoration networks spandrel "
        "knows (Real-ESRGAN ...), or pix2pix/CycleGAN generators",
        description="Convert a checkpoint of another code base into a zoo model folder "
        "(config.json + model.safetensors + card): a network pickle of "
        "NVlabs/stylegan2-ada-pytorch, NVlabs/stylegan3 or brownvc/R3GAN (network-snapshot-*.pkl, "
        "NVIDIA's stylegan2-*.pkl and stylegan3-*.pkl: its G_ema, and with --discriminator its "
        "D); a super-resolution or restoration network that spandrel recognises (.pth, "
        ".ckpt or .safetensors: Real-ESRGAN's RealESRGAN_x4plus.pth, ESRGAN, SwinIR, HAT, "
        '...; pip install "gan-zoo[restore]"); an ncnn model of Real-ESRGAN\'s RRDBNet or '
        "SRVGGNetCompact (realesrgan-x4plus.param, with its .bin beside it or given too), "
        "checked to compute what its ncnn graph computes; or "
        "latest_net_G.pth (pix2pix, or one CycleGAN direction) or latest_net_G_A.pth "
        "latest_net_G_B.pth (CycleGAN, both ways) from junyanz/pytorch-CycleGAN-and-pix2pix. "
        "No code inside a file runs: pickles are read as data (tensors, plain values and "
        "the reference's classes as records; any other global is refused by name, embedded "
        "source is never executed), state dicts with torch.load(weights_only=True) or "
        "spandrel's restricted unpickler, ncnn models as text and numbers. The architecture "
        "config is read off the file.",
    )
    p.add_argument(
        "files",
        nargs="+",
        type=existing_file,
        metavar="FILE",
        help="a .pkl, .pth state dict(s), or an ncnn .param (and .bin)",
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
        help="an architecture that reads reference checkpoints (default: the one that "
        "recognises the file: spandrel for the networks it knows; else pix2pix for one "
        "file, cyclegan for two)",
    )
    p.add_argument(
        "--discriminator",
        action="store_true",
        help="also keep a network pickle's discriminator (discriminator.safetensors), which "
        "`zoo train --init-from DIR` fine-tunes from",
    )
    p.add_argument(
        "--license",
        default="other",
        metavar="ID",
        help="licence of the weights for the model card, e.g. mit, cc-by-4.0 (default: "
        "other: the terms of wherever the file came from)",
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
    from zoo.constants import CONFIG_NAME, DISCRIMINATOR_NAME, WEIGHTS_NAME
    from zoo.errors import ConfigError
    from zoo.importers import import_checkpoint
    from zoo.models._weights import save_weights

    held = [n for n in (WEIGHTS_NAME, CONFIG_NAME) if (args.output / n).exists()]
    if held and not args.overwrite:
        raise ConfigError(
            f"-o {args.output} already holds a model ({', '.join(held)}); choose another "
            "folder, or pass --overwrite to replace it"
        )
    if args.output.exists() and not args.output.is_dir():
        raise ConfigError(f"-o {args.output} is a file; give a folder")
    model = import_checkpoint(
        args.files, args.architecture, dict(args.set or []), discriminator=args.discriminator
    )
    model.save_pretrained(
        args.output,
        license=args.license,
        description=f"Imported with `zoo import-checkpoint` from "
        f"{', '.join(Path(f).name for f in args.files)}.",
    )
    if args.discriminator:
        net = model.get_submodule("discriminator")
        state = {f"discriminator.{k}": v for k, v in net.state_dict().items()}
        save_weights(
            args.output / DISCRIMINATOR_NAME, state, model.architecture, model.config.to_dict()
        )
    elif (args.output / DISCRIMINATOR_NAME).exists():  # --overwrite: not another model's D
        (args.output / DISCRIMINATOR_NAME).unlink()
    print(f"imported {model.architecture} {model.config.to_json()}")
    print(f"wrote {args.output}; load it with zoo.load({str(args.output)!r})")
    return 0

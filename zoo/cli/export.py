"""`zoo export`: write a model's inference call to ONNX, TorchScript or a torch.export
program, or check such a file."""

from __future__ import annotations

import argparse
from pathlib import Path

from zoo.cli._util import add_overwrite, existing_file, print_json, refuse_existing, writable_path

FORMATS = ("onnx", "torchscript", "exported-program")  # zoo.export.FORMATS, without torch


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export a model to ONNX, TorchScript or a torch.export program",
        description="Export a model's inference call with a dynamic batch axis: generators "
        "take latent codes z (N, latent_dim) (and int64 labels (N,) if conditional) and give "
        "images in [0, 1]; translators and upscalers take images in [0, 1] and give images in "
        "[0, 1], any height and width the network allows; segmenters give class indices "
        "(N, H, W) or with --probabilities (N, K, H, W). ONNX files (opset 18) run in "
        "onnxruntime and carry the architecture, config, zoo version and weights sha256 in "
        "their metadata. With --check FILE, validate an exported file instead.",
    )
    p.add_argument(
        "name", nargs="?", help="catalog name, run folder, hf-hub:org/name or .safetensors"
    )
    p.add_argument(
        "-o", "--output", type=writable_path, help="file to write (its folder must exist)"
    )
    p.add_argument("--format", choices=FORMATS, default="onnx", help="file format (default onnx)")
    p.add_argument(
        "--direction", default="AtoB", help="translation direction of a two-way model (AtoB)"
    )
    p.add_argument(
        "--probabilities",
        action="store_true",
        help="segmenters: output class probabilities instead of class indices",
    )
    p.add_argument(
        "--check",
        type=existing_file,
        metavar="FILE",
        help="validate an exported file (the onnx checker; a reload for the torch formats) "
        "and print its metadata",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output (--check)")
    add_overwrite(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from zoo.errors import ConfigError

    if args.check is not None:
        return check(args.check, args.json)
    if args.name is None or args.output is None:
        raise ConfigError("export needs NAME and -o FILE (or --check FILE)")
    refuse_existing([args.output], args.overwrite)
    import zoo
    from zoo.export import export

    model = zoo.load(args.name)
    path = export(
        model,
        args.output,
        args.format,
        direction=args.direction,
        probabilities=args.probabilities,
        source_sha256=source_sha256(args.name),
    )
    print(f"wrote {path} ({args.format}, {path.stat().st_size / 2**20:.1f} MiB)")
    return 0


def source_sha256(name: str) -> str | None:
    """The sha256 of the weights ``name`` loads: the catalog's, or the local file's."""
    from zoo.models._catalog import load_catalog
    from zoo.models._factory import weights_file_in
    from zoo.models._weights import sha256_file

    path = Path(name)
    if path.exists():
        return sha256_file(weights_file_in(path))
    entry = load_catalog().get(name)
    if entry is not None:
        return entry.weights.sha256
    return None  # a Hub repo: its digest is checked on download, not recorded here


def check(path: Path, as_json: bool) -> int:
    from zoo.export import check as check_file

    meta = check_file(path)
    if as_json:
        print_json(meta)
        return 0
    print(f"{path}: valid {meta.get('format', '')} file of {meta.get('architecture')}")
    for key, value in meta.items():
        print(f"  {key + ':':16}{value}")
    return 0

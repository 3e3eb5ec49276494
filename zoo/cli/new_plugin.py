"""`zoo new-plugin`: scaffold an installable architecture plugin package."""

from __future__ import annotations

import argparse
from pathlib import Path

from zoo.cli._util import writable_path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "new-plugin",
        help="scaffold an installable architecture plugin",
        description="Create the package zoo-NAME: pyproject.toml with the zoo.architectures "
        "entry point, a working least-squares GAN skeleton written against zoo's public API, "
        "a conformance test and a README. --task conditional scaffolds a class-conditional "
        "one (zoo.ConditionalGAN: sample(n, labels=...)), --task image-to-image a paired "
        "translator (zoo.ImageToImageGAN: translate(images)).",
    )
    p.add_argument("name", help="architecture name: lowercase letters, digits, hyphens")
    p.add_argument(
        "--task",
        choices=("unconditional", "conditional", "image-to-image"),
        default="unconditional",
        help="the task of the skeleton (default unconditional)",
    )
    p.add_argument(
        "--dir", type=writable_path, default=Path("."), help="parent folder (default: .)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from zoo.scaffold import scaffold

    root = scaffold(args.name, args.dir, args.task)
    print(f"created {root}\nnext: cd {root} && pip install -e '.[test]' && python -m pytest")
    return 0

"""The `zoo` command line: one module per command, each with ``add_parser(sub)`` and
``run(args)``. Tables for people, ``--json`` for scripts, ``--help`` everywhere. A user's
mistake (a bad number, a missing file, an unknown name) ends in one ``zoo: error:`` line and
exit status 2, never a traceback."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

EPILOG = "Docs: README.md. Every command takes --help."

#: the commands, in the order `zoo --help` lists them
COMMANDS = (
    "list",
    "info",
    "sample",
    "interpolate",
    "translate",
    "upscale",
    "segment",
    "train",
    "eval",
    "pull",
    "push",
    "bench",
    "export",
    "demo",
    "import-checkpoint",
    "new-plugin",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zoo",
        description="gan-zoo: trained GANs to load, sample, train and evaluate.",
        epilog=EPILOG,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"zoo.cli.{name.replace('-', '_')}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from zoo.errors import ZooError

    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        return args.func(args)
    except ZooError as exc:
        print(f"zoo: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zoo: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

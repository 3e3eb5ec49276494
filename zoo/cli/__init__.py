"""The `zoo` command line: one module per command, each with ``add_parser(sub)`` and
``run(args)``. Tables for people, ``--json`` for scripts, ``--help`` everywhere. A user's
mistake (a bad number, a missing file, an unknown name) ends in one ``zoo: error:`` line and
exit status 2, never a traceback."""

from __future__ import annotations

import argparse
import importlib
import os
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
    "inpaint",
    "restore",
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


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The `zoo` parser. ``command``: give only that command its full options; the commands
    whose options are costly to build (a module ``HELP``: they import torch) get their
    one-line help, so that `zoo --help` and `zoo list` stay fast. None: every command in
    full."""
    parser = argparse.ArgumentParser(
        prog="zoo",
        description="gan-zoo: trained GANs to load, sample, train and evaluate.",
        epilog=EPILOG,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"zoo.cli.{name.replace('-', '_')}")
        if command is None or name == command or not hasattr(module, "HELP"):
            module.add_parser(sub)
        else:
            sub.add_parser(name, help=module.HELP, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from zoo.errors import ZooError

    # not list(...): importing the command module zoo.cli.list binds the name `list` here
    argv = [*(sys.argv[1:] if argv is None else argv)]
    command = next((a for a in argv if not a.startswith("-")), "")
    args = build_parser(command if command in COMMANDS else "").parse_args(argv)
    args.argv = argv
    try:
        return args.func(args)
    except ZooError as exc:
        print(f"zoo: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zoo: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `zoo list | head`: the reader left; no traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python flushes stdout at exit
        return 141  # as a shell reports SIGPIPE (128 + 13)
    except OSError as exc:  # a file or folder the command cannot read or write
        print(f"zoo: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

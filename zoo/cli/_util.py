"""What the commands share: argument types that validate where they parse (so a user's mistake
is a ``zoo: error:`` line, never a traceback), tables, JSON output."""

from __future__ import annotations

import argparse
import ast
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from zoo.constants import IMAGE_SUFFIXES

#: image formats the zoo writes
OUTPUT_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    return _int_at_least(text, 1, "a positive integer")


def non_negative_int(text: str) -> int:
    """An argparse type: an integer >= 0."""
    return _int_at_least(text, 0, "an integer >= 0")


def _int_at_least(text: str, low: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"{value} is not {what}")
    return value


def int_up_to(high: int, low: int = 1) -> Callable[[str], int]:
    """An argparse type: an integer in ``[low, high]``; the error names the limit."""

    def parse(text: str) -> int:
        what = "a positive integer" if low == 1 else f"an integer >= {low}"
        value = _int_at_least(text, low, what)
        if value > high:
            raise argparse.ArgumentTypeError(f"{value} is more than {high:,}, the most allowed")
        return value

    parse.__name__ = f"integer {low}..{high}"  # argparse's "invalid ... value" message
    return parse


#: ``--seed``: what torch's generators take (0 .. 2^64 - 1)
seed = int_up_to(2**64 - 1, low=0)


def writable_path(text: str) -> Path:
    """An argparse type: a file or folder the command may create or fill. The nearest folder
    of it that exists must be one the user can write into: checked before any work, not
    after a measurement that took minutes."""
    path = Path(text)
    folder = path.absolute() if path.is_dir() else path.absolute().parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text!r}: no permission to write into {folder}")
    return path


def output_image(text: str) -> Path:
    """An argparse type: a path to write an image to (.png, .jpg, .webp, .bmp)."""
    path = writable_path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder; give an image file name")
    if path.suffix.lower() not in OUTPUT_IMAGE_SUFFIXES:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give an image path ending in {', '.join(OUTPUT_IMAGE_SUFFIXES)}"
        )
    return path


def output_image_or_gif(text: str) -> Path:
    """An argparse type: an image path (as :func:`output_image`) or an animated ``.gif``."""
    path = writable_path(text)
    if path.suffix.lower() == ".gif" and not path.is_dir():
        return path
    if path.suffix.lower() not in OUTPUT_IMAGE_SUFFIXES or path.is_dir():
        raise argparse.ArgumentTypeError(
            f"{text!r}: give a path ending in .gif (animation) or "
            f"{', '.join(OUTPUT_IMAGE_SUFFIXES)} (grid)"
        )
    return path


def positive_float(text: str) -> float:
    """An argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return value


def truncation(text: str) -> float:
    """An argparse type: a truncation threshold, a number >= ``MIN_TRUNCATION``."""
    from zoo.constants import MIN_TRUNCATION

    value = positive_float(text)
    if value < MIN_TRUNCATION:
        raise argparse.ArgumentTypeError(
            f"{value:g} is below {MIN_TRUNCATION}, the smallest truncation (e.g. 0.5-2)"
        )
    return value


def existing_path(text: str) -> Path:
    """An argparse type: a file or folder that exists."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text!r} does not exist")
    return path


def existing_file(text: str) -> Path:
    """An argparse type: a file that exists."""
    path = existing_path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text!r} is not a file")
    return path


def device_name(text: str) -> str:
    """An argparse type: ``auto`` or a torch device name (cpu, cuda, cuda:1)."""
    import torch

    if text == "auto":
        return text
    try:
        device = torch.device(text)
    except RuntimeError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a torch device (auto, cpu, cuda, cuda:1)"
        ) from None
    if device.type == "cuda":
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count or not count:
            have = f"{count} CUDA device(s)" if count else "no CUDA device"
            raise argparse.ArgumentTypeError(f"{text!r}: this machine has {have}; try cpu")
    return text


def parse_value(text: str) -> Any:
    """A Python literal (1, 0.5, (64, 128), 'x'); true/false in any case are booleans."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def assignment(text: str) -> tuple[str, Any]:
    """An argparse type: ``KEY=VALUE`` with a Python literal value."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), parse_value(value.strip())


def table(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    """A plain-text table of ``rows`` with upper-case ``columns`` headings."""
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, default=str))


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def add_overwrite(p: argparse.ArgumentParser) -> None:
    """The ``-f/--overwrite`` flag of commands whose outputs are refused when they exist."""
    p.add_argument(
        "-f",
        "--overwrite",
        action="store_true",
        help="replace outputs that already exist (default: refuse, naming them)",
    )


def refuse_existing(paths: Sequence[Path], overwrite: bool) -> None:
    """A clear error, before any work, when one of ``paths`` exists and ``overwrite`` is off."""
    from zoo.errors import ConfigError

    existing = [p for p in paths if p.exists()]
    if existing and not overwrite:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise ConfigError(f"{existing[0]} exists{more}; pass --overwrite (-f) to replace it")

"""What the commands share: argument types that validate where they parse (so a user's mistake
is a ``zoo: error:`` line, never a traceback), tables, JSON output."""

from __future__ import annotations

import argparse
import ast
import json
from collections.abc import Sequence
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


def output_image(text: str) -> Path:
    """An argparse type: a path to write an image to (.png, .jpg, .webp, .bmp)."""
    path = Path(text)
    if path.suffix.lower() not in OUTPUT_IMAGE_SUFFIXES:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give an image path ending in {', '.join(OUTPUT_IMAGE_SUFFIXES)}"
        )
    return path


def output_image_or_gif(text: str) -> Path:
    """An argparse type: an image path (as :func:`output_image`) or an animated ``.gif``."""
    if Path(text).suffix.lower() == ".gif":
        return Path(text)
    try:
        return output_image(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give a path ending in .gif (animation) or "
            f"{', '.join(OUTPUT_IMAGE_SUFFIXES)} (grid)"
        ) from None


def positive_float(text: str) -> float:
    """An argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
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
        torch.device(text)
    except RuntimeError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a torch device (auto, cpu, cuda, cuda:1)"
        ) from None
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

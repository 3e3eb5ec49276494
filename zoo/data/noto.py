"""Google's Noto Color Emoji, as Debian's ``fonts-noto-color-emoji`` ships them: 3,926 RGBA
136x128 PNG bitmaps inside the font's ``CBDT`` table (images Apache-2.0, font OFL-1.1), read
with fontTools. Each bitmap is found from its code point sequence through the font's
character map (single code points) and its ``GSUB`` ligatures (sequences: skin tones, ZWJ
families, flags).

Matched to Twemoji (:mod:`zoo.data.emoji`) by code point sequence (U+FE0F dropped), the two
give 3,823 emoji in two artists' styles. Splits follow Twemoji's: an emoji Twemoji holds out
for testing is held out here too; the few that only Noto draws are split by the same
every-fifth rule over their own sorted order.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

import torch
from PIL import Image

from zoo.data.emoji import (
    EMOJI_SIZE,
    TEST_EVERY,
    category,
    code_points,
    on_background,
    parse_colour,
    stack,
    twemoji,
    twemoji_files,
)
from zoo.errors import DataError

LICENSE = (
    "Noto Color Emoji by Google, images Apache-2.0, font OFL-1.1 (Debian fonts-noto-color-emoji)"
)
#: where Debian's fonts-noto-color-emoji puts the font
FONT_PATHS = (
    Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"),
    Path("/usr/share/fonts/noto/NotoColorEmoji.ttf"),
)


def noto_font_path() -> Path:
    """The font file; a :class:`DataError` naming the package when it is not installed."""
    for path in FONT_PATHS:
        if path.is_file():
            return path
    raise DataError(
        "Noto Color Emoji is not installed (looked for "
        f"{', '.join(str(p) for p in FONT_PATHS)}): on Debian or Ubuntu, "
        "apt-get install fonts-noto-color-emoji"
    )


@functools.lru_cache(maxsize=1)
def noto_bitmaps() -> dict[tuple[int, ...], bytes]:
    """Code point sequence (U+FE0F dropped) -> the PNG bytes of Noto's bitmap (several
    sequences may share one bitmap: :func:`noto_keys` keeps one per bitmap)."""
    try:
        from fontTools.ttLib import TTFont
    except ImportError:
        raise DataError(
            "reading Noto Color Emoji needs fontTools: pip install fonttools "
            '(or pip install "gan-zoo[photos]")'
        ) from None
    font = TTFont(noto_font_path())
    cmap = font.getBestCmap()
    glyph_code: dict[str, int] = {}
    for code, glyph in cmap.items():
        glyph_code.setdefault(glyph, code)
    sequences: dict[tuple[int, ...], str] = {(code,): glyph for code, glyph in cmap.items()}
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for table in lookup.SubTable:
            table = table.ExtSubTable if table.LookupType == 7 else table
            if table.LookupType != 4:  # ligature substitution
                continue
            for first, ligatures in table.ligatures.items():
                for ligature in ligatures:
                    glyphs = [first, *ligature.Component]
                    if all(g in glyph_code for g in glyphs):
                        codes = tuple(glyph_code[g] for g in glyphs)
                        sequences.setdefault(codes, ligature.LigGlyph)
    strike = font["CBDT"].strikeData[0]
    bitmaps: dict[tuple[int, ...], bytes] = {}
    for codes, glyph in sorted(sequences.items()):
        key = tuple(c for c in codes if c != 0xFE0F)
        if glyph in strike and key not in bitmaps:
            bitmap = strike[glyph]
            if hasattr(bitmap, "decompile") and not hasattr(bitmap, "imageData"):
                bitmap.decompile()
            bitmaps[key] = bitmap.imageData
    return bitmaps


def noto(points: tuple[int, ...]) -> Image.Image:
    """One Noto emoji as an RGBA PIL image (136x128)."""
    with Image.open(io.BytesIO(noto_bitmaps()[points])) as img:
        return img.convert("RGBA")


@functools.lru_cache(maxsize=3)
def noto_keys(split: str = "all") -> tuple[tuple[int, ...], ...]:
    """The code point sequences of Noto's emoji in ``split``, sorted."""
    if split not in ("train", "test", "all"):
        raise DataError(f"split {split!r}; choose train, test or all")
    twemoji_test = {code_points(f.stem) for f in twemoji_files("test")}
    twemoji_all = {code_points(f.stem) for f in twemoji_files("all")}
    chosen: dict[bytes, tuple[int, ...]] = {}  # one key per bitmap, Twemoji's where it has one
    for key, png in sorted(noto_bitmaps().items()):
        if png not in chosen or (key in twemoji_all and chosen[png] not in twemoji_all):
            chosen[png] = key
    keys = sorted(chosen.values())
    if split == "all":
        return tuple(keys)
    own = [k for k in keys if k not in twemoji_all]
    own_test = {k for i, k in enumerate(own) if i % TEST_EVERY == TEST_EVERY - 1}
    held_out = split == "test"
    return tuple(k for k in keys if (k in twemoji_test or k in own_test) == held_out)


@functools.lru_cache(maxsize=6)
def noto_images(
    split: str = "all", size: int = EMOJI_SIZE, background: str | tuple[int, int, int] = "white"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Noto emoji of ``split`` on ``background``: uint8 (N, 3, size, size) and category
    labels (indices into :data:`zoo.data.emoji.CATEGORIES`)."""
    colour = parse_colour(background)
    keys = noto_keys(split)
    images = stack([on_background(noto(k), size, colour) for k in keys])
    return images, torch.tensor([category(k) for k in keys])


@functools.lru_cache(maxsize=3)
def twemoji_and_noto(
    split: str = "train", size: int = EMOJI_SIZE, background: str = "white"
) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """The emoji both sets draw, ((Twemoji, labels), (Noto, labels)) in the same code point
    order: A[i] and B[i] are one emoji in two styles. The training split's Noto half is
    shuffled (seed 0), so that no pair is ever aligned; the test split stays aligned for the
    paired evaluation."""
    colour = parse_colour(background)
    noto_set = set(noto_keys(split))
    files = [f for f in twemoji_files(split) if code_points(f.stem) in noto_set]
    keys = [code_points(f.stem) for f in files]
    a = stack([on_background(twemoji(f), size, colour) for f in files])
    b = stack([on_background(noto(k), size, colour) for k in keys])
    labels = torch.tensor([category(k) for k in keys])
    if split == "train":
        order = torch.randperm(len(keys), generator=torch.Generator().manual_seed(0))
        return (a, labels), (b[order], labels[order])
    return (a, labels), (b, labels)

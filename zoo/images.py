"""Pictures: image files, PIL <-> tensor conversion, grids and side-by-side strips as PNG."""

from __future__ import annotations

import math
import os
from pathlib import Path

import torch
from PIL import Image

from zoo.constants import IMAGE_SUFFIXES


def to_pil(images: torch.Tensor, nrow: int | None = None, padding: int = 2) -> Image.Image:
    """A grid of images in [0, 1], shape (N, C, H, W), as one PIL image."""
    if images.ndim != 4:
        raise ValueError(f"expected images of shape (N, C, H, W), got {tuple(images.shape)}")
    nrow = nrow or max(1, math.ceil(math.sqrt(images.shape[0])))
    grid = make_grid(images.detach().float().cpu(), nrow=nrow, padding=padding)
    array = grid.mul(255).round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()
    mode = CHANNEL_MODES.get(images.shape[1])
    if mode is None:
        raise ValueError(
            f"images with {images.shape[1]} channels have no picture; expected 1 (grey), "
            "2 (grey and alpha), 3 (RGB) or 4 (RGBA)"
        )
    return Image.fromarray(array[..., 0] if mode == "L" else array, mode=mode)


def make_grid(images: torch.Tensor, nrow: int, padding: int = 2) -> torch.Tensor:
    """Images (N, C, H, W) tiled ``nrow`` to a row on a white background (C, H', W'), with
    ``padding`` pixels around each, as torchvision's ``make_grid(..., pad_value=1)``: one
    image comes back as it is. Our own, so that drawing a grid never imports torchvision."""
    n, channels, height, width = images.shape
    if n == 1:
        return images[0]
    columns = min(nrow, n)
    rows = math.ceil(n / columns)
    step_y, step_x = height + padding, width + padding
    grid = images.new_ones(channels, rows * step_y + padding, columns * step_x + padding)
    for i, image in enumerate(images):
        y, x = divmod(i, columns)
        top, left = y * step_y + padding, x * step_x + padding
        grid[:, top : top + height, left : left + width] = image
    return grid


def save_grid(images: torch.Tensor, path: str | os.PathLike, nrow: int | None = None) -> Path:
    """Save images in [0, 1] as a PNG grid; returns the path written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    to_pil(images, nrow).save(path)
    return path


def save_gif(
    frames: list[torch.Tensor], path: str | os.PathLike, nrow: int | None = None, ms: int = 120
) -> Path:
    """Save an animation: each frame a grid of images in [0, 1] (N, C, H, W), shown ``ms``
    milliseconds, looping forever; returns the path written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pictures = [to_pil(frame, nrow) for frame in frames]
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=ms, loop=0)
    return path


#: PIL modes that hold one channel
GRAY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F")
#: the PIL mode of an image with this many channels
CHANNEL_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
#: ITU-R 601 luma weights of R, G and B, as PIL's "L" conversion
LUMA = (0.299, 0.587, 0.114)


def image_files(folder: Path) -> list[Path]:
    """The image files under ``folder`` (searched recursively), sorted."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def as_rgb(images: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) images of any channels shown as RGB: grey (C=1) repeated, grey with
    alpha (C=2) as its grey, RGBA (C=4) without alpha; other counts their first channel."""
    c = images.shape[1]
    if c == 3:
        return images
    if c == 4:
        return images[:, :3]
    return images[:, :1].expand(-1, 3, -1, -1)


def luma(images: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) float images -> (N, 1, H, W) grey, with the :data:`LUMA` weights."""
    weights = torch.tensor(LUMA, device=images.device).view(1, 3, 1, 1)
    return (images * weights).sum(1, keepdim=True)


def to_8bit(img: Image.Image) -> Image.Image:
    """``img`` with 16-bit or 32-bit integer values scaled to 8 bits ("L": 0..65535, or 0..255
    where no value exceeds 255) and float values in [0, 1] scaled to 0..255; 8-bit images as
    they are. PIL's own conversion clips instead: a 16-bit photograph comes out white."""
    import numpy as np

    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(img, dtype=np.float64)
        top = 65535.0 if array.max() > 255 else 255.0
        return Image.fromarray((array / top * 255).round().clip(0, 255).astype(np.uint8), "L")
    if img.mode == "F":
        array = np.asarray(img, dtype=np.float64)
        return Image.fromarray((array.clip(0, 1) * 255).round().astype(np.uint8), "L")
    return img


def read_image(
    path: str | os.PathLike, channels: int = 3, strict: str | None = None
) -> Image.Image:
    """Open an image file as a model with ``channels`` channels reads it
    (:func:`as_channels`); every command and image folder reads files through this one
    function. A file PIL cannot read is a :class:`DataError` naming it."""
    from zoo.errors import DataError

    if channels not in CHANNEL_MODES:
        raise ValueError(f"channels={channels}; images have 1, 2, 3 or 4 channels")
    try:
        with Image.open(path) as opened:
            opened.load()
            img = opened.copy()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise DataError(f"cannot read image {path}: {exc}") from None
    return as_channels(img, channels, strict, str(path))


def as_channels(
    img: Image.Image, channels: int, strict: str | None = None, name: str = "the image"
) -> Image.Image:
    """``img`` as a model with ``channels`` channels takes it: 1 "L", 2 "LA" (grey and
    alpha), 3 "RGB", 4 "RGBA". Every depth is scaled to 8 bits, never clipped
    (:func:`to_8bit`); palettes expand; transparency is composited onto white for a model
    without an alpha channel, and an image without one gets an opaque alpha for a model with
    one; colour narrows to grey by luma and grey widens to colour. With ``strict`` (what
    reads the image, for the message), colour for a grey model or grey for a colour model is
    a :class:`DataError` naming the image (``name``) instead: translation data of the wrong
    kind is more likely a mistake than a wish."""
    import numpy as np

    from zoo.errors import DataError

    if channels not in CHANNEL_MODES:
        raise ValueError(f"channels={channels}; images have 1, 2, 3 or 4 channels")
    img = to_8bit(img)
    grey = img.mode in GRAY_MODES
    if img.mode == "P":
        img = img.convert("RGBA")
    alpha = img.mode in ("RGBA", "LA", "PA", "La", "RGBa")
    if strict and channels <= 2 and not grey:
        rgb = np.asarray(img.convert("RGB"))
        if (rgb != rgb[..., :1]).any():  # not grey saved as RGB
            raise DataError(
                f"{name} is a colour ({img.mode}) image but {strict} has {channels} "
                "channel(s) (grayscale); convert the images, or use a model with 3 channels "
                "(--set input_nc=3 --set output_nc=3)"
            )
    if strict and channels >= 3 and grey:
        raise DataError(
            f"{name} is a grayscale ({img.mode}) image but {strict} has {channels} channels "
            "(RGB); convert the images, or use a model with 1 channel "
            "(--set input_nc=1 --set output_nc=1)"
        )
    if alpha and channels in (1, 3):
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img.convert("RGBA"))
    return img.convert(CHANNEL_MODES[channels])


def pil_to_uint8(img: Image.Image) -> torch.Tensor:
    """A PIL image ("L", "LA", "RGB" or "RGBA") as a uint8 tensor (C, H, W)."""
    import numpy as np

    array = np.asarray(img, dtype=np.uint8)
    return torch.from_numpy((array[None] if array.ndim == 2 else array.transpose(2, 0, 1)).copy())


def from_pil(images: Image.Image | list[Image.Image], channels: int) -> torch.Tensor:
    """PIL image(s) of one size as a float tensor (N, channels, H, W) in [0, 1]. A colour
    image for a grey model (1 or 2 channels) is an error; grey widens to colour, and a
    model with an alpha channel (2 or 4) gets an opaque one where the image has none."""
    if isinstance(images, Image.Image):
        images = [images]
    tensors = []
    for i, img in enumerate(images):
        if channels not in CHANNEL_MODES:
            raise ValueError(f"channels={channels}; images have 1, 2, 3 or 4 channels")
        mode = CHANNEL_MODES[channels]
        if channels <= 2 and img.mode not in GRAY_MODES:
            raise ValueError(
                f"image {i} is a {img.mode} image but the model expects grayscale; "
                f"pass img.convert({mode!r})"
            )
        tensors.append(pil_to_uint8(to_8bit(img).convert(mode)))
    sizes = {tuple(t.shape) for t in tensors}
    if len(sizes) > 1:
        raise ValueError(f"images of different sizes {sorted(sizes)}; translate one size at a time")
    return torch.stack(tensors).float() / 255


def to_pil_list(images: torch.Tensor) -> list[Image.Image]:
    """Each image of a (N, C, H, W) tensor in [0, 1] as a PIL image."""
    return [to_pil(img[None], nrow=1, padding=0) for img in images]


def side_by_side(images: list[Image.Image], gap: int = 2) -> Image.Image:
    """PIL images placed left to right on a white background (RGB if any is RGB)."""
    mode = "RGB" if any(img.mode != "L" for img in images) else "L"
    width = sum(img.width for img in images) + gap * (len(images) - 1)
    height = max(img.height for img in images)
    canvas = Image.new(mode, (width, height), "white")
    x = 0
    for img in images:
        canvas.paste(img.convert(mode), (x, 0))
        x += img.width + gap
    return canvas

"""Training and test data for face restoration: aligned face crops, degraded on the fly.

``--data`` is ``faces`` (the one human face in the photographs that ship offline: Eileen
Collins's in scikit-image's ``astronaut``, public domain; held out, so for ``zoo eval`` only)
or a folder of aligned face crops (FFHQ-style: one face, centred, eyes level; its ``train/``
and ``test/`` if present, else all of it), each resized to the model's face side. A batch is
``{"A": degraded, "B": clean}`` in [-1, 1], degraded by :func:`zoo.data.degradations.degrade`
with draws fixed by the batch's indices (resumes are exact).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
import torch.nn.functional as F

from zoo.data.degradations import degrade
from zoo.data.photos import photo
from zoo.data.super_resolution import folder_images
from zoo.data.translation import _batch_generator, _spread
from zoo.errors import DataError
from zoo.images import luma

#: the registered source of held-out faces
FACES = "faces"
#: (left, top, side) of the face in scikit-image's astronaut.png, cropped as FFHQ aligns
ASTRONAUT_FACE = (150, 20, 180)


def resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """Float images (N, C, H, W) resized to ``size`` x ``size`` (antialiased bicubic, clamped
    to [0, 1]); unchanged if they have that size."""
    if images.shape[-2:] == (size, size):
        return images
    out = F.interpolate(images, size=(size, size), mode="bicubic", antialias=True)
    return out.clamp(0, 1)


def _square(image: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 (C, H, W) -> float (C, size, size) in [0, 1], centre-cropped square."""
    h, w = image.shape[-2:]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    x = image[:, top : top + side, left : left + side].float()[None] / 255
    return resize(x, size)[0]


def held_out_faces(channels: int = 3) -> list[tuple[str, torch.Tensor]]:
    """The faces of the ``faces`` source: (name, uint8 (channels, H, W)); 1 or 3 channels."""
    left, top, side = ASTRONAUT_FACE
    face = photo("astronaut")[:, top : top + side, left : left + side]
    if channels == 1:
        face = luma(face[None].float())[0].round().to(torch.uint8)
    return [("astronaut", face)]


@dataclasses.dataclass
class FaceData:
    """Clean faces (float (C, size, size) in [0, 1]) and their degradations."""

    faces: list[torch.Tensor]
    names: list[str]
    source: str
    size: int

    def __len__(self) -> int:
        return len(self.faces)

    def batch(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        gen = _batch_generator(index)
        clean = torch.stack([self.faces[j] for j in (index % len(self)).tolist()])
        flips = torch.rand(len(index), generator=gen) < 0.5  # faces flip, never rotate
        clean = torch.where(flips.view(-1, 1, 1, 1), clean.flip(-1), clean)
        return {"A": degrade(clean, gen) * 2 - 1, "B": clean * 2 - 1}

    def examples(self, n: int, seed: int = 0) -> dict[str, torch.Tensor]:
        """``n`` faces spread over the set, each degraded by draws of ``seed`` (previews)."""
        index = _spread(n, len(self))
        clean = torch.stack([self.faces[j] for j in index.tolist()])
        gen = torch.Generator().manual_seed(seed)
        return {"A": degrade(clean, gen) * 2 - 1, "B": clean * 2 - 1}


def load_face_data(source: str, size: int, channels: int = 3, split: str = "train") -> FaceData:
    """The faces of ``source`` (``faces`` or a folder of aligned face crops) at ``size``."""
    if source == FACES:
        if split != "test":
            raise DataError(
                f"{FACES!r} holds one held-out face (the astronaut's), for zoo eval; train on a "
                "folder of aligned face crops (FFHQ-style: one face, centred, eyes level)"
            )
        named = held_out_faces(channels)
        description = "faces (test: the astronaut's face, scikit-image, public domain)"
    else:
        root = Path(source).expanduser()
        if not root.is_dir():
            raise DataError(
                f"data source {source!r} is neither {FACES!r} (the held-out face of the "
                "offline photographs) nor a folder of aligned face crops"
            )
        named = list(zip(*folder_images(root, split, channels)))
        description = f"folder {root} ({len(named)} faces)"
    faces = [_square(t, size) for _, t in named]
    return FaceData(faces, [n for n, _ in named], description, size)

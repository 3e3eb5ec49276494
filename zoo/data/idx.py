"""MNIST's IDX file format (images: IDX3, magic 2051; labels: IDX1, magic 2049), plain or
gzipped, as MNIST, Fashion-MNIST and their copies ship."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import torch

from zoo.errors import DataError

IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049


def _read(path: Path) -> bytes:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            return fh.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read IDX file {path}: {exc}") from None


def read_idx_images(path: Path) -> torch.Tensor:
    """Read an IDX3 image file as uint8 (N, 1, H, W)."""
    raw = _read(path)
    if len(raw) < 16:
        raise DataError(f"{path} is too short to be an IDX image file")
    magic, n, h, w = struct.unpack(">IIII", raw[:16])
    if magic != IMAGES_MAGIC:
        raise DataError(f"{path} is not an IDX3 image file (magic {magic}, expected 2051)")
    if len(raw) != 16 + n * h * w:
        raise DataError(
            f"{path} is truncated: header says {n}x{h}x{w}, file has {len(raw) - 16} bytes"
        )
    array = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 1, h, w)
    return torch.from_numpy(array.copy())


def read_idx_labels(path: Path) -> torch.Tensor:
    """Read an IDX1 label file as int64 (N,)."""
    raw = _read(path)
    if len(raw) < 8:
        raise DataError(f"{path} is too short to be an IDX label file")
    magic, n = struct.unpack(">II", raw[:8])
    if magic != LABELS_MAGIC:
        raise DataError(f"{path} is not an IDX1 label file (magic {magic}, expected 2049)")
    if len(raw) != 8 + n:
        raise DataError(f"{path} is truncated: header says {n} labels, file has {len(raw) - 8}")
    return torch.from_numpy(np.frombuffer(raw, dtype=np.uint8, offset=8).astype(np.int64))

"""Weight files: safetensors only, with the model's identity in the header.

Header metadata (all strings, as safetensors requires):
``format`` ("gan-zoo"), ``format_version``, ``architecture``, ``config`` (JSON),
``zoo_version``. Nothing here ever unpickles. Files are byte-for-byte reproducible: the
same tensors and metadata give the same bytes (the header's keys are sorted), so a catalog's
sha256 can be reproduced by re-running a model's recorded training command.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_bytes
from safetensors.torch import save as save_bytes

from zoo._version import __version__
from zoo.constants import WEIGHTS_FORMAT, WEIGHTS_FORMAT_VERSION
from zoo.errors import WeightsError

FORMAT = WEIGHTS_FORMAT
FORMAT_VERSION = WEIGHTS_FORMAT_VERSION


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: a reader sees the old
    file or the new one, never a torn one, even if the process is killed mid-write."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write {path}: {exc.strerror}") from exc
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # as open() would create it (mkstemp: 0600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.strerror:  # name the file, not the temporary one
            raise OSError(exc.errno, f"cannot write {path}: {exc.strerror}") from exc
        raise


def _umask() -> int:
    """The process's umask, read without changing it where Linux says it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore at once
    os.umask(mask)
    return mask


def save_weights(
    path: str | os.PathLike,
    tensors: dict[str, torch.Tensor],
    architecture: str,
    config: dict,
    extra: dict[str, str] | None = None,
) -> str:
    """Save tensors with zoo metadata atomically; returns the file's sha256."""
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "architecture": architecture,
        "config": json.dumps(config, sort_keys=True),
        "zoo_version": __version__,
        **(extra or {}),
    }
    tensors = {k: v.detach().contiguous().cpu() for k, v in tensors.items()}
    data = canonical_header(save_bytes(tensors, metadata=metadata))
    atomic_write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()


def canonical_header(data: bytes) -> bytes:
    """The same safetensors file with its JSON header written deterministically: keys sorted,
    compact separators, space padding to 8 bytes. The safetensors library serialises the
    metadata from a hash map, so its key order (and hence the file's sha256) changes from one
    write to the next; the tensor bytes and their offsets are already deterministic."""
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + data[8 + size :]


def read_weights(
    path: str | os.PathLike, sha256: str | None = None
) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Read a zoo weights file: (tensors, metadata). Checks sha256 when given.

    Any corrupt, truncated or foreign file raises :class:`WeightsError` naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"weights file not found: {path}")
    data = path.read_bytes()
    if sha256 is not None:
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise WeightsError(
                f"sha256 mismatch for {path}: expected {sha256}, got {actual}; "
                "the file is corrupt or not the one the catalog pins"
            )
    try:
        tensors = load_bytes(data)
        metadata = _read_metadata(data)
    except (SafetensorError, ValueError, OSError, RuntimeError) as exc:
        raise WeightsError(f"{path} is not a readable safetensors file ({exc})") from None
    if metadata.get("format") != FORMAT:
        raise WeightsError(
            f"{path} has no gan-zoo metadata (format={metadata.get('format')!r}); "
            "it was not written by the zoo"
        )
    for key in ("architecture", "config"):
        if key not in metadata:
            raise WeightsError(f"{path}: metadata lacks {key!r}")
    try:
        config = json.loads(metadata["config"])
    except json.JSONDecodeError as exc:
        raise WeightsError(f"{path}: metadata 'config' is not JSON ({exc})") from None
    if not isinstance(config, dict):
        raise WeightsError(
            f"{path}: metadata 'config' is a JSON {type(config).__name__}, not an object of "
            "config fields"
        )
    return tensors, metadata


def _read_metadata(data: bytes) -> dict[str, str]:
    if len(data) < 8:
        raise ValueError("file shorter than a safetensors header")
    size = int.from_bytes(data[:8], "little")
    if size > len(data) - 8:
        raise ValueError("header length runs past the end of the file")
    header = json.loads(data[8 : 8 + size])
    return dict(header.get("__metadata__") or {})


def state_mismatch(expected: dict[str, torch.Tensor], state: dict[str, torch.Tensor]) -> str:
    """What keeps ``state`` from loading where ``expected`` is: every missing, unexpected and
    mis-shaped key, or "" when it fits."""
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    shapes = [
        f"{k}: file {tuple(state[k].shape)} vs model {tuple(v.shape)}"
        for k, v in expected.items()
        if k in state and state[k].shape != v.shape
    ]
    problems = []
    if missing:
        problems.append("missing keys: " + ", ".join(missing))
    if unexpected:
        problems.append("unexpected keys: " + ", ".join(unexpected))
    if shapes:
        problems.append("shape mismatch: " + "; ".join(shapes))
    return " | ".join(problems)

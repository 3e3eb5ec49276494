"""Training checkpoints as one safetensors file, written atomically.

A checkpoint holds everything needed to continue a run bit-for-bit on the CPU: network and EMA
states, optimizer states, the step, the torch RNG states and the data order. Nested state
(optimizer dicts, RNG states) is flattened: tensors become entries named by their path, and the
rest is kept as JSON in the header. Nothing is pickled.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from zoo.constants import CHECKPOINT_NAME
from zoo.errors import CheckpointError, WeightsError
from zoo.models._weights import read_weights, save_weights

__all__ = ["CHECKPOINT_NAME", "save_checkpoint", "load_checkpoint"]
_TENSOR = "__tensor__"


def flatten(state: Any, prefix: str, tensors: dict[str, torch.Tensor]) -> Any:
    """Move every tensor of ``state`` into ``tensors`` and return a JSON-able skeleton."""
    if isinstance(state, torch.Tensor):
        tensors[prefix] = state.detach().cpu().clone()
        return {_TENSOR: prefix}
    if isinstance(state, dict):
        if not all(isinstance(k, (str, int)) for k in state):
            raise TypeError(f"cannot checkpoint dict keys at {prefix!r}")
        # JSON keys are strings: remember which were ints (optimizer state is keyed by int)
        return {"__dict__": [[k, flatten(v, f"{prefix}.{k}", tensors)] for k, v in state.items()]}
    if isinstance(state, (list, tuple)):
        return {"__list__": [flatten(v, f"{prefix}.{i}", tensors) for i, v in enumerate(state)]}
    if state is None or isinstance(state, (bool, int, float, str)):
        return state
    raise TypeError(f"cannot checkpoint a {type(state).__name__} at {prefix!r}")


def unflatten(skeleton: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(skeleton, dict):
        if _TENSOR in skeleton:
            return tensors[skeleton[_TENSOR]]
        if "__dict__" in skeleton:
            return {k: unflatten(v, tensors) for k, v in skeleton["__dict__"]}
        if "__list__" in skeleton:
            return [unflatten(v, tensors) for v in skeleton["__list__"]]
    return skeleton


def save_checkpoint(
    path: str | os.PathLike, state: dict[str, Any], architecture: str, config: dict
) -> None:
    tensors: dict[str, torch.Tensor] = {}
    skeleton = flatten(state, "ckpt", tensors)
    save_weights(
        path,
        tensors,
        architecture,
        config,
        extra={"kind": "checkpoint", "state": json.dumps(skeleton)},
    )


def load_checkpoint(
    path: str | os.PathLike, architecture: str, config: dict, defaults: dict | None = None
) -> dict[str, Any]:
    """Read a checkpoint, refusing one from another architecture or config. ``defaults``
    (shaped like ``config``, a dict of sections): the value of a field that a checkpoint
    written before the field existed lacks."""
    path = Path(path)
    try:
        tensors, meta = read_weights(path)
    except WeightsError as exc:
        raise CheckpointError(f"cannot resume from {path}: {exc}") from None
    if meta.get("kind") != "checkpoint" or "state" not in meta:
        raise CheckpointError(f"{path} is a weights file, not a training checkpoint")
    if meta["architecture"] != architecture:
        raise CheckpointError(
            f"{path} is a checkpoint of architecture {meta['architecture']!r}; "
            f"this run trains {architecture!r}. Use another --out folder or the same architecture."
        )
    saved = json.loads(meta["config"])
    for section, fields in (defaults or {}).items():
        if isinstance(saved.get(section), dict):
            saved[section] = {**fields, **saved[section]}
    if saved != config:
        diff = sorted(k for k in set(saved) | set(config) if saved.get(k) != config.get(k))
        details = ", ".join(
            f"{k}: checkpoint {saved.get(k)!r} vs now {config.get(k)!r}" for k in diff
        )
        raise CheckpointError(f"{path} was written with a different config ({details})")
    return unflatten(json.loads(meta["state"]), tensors)

"""Weights drawn from a seed by tensor name, for reference parity fixtures too big to commit
(big-lama's 51 million parameters): the fixture script fills the reference network with
:func:`seeded_state`, the test fills spandrel's copy of it the same way, and only the
reference's inputs and outputs are committed."""

from __future__ import annotations

import math
import zlib

import torch


def seeded_tensor(name: str, shape: tuple[int, ...], dtype: torch.dtype, seed: int) -> torch.Tensor:
    """The tensor ``name`` of ``shape``: convolution weights at 0.7/sqrt(fan-in), norm scales
    near 1, biases and running means near 0, running variances in [0.5, 1.5] (through
    big-lama's 18 residual blocks its pre-sigmoid output then has a spread of about 0.7: at
    1/sqrt(fan-in) it explodes and the sigmoid saturates, at 0.6 it flattens to 0.2)."""
    gen = torch.Generator().manual_seed(seed * 1_000_003 + zlib.crc32(name.encode()))
    leaf = name.rsplit(".", 1)[-1]
    if leaf == "num_batches_tracked":
        return torch.zeros(shape, dtype=dtype)
    if leaf == "running_var":
        return (torch.rand(shape, generator=gen) + 0.5).to(dtype)
    noise = torch.randn(shape, generator=gen)
    if leaf == "weight" and len(shape) > 1:
        return (0.7 * noise / math.sqrt(math.prod(shape[1:]))).to(dtype)
    if leaf == "weight":
        return (1 + 0.1 * noise).to(dtype)
    return (0.1 * noise).to(dtype)


def seeded_state(state: dict[str, torch.Tensor], seed: int = 0) -> dict[str, torch.Tensor]:
    """``state``'s names and shapes, filled by :func:`seeded_tensor`."""
    return {k: seeded_tensor(k, tuple(v.shape), v.dtype, seed) for k, v in state.items()}


def write_big_lama(path) -> None:
    """big-lama's checkpoint layout (a Lightning checkpoint whose ``state_dict`` holds
    ``generator.model.*``) at ``path``, filled by :func:`seeded_state` as
    scripts/make_lama_fixture.py filled the reference network (needs spandrel)."""
    from spandrel.architectures.LaMa import LaMa

    names = {k.removeprefix("model."): v for k, v in LaMa(in_nc=4, out_nc=3).state_dict().items()}
    state = {f"generator.{k}": v for k, v in seeded_state(names).items()}
    torch.save({"state_dict": state, "epoch": 40, "global_step": 1000}, path)

"""Data-parallel training under ``torchrun`` (NCCL on GPUs, gloo on CPUs).

Every rank holds the whole model and draws the same random numbers (same seed); each takes
its slice of the global batch and of every random draw (:func:`sharded`), so that N ranks
with a global batch B compute what one process with batch B computes. Gradients are averaged
across ranks after each backward (an all-reduce, as DistributedDataParallel does; done by hand
because DDP cannot differentiate twice, which the WGAN-GP penalty needs). Rank 0 alone writes
checkpoints, logs and samples.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable

import torch
import torch.distributed as dist


@dataclasses.dataclass(frozen=True)
class Shard:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0


_current = Shard()


def current() -> Shard:
    return _current


def setup_from_env() -> Shard:
    """Join the process group that torchrun describes in the environment, if any (one
    process under torchrun joins a group of one, so its backend starts as N processes' do;
    a WORLD_SIZE=1 that a scheduler exports without torchrun starts none)."""
    global _current
    world = int(os.environ.get("WORLD_SIZE", "1"))
    launched = world > 1 or "TORCHELASTIC_RUN_ID" in os.environ  # set by torchrun
    if launched and not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
    if world > 1:
        _current = Shard(
            dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0"))
        )
    return _current


def barrier() -> None:
    if dist.is_initialized():
        dist.barrier()


def teardown() -> None:
    global _current
    if dist.is_initialized():
        dist.destroy_process_group()
    _current = Shard()


def sharded(draw: Callable[[int], torch.Tensor], n_local: int) -> torch.Tensor:
    """``draw(n_local)`` on one process; with N ranks, this rank's slice of ``draw(N *
    n_local)``, so that random numbers match a single process with the global batch."""
    shard = _current
    if shard.world == 1:
        return draw(n_local)
    full = draw(n_local * shard.world)
    return full[shard.rank * n_local : (shard.rank + 1) * n_local]


def average_gradients(params: Iterable[torch.nn.Parameter]) -> None:
    """Average gradients over ranks (in one flat all-reduce)."""
    shard = _current
    if shard.world == 1:
        return
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= shard.world
    offset = 0
    for g in grads:
        g.copy_(flat[offset : offset + g.numel()].view_as(g))
        offset += g.numel()


def mean_over_processes(value: torch.Tensor) -> torch.Tensor:
    """The mean of a tensor over ranks (itself on one process)."""
    if _current.world == 1:
        return value
    value = value.clone()
    dist.all_reduce(value)
    return value / _current.world


def broadcast_module(module: torch.nn.Module) -> None:
    """Make every rank start from rank 0's parameters and buffers."""
    if _current.world == 1:
        return
    for tensor in module.state_dict().values():
        dist.broadcast(tensor, 0)

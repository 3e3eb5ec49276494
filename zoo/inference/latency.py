"""Latency of trained models' public inference calls (``sample``, ``translate``, ``upscale``,
``segment``) on their default (fast) path: batch 1, the interactive case (a demo page, ``zoo
sample -n 1``, ``zoo translate one.png``), beside the per-image time at a throughput batch,
with the first call's cost (the fast path's copy, folding and weight packing) apart.

Each figure is measured in one process, calls alternating between batch 1 and the throughput
batch so that a shared machine's drift reaches both alike.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from zoo.models.base import GAN

#: throughput batch: generators as the throughput suite; image models a moderate batch
THROUGHPUT_BATCH = {"sample": 64}
DEFAULT_THROUGHPUT_BATCH = 16


@dataclasses.dataclass
class Latency:
    name: str
    task: str
    first_call_ms: float  # the first call of a freshly loaded model (fast-path set-up)
    p50_ms: float  # batch 1
    p95_ms: float  # batch 1
    throughput_batch: int
    per_image_ms: float  # median call time at the throughput batch / that batch

    @property
    def ratio(self) -> float:
        """Batch-1 latency over the per-image time at the throughput batch."""
        return self.p50_ms / self.per_image_ms

    def row(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "ratio": self.ratio}


def public_call(model: GAN, batch: int, seed: int = 0) -> Callable[[], Any]:
    """A call of the model's inference method on ``batch`` inputs, as a user makes it."""
    from zoo.tasks.conditional import ConditionalGAN
    from zoo.tasks.unconditional import UnconditionalGAN

    if isinstance(model, (UnconditionalGAN, ConditionalGAN)):
        generator = model
        return lambda: generator.sample(batch, seed=seed)
    from zoo.tasks.inpainting import InpaintingGAN

    method = model.task.inference_method
    _, x = model.task.benchmark_input(model, batch, model.device)
    images = (x.float() * 0.5 + 0.5).clamp(0, 1)  # the network's [-1, 1] input as images
    if isinstance(model, InpaintingGAN):  # its input: the blanked image, then the mask
        c = model.config.channels
        holes = x[:, c:] > 0
        return lambda: model.inpaint(images[:, :c], holes)
    run = getattr(model, method)
    return lambda: run(images)


def _timed(fn: Callable[[], Any], device: torch.device) -> float:
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def measure(name: str, calls: int = 40, device: str = "cpu") -> Latency:
    """Load the model ``name`` and time its inference call: the first call, then ``calls``
    batch-1 calls alternating with ``calls // 4`` calls at the throughput batch."""
    import zoo

    model = zoo.load(name, device=device)
    method = model.task.inference_method
    batch = THROUGHPUT_BATCH.get(method, DEFAULT_THROUGHPUT_BATCH)
    one, many = public_call(model, 1), public_call(model, batch)
    first = _timed(one, model.device)
    _timed(many, model.device)  # its own first call (packing for that shape) is not timed
    singles, batched = [], []
    for i in range(calls):
        singles.append(_timed(one, model.device))
        if i % 4 == 0:
            batched.append(_timed(many, model.device))
    singles.sort()
    return Latency(
        name=name,
        task=model.task.name,
        first_call_ms=1000 * first,
        p50_ms=1000 * statistics.median(singles),
        p95_ms=1000 * singles[min(len(singles) - 1, round(0.95 * (len(singles) - 1)))],
        throughput_batch=batch,
        per_image_ms=1000 * statistics.median(batched) / batch,
    )

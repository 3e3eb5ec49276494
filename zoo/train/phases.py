"""Where a training step's time goes: ``data``, ``forward``, ``backward``, ``optimizer``,
``ema`` and ``other`` (the rest of the step: learning-rate schedule, freezing the other
networks, loss checks, ADA), for ``zoo bench --kinds train --profile``.

The trainer and the reference loop of the benchmark mark their phases with a
:class:`StepPhases`; disabled (the default) a mark costs one ``nullcontext``. Enabled, each
mark synchronises the device on entry and exit, so on CUDA the phases are measured without
their usual overlap (the step is slower than unprofiled; shares stay comparable).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import torch

#: the measured phases, in the order of a step; ``other`` is the step minus all of them
PHASES = ("data", "forward", "backward", "optimizer", "ema")
OTHER = "other"


class StepPhases:
    """Wall time per phase, accumulated over steps while ``enabled``."""

    def __init__(self, device: torch.device | str = "cpu", enabled: bool = False) -> None:
        self.device = torch.device(device)
        self.enabled = enabled
        self.seconds = dict.fromkeys(PHASES, 0.0)

    def reset(self) -> None:
        self.seconds = dict.fromkeys(PHASES, 0.0)

    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def __call__(self, phase: str) -> contextlib.AbstractContextManager:
        """Context that adds its wall time to ``phase`` (one of :data:`PHASES`)."""
        if not self.enabled:
            return contextlib.nullcontext()
        if phase not in self.seconds:
            raise ValueError(f"phase={phase!r}; choose one of {PHASES}")
        return self._timed(phase)

    @contextlib.contextmanager
    def _timed(self, phase: str) -> Iterator[None]:
        self._sync()
        start = time.perf_counter()
        try:
            yield
        finally:
            self._sync()
            self.seconds[phase] += time.perf_counter() - start

    def breakdown(self, steps: int, total_seconds: float) -> dict[str, float]:
        """Milliseconds per step of each phase and of ``other`` (``total_seconds`` over
        ``steps`` minus the phases), and ``step`` itself."""
        if steps < 1:
            raise ValueError(f"steps={steps}: profile at least one step")
        per_step = {p: 1e3 * s / steps for p, s in self.seconds.items()}
        step_ms = 1e3 * total_seconds / steps
        per_step[OTHER] = max(0.0, step_ms - sum(per_step.values()))
        per_step["step"] = step_ms
        return per_step

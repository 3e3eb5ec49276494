"""Peak memory of a piece of work, beyond what was in use before it: resident memory on the
CPU (Linux's high-water mark ``VmHWM``, reset through ``/proc/self/clear_refs``, after freed
memory is handed back with ``malloc_trim``) and allocated memory on CUDA
(``torch.cuda.max_memory_allocated``). Elsewhere: None."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import torch

T = TypeVar("T")
STATUS = Path("/proc/self/status")
MIB = 2**20


def _status_kib(field: str) -> int | None:
    try:
        match = re.search(rf"^{field}:\s+(\d+) kB", STATUS.read_text(), re.MULTILINE)
    except OSError:
        return None
    return int(match.group(1)) if match else None


def _release_free_memory() -> None:
    """Hand memory that earlier work freed back to the system (glibc's ``malloc_trim``), so
    that what the next piece of work allocates shows in the resident size again instead of
    reusing pages that are already resident."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _reset_high_water_mark() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_memory(fn: Callable[[], T], device: torch.device) -> tuple[T, float | None]:
    """Run ``fn``; return its result and the peak memory in MiB it used beyond what was in
    use before (resident memory on the CPU, allocated memory on CUDA), or None where this
    platform cannot say."""
    gc.collect()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        result = fn()
        torch.cuda.synchronize(device)
        return result, (torch.cuda.max_memory_allocated(device) - before) / MIB
    _release_free_memory()
    rss = _status_kib("VmRSS")
    if rss is None or not _reset_high_water_mark():
        return fn(), None
    result = fn()
    peak = _status_kib("VmHWM")
    return result, None if peak is None else max(peak - rss, 0) / 1024


def describe(value: Any) -> str:
    """A table cell: MiB with one decimal, or n/a."""
    return "n/a" if value is None else f"{value:.1f}"

"""The run folder a training writes: ``run.json``, ``log.jsonl``, ``eval.jsonl``/``eval.png``,
``best.safetensors``/``best.json`` (``--keep-best``), ``samples/``, next to the checkpoint
and the weights (:mod:`zoo.constants` names them).

Only rank 0 of a torchrun job writes; every write of a whole file is atomic.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any

from zoo.constants import (
    BEST_INFO_NAME,
    BEST_WEIGHTS_NAME,
    CHECKPOINT_NAME,
    EVAL_LOG_NAME,
    EVAL_PLOT_NAME,
    LEGACY_RUN_INFO_NAME,
    LOG_NAME,
    RUN_INFO_NAME,
    SAMPLES_DIR,
)
from zoo.errors import CheckpointError
from zoo.models._weights import atomic_write_bytes

#: the lock file of a run folder being trained into
LOCK_NAME = ".lock"


class RunFolder:
    """A training's output folder. ``writer``: whether this process writes (rank 0)."""

    def __init__(self, path: str | Path, writer: bool = True) -> None:
        self.path, self.writer = Path(path), writer
        self._lock: IO[str] | None = None

    @property
    def checkpoint(self) -> Path:
        return self.path / CHECKPOINT_NAME

    def prepare(self, resume: bool) -> None:
        """Check the folder can take this run: a new run must not overwrite one, a resumed
        run needs its checkpoint, and the folder must be writable."""
        if self.checkpoint.exists() and not resume:
            raise CheckpointError(
                f"{self.path} already holds a run (checkpoint at {self.checkpoint}); pass "
                "--resume to continue it, or choose another --out"
            )
        if self.writer:
            try:
                self.path.mkdir(parents=True, exist_ok=True)
                probe = self.path / ".write-test"
                probe.write_bytes(b"")
                probe.unlink()
            except OSError as exc:
                raise CheckpointError(
                    f"cannot write to the output folder {self.path}: {exc}"
                ) from None
            self._acquire()
            if self.checkpoint.exists() and not resume:  # written while we waited
                self.release()
                raise CheckpointError(f"{self.path} already holds a run; pass --resume")
            for leftover in self.path.rglob(".*.tmp"):  # of a write killed mid-way
                leftover.unlink(missing_ok=True)
        if resume and not self.checkpoint.exists():
            raise CheckpointError(
                f"--resume: no checkpoint in {self.path} ({self.checkpoint} is missing)"
            )

    def _acquire(self) -> None:
        """Lock the folder for this process (``.lock`` holds its PID). The operating system
        drops the lock when the process ends, however it ends, so a killed run leaves no
        stale lock behind."""
        import fcntl

        lock = (self.path / LOCK_NAME).open("a+")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.seek(0)
            holder = lock.read().strip() or "unknown"
            lock.close()
            raise CheckpointError(
                f"{self.path} is being written by another training (PID {holder}); wait for "
                "it to finish, or choose another --out"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        self._lock = lock

    def release(self) -> None:
        """Unlock the folder (at the end of a training)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def write_info(self, info: dict[str, Any]) -> None:
        """``run.json``: what was trained, how, on what, for how long."""
        if self.writer:
            data = (json.dumps(info, indent=2) + "\n").encode()
            atomic_write_bytes(self.path / RUN_INFO_NAME, data)

    def open_log(self):
        """``log.jsonl`` for appending (None on ranks that do not write)."""
        return (self.path / LOG_NAME).open("a") if self.writer else None

    def append_eval(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """Add a line to ``eval.jsonl``; returns every record so far."""
        with (self.path / EVAL_LOG_NAME).open("a") as fh:
            fh.write(json.dumps(record) + "\n")
        return self.read_evals()

    def read_evals(self) -> list[dict[str, Any]]:
        """Every record of ``eval.jsonl``, in order."""
        text = (self.path / EVAL_LOG_NAME).read_text()
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    @property
    def eval_plot(self) -> Path:
        return self.path / EVAL_PLOT_NAME

    @property
    def best_weights(self) -> Path:
        return self.path / BEST_WEIGHTS_NAME

    def read_best(self) -> dict[str, Any] | None:
        """``best.json``: the metric, value, step and metrics of the kept weights."""
        path = self.path / BEST_INFO_NAME
        return json.loads(path.read_text()) if path.is_file() else None

    def write_best(self, best: dict[str, Any]) -> None:
        if self.writer:
            atomic_write_bytes(self.path / BEST_INFO_NAME, (json.dumps(best) + "\n").encode())

    def sample_paths(self, step: int) -> tuple[Path, Path]:
        """The grid of ``step`` and ``latest.png``."""
        folder = self.path / SAMPLES_DIR
        return folder / f"step_{step:06d}.png", folder / "latest.png"

    def truncate_logs(self, step: int) -> None:
        """Drop log and eval lines of steps after ``step`` (a resumed run writes them again)."""
        if not self.writer:
            return
        for name in (LOG_NAME, EVAL_LOG_NAME):
            path = self.path / name
            if not path.exists():
                continue
            kept = []
            for line in path.read_text().splitlines():
                try:
                    if json.loads(line)["step"] <= step:
                        kept.append(line + "\n")
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue  # a line torn by a kill
            atomic_write_bytes(path, "".join(kept).encode())
        best = self.read_best()
        if best is not None and best["step"] > step:  # from steps that will be run again
            self.best_weights.unlink(missing_ok=True)
            (self.path / BEST_INFO_NAME).unlink()


def read_run_info(folder: str | Path) -> dict[str, Any] | None:
    """A run folder's ``run.json`` (or the ``config.json`` of runs written before it had
    one); None where there is none."""
    for name in (RUN_INFO_NAME, LEGACY_RUN_INFO_NAME):
        path = Path(folder) / name
        if path.is_file():
            try:
                info = json.loads(path.read_text())
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise CheckpointError(f"{path} is not the JSON a training writes: {exc}") from None
            if not isinstance(info, dict):
                raise CheckpointError(f"{path} is not the JSON object a training writes")
            if name == RUN_INFO_NAME or "train" in info:  # not a published config.json
                return info
    return None

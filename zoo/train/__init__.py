"""Training: one trainer for every architecture.

* :mod:`~zoo.train.config`: :class:`TrainConfig`, the `zoo train` options;
* :mod:`~zoo.train.trainer`: :class:`Trainer`, the loop;
* :mod:`~zoo.train.optim`: optimizers (timm's factory, fused kernels) and the schedule;
* :mod:`~zoo.train.run`: the run folder (run.json, logs, samples);
* :mod:`~zoo.train.checkpoint`: resumable state in safetensors;
* :mod:`~zoo.train.distributed`: torchrun data parallelism.
"""

from typing import TYPE_CHECKING, Any

__all__ = ["TrainConfig", "Trainer", "seed_everything"]
_SOURCES = {"TrainConfig": "config", "Trainer": "trainer", "seed_everything": "trainer"}


def __getattr__(name: str) -> Any:
    """Imported on first use: inference (which uses ``distributed``) never loads the trainer
    and timm."""
    if name not in _SOURCES:
        raise AttributeError(f"module 'zoo.train' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"zoo.train.{_SOURCES[name]}"), name)


if TYPE_CHECKING:
    from zoo.train.config import TrainConfig
    from zoo.train.trainer import Trainer, seed_everything

"""Training: one trainer for every architecture.

* :mod:`~zoo.train.config`: :class:`TrainConfig`, the `zoo train` options;
* :mod:`~zoo.train.trainer`: :class:`Trainer`, the loop;
* :mod:`~zoo.train.optim`: optimizers (timm's factory, fused kernels) and the schedule;
* :mod:`~zoo.train.run`: the run folder (run.json, logs, samples);
* :mod:`~zoo.train.checkpoint`: resumable state in safetensors;
* :mod:`~zoo.train.distributed`: torchrun data parallelism.
"""

from zoo.train.config import TrainConfig
from zoo.train.trainer import Trainer, seed_everything

__all__ = ["TrainConfig", "Trainer", "seed_everything"]

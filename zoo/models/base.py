"""The plugin contract: what an architecture provides, and what the trainer owns.

An architecture is an ``nn.Module`` subclass of :class:`GAN` (in practice of a task's base
class: :class:`zoo.UnconditionalGAN`, :class:`zoo.ImageToImageGAN`) with

* ``Config``: a frozen :class:`~zoo.config.ArchConfig` dataclass (validated, serialisable);
* its networks as named sub-modules (``generator``, ``discriminator``, ...);
* its objective: :meth:`discriminator_loss` and :meth:`generator_loss` for one batch,
  :meth:`optimizers` (which parameters, which optimizer settings) and the schedule
  ``discriminator_steps`` (n_critic);
* ``task``: a :class:`zoo.tasks.Task`, which fixes the inference entry (``sample`` for
  generators, ``translate`` for translators), the batches the losses get, the data, the
  evaluation and the previews; the task's base class provides the inference entry;
* ``inference_modules``: the sub-modules that make up the published weights.

The trainer owns the loop, optimizers, precision, compile, EMA, checkpoints and logging.
Images go into the losses scaled to [-1, 1].
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import nn

from zoo.config import ArchConfig
from zoo.errors import ConfigError, WeightsError
from zoo.inference.fast import fast_copy
from zoo.inference.staleness import Snapshot
from zoo.models._weights import state_mismatch

if TYPE_CHECKING:
    from zoo.tasks.base import Task


@dataclasses.dataclass
class OptimizerSpec:
    """Which parameters one optimizer updates and how (names follow timm's optimizer factory)."""

    modules: tuple[str, ...]
    opt: str = "adam"
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    weight_decay: float = 0.0


@dataclasses.dataclass
class LossOutput:
    """A loss to minimise plus scalars to log (tensors are fine: read only when logged), and
    what this update hands to the next one of the same step and batch."""

    loss: torch.Tensor
    logs: dict[str, torch.Tensor | float] = dataclasses.field(default_factory=dict)
    #: tensors the next update of this step finds in its (dict) batch under these keys:
    #: CycleGAN's generator update hands its fakes to the discriminator update
    handover: dict[str, torch.Tensor] = dataclasses.field(default_factory=dict)


def with_handover(batch: Any, previous: LossOutput | None) -> Any:
    """``batch`` with the ``handover`` of the previous update on it added (dict batches);
    as it is when there is none. What the trainer gives each loss."""
    if previous is None or not previous.handover:
        return batch
    if not isinstance(batch, dict):
        raise TypeError(
            f"a LossOutput.handover ({', '.join(previous.handover)}) needs dict batches, "
            f"got {type(batch).__name__}"
        )
    return {**batch, **previous.handover}


class GAN(nn.Module):
    """Base class of every architecture."""

    Config: ClassVar[type[ArchConfig]] = ArchConfig
    #: the task (set by the task's base class, e.g. :class:`zoo.UnconditionalGAN`)
    task: ClassVar[Task]
    #: sub-modules whose weights are published for inference (and averaged by EMA)
    inference_modules: ClassVar[tuple[str, ...]] = ("generator",)
    #: the name under which the architecture is registered (set by the registry)
    architecture: ClassVar[str] = ""
    #: the distribution that installs it (set by the registry; ``pip install`` names it)
    distribution: ClassVar[str] = ""
    #: discriminator updates per generator update (n_critic)
    discriminator_steps: ClassVar[int] = 1
    #: sub-modules that ``--compile`` compiles (None: every trained one); leave out those that
    #: need a double backward, which torch.compile cannot differentiate
    compile_modules: ClassVar[tuple[str, ...] | None] = None
    #: which network the trainer updates first in a step: pix2pix and GANs in general update
    #: the discriminator first; CycleGAN updates its generators first and shows the
    #: discriminators the fakes of that update
    update_order: ClassVar[tuple[str, str]] = ("discriminator", "generator")
    #: config values that run every code path quickly (benchmark smoke runs); None: defaults
    small_config: ClassVar[dict[str, Any] | None] = None
    #: reference modules whose pickled objects :meth:`from_reference_pickle` reads (as
    #: :class:`zoo.importers.Record` s, never imported): empty for architectures that import
    #: no network pickles
    pickle_modules: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: ArchConfig | None = None, **overrides: Any) -> None:
        super().__init__()
        if config is None:
            config = self.Config(**overrides)
        elif overrides:
            config = dataclasses.replace(config, **overrides)
        if not isinstance(config, self.Config):
            raise ConfigError(
                f"{type(self).__name__} expects a {self.Config.__name__}, "
                f"got {type(config).__name__}"
            )
        self.config = config
        #: the share of the run's steps done, which the trainer sets before each step
        #: (0 outside training): for losses with schedules, such as R3GAN's falling gamma
        self.training_progress = 0.0

    # -- starting from another model (zoo train --init-from) ----------------------------------
    @classmethod
    def config_from(cls, start: GAN) -> dict[str, Any] | None:
        """The config values a run that starts from the trained model ``start`` takes from
        it (``zoo train --init-from``; ``--set`` overrides them), or None where this
        architecture cannot start from it. By default: none taken, and only a model of this
        architecture."""
        return {} if start.architecture == cls.architecture else None

    # -- importing foreign checkpoints -------------------------------------------------------
    @classmethod
    def reads_pickle(cls, contents: Any) -> bool:
        """Whether ``contents`` (a network pickle read by :func:`zoo.importers.read_pickle`)
        is one this architecture imports."""
        return False

    @classmethod
    def reads_checkpoint(cls, paths: list[str | os.PathLike]) -> bool:
        """Whether the weights files ``paths`` (state dicts, not network pickles) are ones
        this architecture recognises by their tensors (the spandrel bridge: any file
        spandrel knows); asked before the reference pix2pix/CycleGAN reading."""
        return False

    @classmethod
    def from_reference_checkpoint(
        cls, paths: list[str | os.PathLike], overrides: dict[str, Any] | None = None
    ) -> GAN:
        """A model (eval mode) from the weights files ``paths`` this architecture
        :meth:`reads_checkpoint` (translators: the reference pix2pix/CycleGAN generators);
        ``overrides``: config values the files do not record."""
        raise NotImplementedError(f"{cls.__name__} imports no state-dict files")

    @classmethod
    def from_reference_pickle(
        cls, contents: Any, overrides: dict[str, Any], discriminator: bool = False
    ) -> GAN:
        """A model (eval mode) from a network pickle this architecture :meth:`reads_pickle`:
        its inference generator, and with ``discriminator`` the discriminator too;
        ``overrides``: config values the file does not record."""
        raise NotImplementedError(f"{cls.__name__} imports no network pickles")

    # -- objective --------------------------------------------------------------------------
    def optimizers(self) -> dict[str, OptimizerSpec]:
        """Optimizer name -> spec. The trainer steps them in the order D, then G."""
        raise NotImplementedError

    def discriminator_loss(self, batch: Any) -> LossOutput:
        raise NotImplementedError

    def generator_loss(self, batch: Any) -> LossOutput:
        raise NotImplementedError

    def real_scores(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """The real images of ``batch`` (a leaf that requires grad) and the discriminator's
        scores of them: what the trainer's R1 penalty differentiates and ADA's controller
        reads. Generator base classes define it for a ``discriminator`` that scores images."""
        raise NotImplementedError(
            f"{self.architecture or type(self).__name__} does not define real_scores(batch), "
            "which R1 (--r1-gamma) and ADA (--ada-target) need"
        )

    def preview(self, data: Any, n: int, seed: int) -> tuple[torch.Tensor, int | None]:
        """Images in [0, 1] for the trainer's sample grids, and the grid's row length:
        what the task shows (samples; or input, translation and target rows). ``data`` is
        the training data (an object with ``examples(n)`` for image-to-image tasks)."""
        return self.task.preview(self, data, n, seed)

    def loss_of(self, network: str) -> Any:
        """The loss function of ``network`` ("discriminator" or "generator")."""
        return {"discriminator": self.discriminator_loss, "generator": self.generator_loss}[network]

    def update_schedule(self) -> Iterator[tuple[str, bool]]:
        """The updates of one training step as (network, needs a fresh batch): in
        ``update_order``, ``discriminator_steps`` D updates each on a fresh batch and one G
        update; the second network sees the last batch of the first, with the ``handover`` of
        the update before it on that batch (:func:`with_handover`)."""
        first = True
        for name in self.update_order:
            repeats = self.discriminator_steps if name == "discriminator" else 1
            for i in range(repeats):
                yield name, first or i > 0
                first = False

    # -- weights ----------------------------------------------------------------------------
    def inference_state_dict(self) -> dict[str, torch.Tensor]:
        """The published weights: state of ``inference_modules``, keys prefixed by module."""
        state = {}
        for name in self.inference_modules:
            for key, value in getattr(self, name).state_dict().items():
                state[f"{name}.{key}"] = value
        return state

    def load_inference_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Load published weights, naming every missing, unexpected or mis-shaped key."""
        problems = state_mismatch(self.inference_state_dict(), state)
        if problems:
            raise WeightsError(
                f"weights do not fit {self.architecture or type(self).__name__} "
                f"with config {self.config.to_json()}: {problems}"
            )
        for name in self.inference_modules:
            prefix = name + "."
            sub = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
            getattr(self, name).load_state_dict(sub, strict=True)

    def named_inference_modules(self) -> Iterator[tuple[str, nn.Module]]:
        for name in self.inference_modules:
            yield name, getattr(self, name)

    def save_pretrained(self, folder: str | os.PathLike, **card: Any) -> Path:
        """Write config.json, model.safetensors, a model card and a sample image to ``folder``;
        ``zoo.load(folder)`` reads it back. ``card``: metrics, dataset, license,
        training_command, description."""
        from zoo.models._publish import save_pretrained

        return save_pretrained(self, folder, **card)

    def export(self, path: str | os.PathLike, format: str = "onnx", **kwargs: Any) -> Path:
        """Write the inference call to ONNX, TorchScript or a torch.export program (see
        :func:`zoo.export.export`); returns the path."""
        from zoo.export import export

        return export(self, path, format, **kwargs)

    def push_to_hub(self, repo_id: str, **kwargs: Any) -> str:
        """Publish to the Hugging Face Hub (see :func:`zoo.models._publish.push`); returns the
        commit sha."""
        from zoo.models._publish import push

        return push(self, repo_id, **kwargs)

    def _fast_module(self, name: str, fast: bool | str = True) -> nn.Module:
        """Sub-module ``name`` for inference: itself (``fast=False``), or as :func:`fast_copy`
        makes it (``True``, ``"compile"``), cached until a weight changes
        (:class:`zoo.inference.staleness.Snapshot`)."""
        module = getattr(self, name)
        if not fast:
            return module
        if fast not in (True, "compile"):
            raise ValueError(f"fast={fast!r}; choose True, False or 'compile'")
        caches = self.__dict__.setdefault("_fast_cache", {})  # not sub-modules: no state entry
        cached = caches.get(name)
        if (
            cached is None
            or cached[0] != fast
            or cached[1] is not module
            or not cached[2].still_matches(module)
        ):
            copied = fast_copy(module, self.device, compile=fast == "compile")
            cached = caches[name] = (fast, module, Snapshot.of(module), copied)
        return cached[3]

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def extra_repr(self) -> str:
        return f"architecture={self.architecture!r}, config={self.config.to_json()}"

"""What a task is: everything about a use of GANs that does not depend on the architecture.

A task owns its inference entry (``sample``, ``translate``, ...), the data it trains on and
how that data is loaded, how its models are evaluated, what its previews and model cards show,
its benchmark input and its conformance checks. The CLI, the Hub code, the benchmarks and the
conformance kit ask the model's task (``model.task``) instead of comparing task names, so a new
task is a new module: subclass :class:`Task`, give an architecture base class a ``task``
instance, and everything that asks the task follows. A plugin may bring its own task.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import torch

if TYPE_CHECKING:
    from zoo.config import ArchConfig
    from zoo.export.graphs import ExportSpec
    from zoo.models.base import GAN

#: the model class a task serves (its base class, e.g. :class:`zoo.UnconditionalGAN`)
M = TypeVar("M", bound="GAN")


@dataclasses.dataclass(frozen=True)
class EvalRequest:
    """What `zoo eval` asks of :meth:`Task.evaluate`."""

    #: the data to measure against (a registered source, ``NAME:SPLIT``, or a folder)
    data: str
    #: samples to draw (generators; tasks with a fixed test set measure all of it)
    samples: int = 1000
    #: seed of the samples (tasks that draw nothing at random report it only)
    seed: int = 0
    #: show progress bars
    progress: bool = True
    #: the feature extractor of FID and friends (generators; None: the data's default)
    features: str | None = None
    #: also measure real-vs-real and untrained references
    references: bool = False


class Task(Generic[M]):
    """Base class of tasks. Subclasses set the class attributes and implement the methods;
    ``M`` is the model class the task serves, whose attributes its methods read."""

    #: the task's name, as written in config.json, `zoo list --architectures` and the docs
    name: ClassVar[str] = ""
    #: the Hugging Face Hub ``pipeline_tag`` of its model cards
    pipeline_tag: ClassVar[str] = ""
    #: the model method that runs inference (``sample``, ``translate``)
    inference_method: ClassVar[str] = ""
    #: the `zoo` command that runs inference (``sample``, ``translate``)
    command: ClassVar[str] = ""
    #: the benchmark batch size when none is given (64 for generators; 1 for translators, as
    #: the reference pix2pix/CycleGAN code tests)
    default_batch: ClassVar[int] = 64
    #: what ``--data`` of `zoo train`/`zoo eval` accepts (shown in --help)
    data_help: ClassVar[str] = ""
    #: the metrics `zoo list` shows first, where an entry has them (`zoo info` shows all)
    headline_metrics: ClassVar[tuple[str, ...]] = ()
    #: `zoo eval` of a run trained on ``SOURCE:train`` measures it on ``SOURCE:test`` (with
    #: figures against the training split and a memorisation check)
    measures_held_out_split: ClassVar[bool] = False
    #: whether `zoo eval RUN` of a run trained on a folder measures it on that folder (its
    #: test split) rather than on :meth:`default_eval_data`
    evaluates_training_folder: ClassVar[bool] = False

    def __repr__(self) -> str:
        return f"<task {self.name}>"

    def __str__(self) -> str:
        return self.name

    # -- data -------------------------------------------------------------------------------
    def configure(self, config: ArchConfig, data: str, given: set[str]) -> ArchConfig:
        """The config `zoo train` builds the model with, completed from the training data
        ``data`` (e.g. its classes) where the user set none of ``given``. As is by default."""
        return config

    def add_data_arguments(self, group: argparse._ArgumentGroup) -> None:
        """Add the `zoo train` options this task's data loading reads (none by default)."""

    def training_data(
        self, model: M, source: str, options: dict[str, Any], progress: bool = True
    ) -> Any:
        """The training data of ``source`` for ``model`` (its config fixes sizes and
        channels): an object with
        ``len()``, ``source`` and ``batch(index)`` (what the losses take). ``options``: the
        values of the options :meth:`add_data_arguments` added."""
        raise NotImplementedError

    def random_training_data(self, model: M, n: int) -> Any:
        """``n`` random training examples for ``model`` (conformance checks, benchmarks)."""
        raise NotImplementedError

    # -- evaluation -------------------------------------------------------------------------
    def evaluate(self, model: M, request: EvalRequest) -> dict[str, Any]:
        """``zoo eval``: ``{"metrics": {...}, "samples": int, "seed": int, ...}``."""
        raise NotImplementedError

    def evaluator(self, data: str, samples: int) -> Callable[[M], dict[str, float]]:
        """What `zoo train --eval-every` measures: the metrics of :meth:`evaluate` without
        the slower extras."""
        request = EvalRequest(data, samples, seed=0, progress=False)
        return lambda model: self.evaluate(model, request)["metrics"]

    def references_note(self, data: str) -> str:
        """What the real-vs-real and untrained columns of `zoo eval` measured."""
        return (
            f"real vs real: two halves of the real images of {data}; untrained: the same "
            "architecture and config, randomly initialised"
        )

    def default_eval_data(self) -> str | None:
        """``--data`` of `zoo eval` when neither the catalog nor the run folder names one."""
        return None

    def eval_summary(self, name: str, result: dict[str, Any]) -> str:
        """The first line `zoo eval` prints."""
        return f"{name}: {result['samples']} samples, seed {result.get('seed', 0)}"

    # -- previews, cards --------------------------------------------------------------------
    def preview(self, model: M, data: Any, n: int, seed: int) -> tuple[torch.Tensor, int | None]:
        """Images in [0, 1] for the trainer's sample grids, and the grid's row length."""
        raise NotImplementedError

    def export_spec(
        self, model: M, direction: str = "AtoB", probabilities: bool = False
    ) -> ExportSpec:
        """What ``zoo export`` writes for ``model``: a :class:`zoo.export.graphs.ExportSpec`
        (the inference call as one module, example inputs, names, dynamic axes)."""
        from zoo.errors import ExportError

        raise ExportError(
            f"{model.architecture or type(model).__name__} cannot be exported: its task "
            f"{self.name!r} does not define export_spec()"
        )

    def write_card_image(self, model: M, folder: Path, data: str = "") -> str | None:
        """Write the picture of a model card into ``folder``; returns its file name (None:
        no picture). ``data``: the data source the model was trained or evaluated on, where
        known, for tasks whose picture needs inputs."""
        return None

    def card_notes(self, model: M) -> str:
        """Markdown the model card adds after the usage (e.g. a conditional model's classes)."""
        return ""

    def usage(self) -> str:
        """Python lines that use a loaded ``model`` (model cards, docs)."""
        raise NotImplementedError

    # -- benchmarks, conformance ------------------------------------------------------------
    def benchmark_input(
        self, model: M, batch: int, device: torch.device
    ) -> tuple[torch.nn.Module, torch.Tensor]:
        """(the network the default inference entry runs, an input batch for it)."""
        raise NotImplementedError

    def check(self, model: M) -> list[str]:
        """Task-specific conformance checks of an eval-mode ``model`` (``AssertionError``
        naming what is wrong); returns the names of the checks that passed."""
        raise NotImplementedError

    def check_same_outputs(self, model: M, other: M) -> None:
        """Assert that ``model`` and ``other`` (its safetensors round trip) infer alike."""
        raise NotImplementedError

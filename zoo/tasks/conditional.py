"""Class-conditional generation: (latent code, class label) to images.

:class:`ConditionalGAN` is the base class of class-conditional generators (``sample(n,
labels=...)``); :class:`ConditionalConfig` the base of their configs (a
:class:`~zoo.tasks.latent.GeneratorConfig` with ``num_classes``, ``class_names``,
``class_weights``, carried in the weights header, the Hub ``config.json`` and
the model card);
:class:`Conditional` is their task: labelled image data, label accuracy, intra-class FID and
the unconditional metrics against a source's real test split
(:mod:`zoo.metrics.conditional`), one row per class in previews.

The losses receive ``{"images": real images in [-1, 1] (N, C, H, W), "labels": int64 (N,)}``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import torch

from zoo.config import ArchConfig, bounded
from zoo.data.images import LabelledImageData, class_folders, load_data, random_data, split_source
from zoo.data.sources import get_source, is_source
from zoo.errors import ConfigError, DataError, LabelError
from zoo.images import image_files, save_grid
from zoo.tasks.base import EvalRequest, Task
from zoo.tasks.latent import GeneratorConfig, LatentCodes
from zoo.train.distributed import sharded

if TYPE_CHECKING:
    from zoo.export.graphs import ExportSpec

LabelsLike = int | str | Sequence[int | str] | torch.Tensor | None


@dataclasses.dataclass(frozen=True)
class ClassesConfig(ArchConfig):
    """Base of the configs of models that know classes (conditional generators, segmenters):
    ``num_classes`` and ``class_names``, validated together."""

    num_classes: int = bounded(10, 2, 100_000, "number of classes (zoo train: the data's)")
    class_names: tuple[str, ...] = dataclasses.field(
        default=(),
        metadata={"doc": "class names in label order (empty: the label numbers)"},
    )

    def validate(self) -> None:
        super().validate()
        names = self.class_names
        if names and len(names) != self.num_classes:
            raise ConfigError(
                self._where("class_names", names)
                + f" names {len(names)} classes; num_classes={self.num_classes}"
            )
        if len(set(names)) != len(names):
            raise ConfigError(self._where("class_names", names) + " repeats a name")


@dataclasses.dataclass(frozen=True)
class ConditionalConfig(GeneratorConfig, ClassesConfig):
    """Base of the configs of class-conditional generators: a :class:`GeneratorConfig` with
    the classes. ``zoo train`` fills ``num_classes``, ``class_names`` and ``class_weights``
    from the training data unless given."""

    class_weights: tuple[float, ...] = dataclasses.field(
        default=(),
        metadata={
            "doc": "how often sample() draws each class when given no labels (zoo train: "
            "the data's class frequencies; empty: uniform); training draws uniformly"
        },
    )

    def validate(self) -> None:
        super().validate()
        weights = self.class_weights
        if weights and len(weights) != self.num_classes:
            raise ConfigError(
                self._where("class_weights", weights)
                + f" weighs {len(weights)} classes; num_classes={self.num_classes}"
            )
        if weights and (min(weights) < 0 or sum(weights) <= 0):
            raise ConfigError(
                self._where("class_weights", weights)
                + " must be non-negative with a positive sum (e.g. class frequencies)"
            )


class Conditional(Task["ConditionalGAN"]):
    name = "conditional"
    pipeline_tag = "unconditional-image-generation"  # the Hub's closest tag
    inference_method = "sample"
    command = "sample"
    default_batch = 64
    headline_metrics = ("label_accuracy", "intra_fid", "fid")
    data_help = (
        "class-conditional generators: labelled images: 'mnist', 'digits', 'fashion-mnist' "
        "(NAME:train or NAME:test picks a split), a folder with one sub-folder per class, or "
        "MNIST IDX files with their label file"
    )

    # -- data -------------------------------------------------------------------------------
    def configure(self, config: ArchConfig, data: str, given: set[str]) -> ArchConfig:
        """``config`` with ``num_classes``, ``class_names`` and ``class_weights`` taken from
        ``data`` where the user gave none (``given``: the fields set on the command line)."""
        classes = data_classes(data)
        if not classes:
            return config
        if not isinstance(config, ClassesConfig):
            raise ConfigError(
                f"{type(config).__name__} has no classes to fill from --data {data}: the "
                "config of a class-conditional architecture extends zoo.ConditionalConfig"
            )
        n = config.num_classes
        if "num_classes" in given and n != len(classes):
            raise ConfigError(
                f"num_classes={n} but --data {data} has {len(classes)} classes "
                f"({', '.join(classes)}); leave num_classes out to take the data's"
            )
        updates: dict[str, Any] = {"num_classes": len(classes)}
        if "class_names" not in given:
            updates["class_names"] = tuple(classes)
        if "class_weights" not in given:
            updates["class_weights"] = data_class_frequencies(data, len(classes))
        return dataclasses.replace(config, **updates)

    def training_data(
        self, model: ConditionalGAN, source: str, options: dict[str, Any], progress: bool = True
    ) -> LabelledImageData:
        c = model.config
        data = load_data(source, c.image_size, c.channels, progress)
        labelled = LabelledImageData(data.images, data.source, data.labels, data.classes)
        labels = labelled.labels
        assert labels is not None  # LabelledImageData refuses data without labels
        top = int(labels.max())
        if int(labels.min()) < 0 or top >= c.num_classes:
            raise DataError(
                f"--data {source} has labels up to {top}; the model has num_classes="
                f"{c.num_classes} (labels 0..{c.num_classes - 1})"
            )
        return labelled

    def random_training_data(self, model: ConditionalGAN, n: int) -> LabelledImageData:
        c = model.config
        data = random_data(n, c.channels, c.image_size)
        labels = torch.arange(n) % c.num_classes
        return LabelledImageData(data.images, data.source, labels)

    # -- evaluation -------------------------------------------------------------------------
    def evaluate(self, model: ConditionalGAN, request: EvalRequest) -> dict[str, Any]:
        from zoo.metrics import conditional

        r = request
        result = conditional.evaluate(model, r.data, r.samples, r.seed, r.progress, r.features)
        if r.references:
            result["references"] = conditional.references(model, r.data, r.samples, r.seed)
        return result

    def evaluator(self, data: str, samples: int) -> Callable[[ConditionalGAN], dict[str, float]]:
        from zoo.metrics import conditional

        conditional.check_data(data)
        return super().evaluator(data, samples)

    def references_note(self, data: str) -> str:
        return (
            f"real vs real: real training images of {data} measured as samples against its "
            "test split; untrained: the same architecture and config, randomly initialised"
        )

    def default_eval_data(self) -> str:
        return "mnist"

    def eval_summary(self, name: str, result: dict[str, Any]) -> str:
        return (
            f"{name}: {result['samples']} samples (classes as in training), "
            f"seed {result['seed']}, against the {result['split']} split of {result['data']}"
        )

    # -- previews, cards --------------------------------------------------------------------
    def preview(
        self, model: ConditionalGAN, data: Any, n: int, seed: int
    ) -> tuple[torch.Tensor, int]:
        per_class = max(1, n // model.num_classes)
        return model.class_grid(per_class, seed=seed), per_class

    def write_card_image(self, model: ConditionalGAN, folder: Path, data: str = "") -> str:
        was_training = model.training
        model.eval()
        per_class = 8
        images = model.class_grid(per_class, seed=0).cpu()
        save_grid(images, folder / "sample.png", per_class)
        model.train(was_training)
        return "sample.png"

    def card_notes(self, model: ConditionalGAN) -> str:
        names = model.class_names
        listed = ", ".join(f"{i}: `{n}`" for i, n in enumerate(names))
        return f"Classes (label: name; `labels=` takes either): {listed}.\n"

    def export_spec(
        self, model: ConditionalGAN, direction: str = "AtoB", probabilities: bool = False
    ) -> ExportSpec:
        from zoo.export.graphs import ExportSpec, LabelledLatentToImage

        z = torch.randn(2, model.latent_dim)
        labels = torch.tensor([0, model.num_classes - 1])
        return ExportSpec(
            LabelledLatentToImage(model.generator),
            (z, labels),
            ["z", "labels"],
            ["images"],
            {"z": {0: "batch"}, "labels": {0: "batch"}},
            {
                "latent_dim": model.latent_dim,
                "class_names": list(model.class_names),
            },
        )

    def usage(self) -> str:
        return (
            "images = model.sample(64, labels=3, seed=0)  # 64 images of class 3, in [0, 1]\n"
            "grid = model.class_grid(8, seed=0)  # 8 per class, one class after another\n"
            "print(model.class_names)"
        )

    # -- benchmarks, conformance ------------------------------------------------------------
    def benchmark_input(
        self, model: ConditionalGAN, batch: int, device: torch.device
    ) -> tuple[torch.nn.Module, torch.Tensor]:
        labels = torch.arange(batch, device=device) % model.num_classes
        net = WithLabels(model.generator, labels)
        return net, torch.randn(batch, model.latent_dim, device=device)

    def check(self, model: ConditionalGAN) -> list[str]:
        c = model.config
        shape = (c.channels, c.image_size, c.image_size)
        sample = model.sample
        a, b, other = sample(4, seed=1), sample(4, seed=1), sample(4, seed=2)
        assert a.shape == (4, *shape), f"sample(4) has shape {tuple(a.shape)}, expected {shape}"
        assert a.min() >= 0 and a.max() <= 1, "sample() must return images in [0, 1]"
        assert torch.equal(a, b), "sample(n, seed=s) must return the same images for the same seed"
        assert not torch.equal(a, other), "different seeds gave identical samples"
        gen = torch.Generator().manual_seed(1)
        z = model.latent(4, gen)
        y = torch.randint(0, c.num_classes, (4,), generator=gen)
        exact = sample(4, seed=1, fast=False)
        assert torch.equal(sample(latents=z, labels=y, fast=False), exact), (
            "sample(latents=z, labels=y) must equal sample(seed=s) for the codes and labels "
            "that seed draws"
        )
        zeros = sample(latents=z, labels=0, fast=False)
        ones = sample(latents=z, labels=1, fast=False)
        assert not torch.equal(zeros, ones), (
            "labels are ignored: the same latents gave the same images for classes 0 and 1"
        )
        for bad in (c.num_classes, -1):
            try:
                sample(2, labels=bad)
            except LabelError:
                continue
            raise AssertionError(f"sample(labels={bad}) must raise zoo.errors.LabelError")
        return ["sample_shape_range_determinism", "labels_honoured", "bad_labels_rejected"]

    def check_same_outputs(self, model: ConditionalGAN, other: ConditionalGAN) -> None:
        assert torch.equal(model.sample(4, seed=3), other.sample(4, seed=3)), (
            "samples differ after a safetensors round trip"
        )
        assert model.class_names == other.class_names, "class names lost in the round trip"


CONDITIONAL = Conditional()


def data_classes(data: str) -> tuple[str, ...]:
    """The class names of ``data`` without loading its images: a registered source's, or a
    folder's class sub-folders; () where unknown."""
    name, _ = split_source(data)
    if is_source(name):
        return get_source(name).classes
    path = Path(data).expanduser()
    if path.is_dir():
        return tuple(d.name for d in class_folders(path))
    return ()


def data_class_frequencies(data: str, classes: int) -> tuple[float, ...]:
    """The share of each class among the training images of ``data`` (a registered source's
    training split unless ``data`` names one, or a folder's class sub-folders), rounded to 5
    places: ``sample()`` draws classes as often as the model saw them; () (uniform) where
    every class has as many images."""
    name, split = split_source(data)
    if is_source(name):
        source = get_source(name)
        counts = torch.bincount(source.load(split or source.training_split)[1], minlength=classes)
    else:
        folders = class_folders(Path(data).expanduser())
        counts = torch.tensor([len(image_files(d)) for d in folders])
    if bool((counts == counts[0]).all()):
        return ()
    return tuple(round(float(c), 5) for c in counts.double() / counts.sum())


class WithLabels(torch.nn.Module):
    """A conditional generator with fixed labels, called with codes alone (benchmarks)."""

    labels: torch.Tensor

    def __init__(self, generator: torch.nn.Module, labels: torch.Tensor) -> None:
        super().__init__()
        self.generator = generator
        self.register_buffer("labels", labels, persistent=False)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator(z, self.labels[: len(z)])


class ConditionalGAN(LatentCodes):
    """A GAN that maps a latent code and a class label to an image, with ``sample(n,
    labels=...)``. Subclasses use a :class:`ConditionalConfig` (with ``latent_dim``,
    ``image_size``, ``channels``) and set ``generator``: a module mapping (N, latent_dim)
    float codes and (N,) int64 labels to (N, C, H, W) images in [-1, 1]."""

    task: ClassVar[Task[Any]] = CONDITIONAL
    Config: ClassVar[type[ArchConfig]] = ConditionalConfig
    config: ConditionalConfig

    def real_scores(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """A projection discriminator's ``discriminator(images, labels)`` scores of the reals
        (an auxiliary-classifier GAN overrides it)."""
        real = batch["images"].detach().requires_grad_(True)
        return real, self.discriminator(real, batch["labels"])

    @property
    def num_classes(self) -> int:
        return self.config.num_classes

    @property
    def class_names(self) -> tuple[str, ...]:
        """The classes in label order: the config's names, else the label numbers."""
        names = self.config.class_names
        return tuple(names) or tuple(str(i) for i in range(self.num_classes))

    def _valid(self) -> str:
        names = ", ".join(self.class_names)
        return f"0..{self.num_classes - 1} or a class name ({names})"

    def class_index(self, label: int | str) -> int:
        """One label as a class index: an int in range, a class name (any case), or a
        number written as text."""
        if isinstance(label, str):
            lowered = [n.lower() for n in self.class_names]
            if label.lower() in lowered:
                return lowered.index(label.lower())
            if not label.strip().isdigit():
                raise LabelError(f"unknown class {label!r}; valid: {self._valid()}")
            label = int(label)
        if isinstance(label, bool) or not isinstance(label, int):
            raise LabelError(f"label {label!r} is not a class; valid: {self._valid()}")
        if not 0 <= label < self.num_classes:
            raise LabelError(f"label {label} is out of range; valid: {self._valid()}")
        return label

    def fake(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` generated images in [-1, 1] of uniformly drawn classes, and those classes
        (int64): what a loss compares with real labelled images (gradients flow). Uniform
        even for imbalanced data: on emoji (People & Body 61%), fakes drawn at the data's
        frequencies left the rare categories untrained (label accuracy 32% against 41%)."""
        labels = self.labels(None, n, weighted=False)
        return self.generator(self.latent(n), labels), labels

    def labels(
        self,
        labels: LabelsLike,
        n: int,
        generator: torch.Generator | None = None,
        weighted: bool = True,
    ) -> torch.Tensor:
        """``labels`` as an int64 tensor of length ``n`` on the model's device: None draws
        classes (with ``generator``) as often as the config's ``class_weights`` say (uniformly
        where it has none, or with ``weighted=False``); one class repeats; a sequence or 1-d
        integer tensor must have ``n`` entries."""
        if labels is None:
            weights = self.config.class_weights if weighted else ()
            if not weights:
                if generator is None:
                    return sharded(
                        lambda m: torch.randint(0, self.num_classes, (m,), device=self.device), n
                    )
                return torch.randint(0, self.num_classes, (n,), generator=generator).to(self.device)
            w = torch.tensor(weights, dtype=torch.float64)
            if generator is None:
                return sharded(lambda m: torch.multinomial(w, m, True).to(self.device), n)
            return torch.multinomial(w, n, True, generator=generator).to(self.device)
        if isinstance(labels, (int, str)):
            return torch.full((n,), self.class_index(labels), device=self.device)
        if isinstance(labels, torch.Tensor):
            if labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool:
                raise LabelError(
                    f"labels of dtype {labels.dtype}; give integer class indices (torch.long)"
                )
            if labels.ndim == 0:
                return self.labels(int(labels), n)
            if labels.ndim != 1:
                raise LabelError(f"labels of shape {tuple(labels.shape)}; expected ({n},)")
            values = labels.tolist()
        elif isinstance(labels, Sequence):
            values = list(labels)
        else:
            raise LabelError(
                f"labels={labels!r}: give an int, a class name, a sequence of them or a tensor"
            )
        if len(values) != n:
            raise LabelError(f"{len(values)} labels for {n} samples; give one per sample")
        return torch.tensor([self.class_index(v) for v in values], device=self.device)

    def sample(
        self,
        n: int | None = None,
        labels: LabelsLike = None,
        seed: int | None = None,
        batch_size: int = 256,
        fast: bool | str = True,
        latents: torch.Tensor | None = None,
        truncation: float | None = None,
        **options: Any,
    ) -> torch.Tensor:
        """``n`` images of the classes ``labels`` as a float tensor (n, C, H, W) in [0, 1].
        ``labels``: a class (index or name, e.g. ``7`` or ``"sneaker"``) for all, one per
        sample (a sequence or int tensor), or None for classes drawn as in the training data
        (the config's ``class_weights``; uniformly where it has none). The same
        seed and labels give the same images on every machine: the codes are drawn first,
        then (for ``labels=None``) the classes, from one generator seeded with ``seed``.
        ``latents``: your own codes (n, latent_dim) instead of ``n`` and ``seed``.
        ``truncation``, ``fast`` and ``options`` as in :meth:`zoo.UnconditionalGAN.sample`;
        the fast path casts the codes, never the labels."""
        z, gen = self.codes(n, seed, latents, truncation)
        y = self.labels(labels, len(z), gen)
        generator_options = self.sample_options(len(z), truncation, **options)
        generator = self._fast_module("generator", fast)
        return self.render(generator, z, y, batch_size, generator_options)

    def class_grid(
        self,
        per_class: int,
        classes: Sequence[int | str] | None = None,
        seed: int | None = 0,
        **kwargs: Any,
    ) -> torch.Tensor:
        """``per_class`` images of each of ``classes`` (default: all), class after class, the
        same codes for every class (column j of a grid with ``per_class`` per row shares one
        code), ready for ``save_grid(images, path, per_class)``."""
        chosen = [self.class_index(c) for c in (classes or range(self.num_classes))]
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        z = self.latent(per_class, gen, kwargs.get("truncation")).repeat(len(chosen), 1)
        labels = torch.tensor(chosen).repeat_interleave(per_class)
        return self.sample(latents=z, labels=labels, **kwargs)

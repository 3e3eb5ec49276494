"""Export a model's inference call to ONNX, TorchScript or a ``torch.export`` program.

Every file takes and gives plain tensors, with a dynamic batch axis but for face restorers
(batch 1: GFPGAN's modulated convolutions group by the batch, which ONNX cannot leave open):
latent codes ``z`` (and int64 ``labels``) -> images in [0, 1] for generators; images in
[0, 1] -> images in [0, 1] for translators, upscalers and face restorers (height and width
dynamic too where the network allows; sides are padded to the generator's stride inside the
graph); images and masks -> images for inpainters; images -> class indices (or
probabilities) for segmenters. What each task exports is its ``export_spec``
(:mod:`zoo.export.graphs`). The file carries the architecture, config, zoo version and source
sha256 (ONNX ``metadata_props``; a ``zoo_metadata.json`` extra file in the two torch formats).

``export(model, path, format)`` writes a file; ``check(path)`` validates one (the onnx
checker for ONNX, a reload for the torch formats) and returns its metadata.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from zoo._version import __version__
from zoo.errors import ConfigError, ExportError

if TYPE_CHECKING:
    from zoo.export.graphs import ExportSpec
    from zoo.models.base import GAN

__all__ = ["FORMATS", "OPSET", "export", "check", "metadata", "onnx_session"]

#: format -> the file suffix it is written under
FORMATS = {"onnx": ".onnx", "torchscript": ".pt", "exported-program": ".pt2"}
#: suffixes a format may also be written under
_ALSO = {"torchscript": (".pth",)}
#: the ONNX opset the files are written with
OPSET = 18
#: name of the metadata file inside TorchScript and exported-program archives
METADATA_NAME = "zoo_metadata.json"
EXTRA = 'pip install "gan-zoo[export]"'


def export(
    model: GAN,
    path: str | os.PathLike,
    format: str = "onnx",
    *,
    direction: str = "AtoB",
    probabilities: bool = False,
    source_sha256: str | None = None,
) -> Path:
    """Write ``model``'s inference call to ``path`` in ``format`` (see :data:`FORMATS`).
    ``direction``: which translation of a two-way model; ``probabilities``: segmenters output
    class probabilities instead of indices; ``source_sha256``: the weights file's digest,
    recorded in the metadata. An existing file is replaced only once the new one is whole."""
    if format not in FORMATS:
        raise ConfigError(f"unknown export format {format!r}; valid: {', '.join(FORMATS)}")
    path = Path(path)
    if path.is_dir():
        raise ExportError(
            f"{path} is a folder; give a file name, e.g. {path / 'model'}{FORMATS[format]}"
        )
    if not path.parent.is_dir():
        raise ExportError(f"output folder {path.parent} does not exist; create it first")
    suffixes = (FORMATS[format], *_ALSO.get(format, ()))
    if path.suffix.lower() not in suffixes:
        raise ExportError(
            f"{path}: a {format} file is written under a name ending in "
            f"{' or '.join(suffixes)} (so that no other kind of file, such as weights, is "
            f"replaced by it); e.g. {path.with_suffix(FORMATS[format])}"
        )
    was_training = model.training
    model.eval()
    try:
        spec = model.task.export_spec(model, direction, probabilities)
        meta = metadata(model, spec, format, source_sha256)
        partial = path.with_name(f"{path.name}.partial{FORMATS[format]}")
        try:
            {"onnx": _onnx, "torchscript": _torchscript, "exported-program": _program}[format](
                spec, partial, meta
            )
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
    finally:
        model.train(was_training)
    return path


def metadata(
    model: GAN, spec: ExportSpec, format: str, source_sha256: str | None
) -> dict[str, str]:
    """What an exported file records about itself (all values strings)."""
    meta = {
        "library": "gan-zoo",
        "zoo_version": __version__,
        "architecture": model.architecture,
        "task": model.task.name,
        "config": model.config.to_json(),
        "source_sha256": source_sha256 or "",
        "format": format,
        "inputs": json.dumps(spec.input_names),
        "outputs": json.dumps(spec.output_names),
        "dynamic_axes": json.dumps(spec.dynamic_axes),
    }
    if format == "onnx":
        meta["opset"] = str(OPSET)
    meta.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in spec.notes.items()})
    return meta


def _dims(spec: ExportSpec, sizes: bool) -> dict[str, dict[int, Any]]:
    """torch.export dynamic shapes: one named batch dimension shared by every input, and
    height/width left for torch.export to bound (``sizes``), else fixed."""
    batch = torch.export.Dim("batch")
    shapes = {}
    for name, axes in spec.dynamic_axes.items():
        shapes[name] = {
            axis: batch if what == "batch" else torch.export.Dim.DYNAMIC
            for axis, what in axes.items()
            if what == "batch" or sizes
        }
    return dict(zip(_arg_names(spec), shapes.values()))


def _arg_names(spec: ExportSpec) -> list[str]:
    import inspect

    return list(inspect.signature(spec.module.forward).parameters)


def _traced_program(spec: ExportSpec) -> tuple[torch.export.ExportedProgram, bool]:
    """``spec`` through torch.export with dynamic sizes, else with fixed height/width;
    returns the program and whether sizes are dynamic."""
    sizes = any(len(axes) > 1 for axes in spec.dynamic_axes.values())
    # size-oblivious: no guard that a traced size is not 1, so inputs whose padded side is
    # one stride (a 28x28 digit into a 32-stride U-Net) run in the exported program too
    with torch.fx.experimental._config.patch(  # type: ignore[attr-defined]
        backed_size_oblivious=True
    ):
        try:
            return _export(spec, sizes), sizes
        except Exception:
            if not sizes:
                raise
        return _export(spec, False), False  # fixed height and width, dynamic batch


def _export(spec: ExportSpec, sizes: bool) -> torch.export.ExportedProgram:
    dims = _dims(spec, sizes) if spec.dynamic_axes else None  # None: every size fixed
    return torch.export.export(spec.module, spec.inputs, dynamic_shapes=dims)


def _reason(exc: BaseException) -> str:
    """The innermost cause of an exporter failure, in one line."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:500]


def _fail(meta: dict[str, str], format: str, exc: BaseException) -> ExportError:
    return ExportError(
        f"{meta['architecture']} cannot be exported to {format}: {_reason(exc)} "
        "(an operation or a Python branch the exporter cannot follow)"
    )


def _onnx(spec: ExportSpec, path: Path, meta: dict[str, str]) -> None:
    onnx = _require("onnx")
    _require("onnxscript")
    try:
        with _quiet():
            program, sizes = _traced_program(spec)
            torch.onnx.export(
                program,
                spec.inputs,
                path,
                input_names=spec.input_names,
                output_names=spec.output_names,
                opset_version=OPSET,
                dynamo=True,
                external_data=False,
                verbose=False,
            )
    except Exception as exc:
        raise _fail(meta, "onnx", exc) from None
    proto = onnx.load(path)
    meta = {**meta, "dynamic_size": json.dumps(sizes)}
    del proto.metadata_props[:]
    for key, value in meta.items():
        proto.metadata_props.add(key=key, value=value)
    proto.producer_name = "gan-zoo"
    proto.producer_version = __version__
    onnx.save(proto, path)


def _torchscript(spec: ExportSpec, path: Path, meta: dict[str, str]) -> None:
    try:
        with _quiet(), torch.no_grad():
            traced = torch.jit.trace(spec.module, spec.inputs, check_trace=False)
    except Exception as exc:
        raise _fail(meta, "torchscript", exc) from None
    with _quiet():
        torch.jit.save(traced, str(path), _extra_files={METADATA_NAME: json.dumps(meta)})


def _program(spec: ExportSpec, path: Path, meta: dict[str, str]) -> None:
    try:
        with _quiet():
            program, sizes = _traced_program(spec)
    except Exception as exc:
        raise _fail(meta, "exported-program", exc) from None
    meta = {**meta, "dynamic_size": json.dumps(sizes)}
    torch.export.save(program, path, extra_files={METADATA_NAME: json.dumps(meta)})


@contextlib.contextmanager
def _quiet():
    """The exporters' progress lines and deprecation warnings, kept from the user."""
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        warnings.simplefilter("ignore")
        yield


def _require(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ExportError(f"ONNX export needs the {module!r} package: {EXTRA}") from None


def check(path: str | os.PathLike) -> dict[str, str]:
    """Validate an exported file and return its metadata: the onnx checker (full check,
    with shape inference) for ``.onnx``; a reload for TorchScript and exported programs."""
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"{path} is not a file")
    with open(path, "rb") as f:
        head = f.read(2)  # not the whole file: a segmenter's is 28 MiB
    if head == b"PK":  # a zip archive: TorchScript or an exported program
        return _check_archive(path)
    onnx = _require("onnx")
    try:
        proto = onnx.load(path)
        onnx.checker.check_model(proto, full_check=True)
    except Exception as exc:
        raise ExportError(f"{path} fails the onnx checker: {_reason(exc)}") from None
    meta = {p.key: p.value for p in proto.metadata_props}
    if meta.get("library") != "gan-zoo":
        raise ExportError(f"{path} is a valid ONNX model but not one the zoo exported")
    return meta


def _check_archive(path: Path) -> dict[str, str]:
    files = {METADATA_NAME: ""}
    try:
        with _quiet():
            torch.jit.load(str(path), _extra_files=files)
    except Exception:
        try:
            with open(path, "rb") as f, _quiet():
                torch.export.load(f, extra_files=files)
        except Exception as exc:
            raise ExportError(
                f"{path} is neither a TorchScript file nor an exported program: {_reason(exc)}"
            ) from None
    if not files[METADATA_NAME]:
        raise ExportError(f"{path} holds no {METADATA_NAME}: not a file the zoo exported")
    return json.loads(files[METADATA_NAME])


def onnx_session(path: str | os.PathLike, threads: int | None = None) -> Any:
    """An onnxruntime session on the CPU for an exported file."""
    ort = _require("onnxruntime")
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def onnx_runner(module: torch.nn.Module, example: torch.Tensor) -> Any:
    """``module`` (one tensor in, one out) exported to ONNX at ``example``'s shape, in a
    session with torch's thread count: a call that runs it on ``example`` (benchmarks)."""
    import tempfile

    from zoo.export.graphs import ExportSpec

    spec = ExportSpec(module.eval(), (example,), ["x"], ["y"], {"x": {}})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "module.onnx"
        _onnx(spec, path, {"architecture": type(module).__name__})
        session = onnx_session(path, threads=torch.get_num_threads())
    feed = {"x": example.numpy()}
    return lambda: session.run(None, feed)[0]

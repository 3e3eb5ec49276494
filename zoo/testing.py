"""Conformance kit for architecture plugins, in the spirit of scikit-learn's check_estimator.

    from zoo.testing import check_architecture
    check_architecture(MyGAN, config={"image_size": 28, "channels": 1})

Each check raises ``AssertionError`` naming what the plugin got wrong; the function returns
the names of the checks that passed. What depends on the task (``sample`` for generators,
``translate`` for translators, random training data) is asked of the model's task
(:meth:`zoo.tasks.Task.check`), so plugins that bring their own task are checked too.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from zoo.config import ArchConfig
from zoo.inference.fast import fast_copy
from zoo.models._weights import read_weights, save_weights
from zoo.models.base import GAN, OptimizerSpec
from zoo.tasks.base import Task
from zoo.train.config import TrainConfig
from zoo.train.trainer import Trainer

__all__ = ["check_architecture", "random_training_data"]


def check_architecture(
    cls: type[GAN], config: dict[str, Any] | None = None, batch_size: int = 4
) -> list[str]:
    """Run every conformance check on ``cls`` built with ``config`` (keep it small)."""
    passed: list[str] = []

    def ok(name: str) -> None:
        passed.append(name)

    assert isinstance(cls, type) and issubclass(cls, GAN), f"{cls!r} must subclass zoo.GAN"
    assert issubclass(cls.Config, ArchConfig) and cls.Config is not ArchConfig, (
        f"{cls.__name__}.Config must be a subclass of zoo.ArchConfig"
    )
    assert dataclasses.is_dataclass(cls.Config), f"{cls.Config.__name__} must be a dataclass"
    assert isinstance(getattr(cls, "task", None), Task), (
        f"{cls.__name__}.task must be a zoo.tasks.Task: subclass zoo.UnconditionalGAN, "
        "zoo.ConditionalGAN, zoo.ImageToImageGAN, zoo.SuperResolutionGAN or "
        "zoo.SegmentationGAN, or set task to a Task instance"
    )
    ok("class")

    try:
        cls.Config()
    except Exception as exc:
        raise AssertionError(
            f"{cls.Config.__name__}'s defaults break its own rules: {exc}"
        ) from None
    ok("config_defaults")

    cfg = cls.Config.from_dict(config or {})
    again = cls.Config.from_dict(json.loads(cfg.to_json()))
    assert again == cfg, f"config does not survive a JSON round trip: {cfg} -> {again}"
    ok("config_roundtrip")

    torch.manual_seed(0)
    model = cls(cfg)
    specs = model.optimizers()
    named = [m for spec in specs.values() for m in spec.modules]
    for name in (*named, *cls.inference_modules):
        assert isinstance(getattr(model, name, None), nn.Module), (
            f"{cls.__name__} needs a sub-module named {name!r}"
        )
    ok("modules")

    assert set(specs) == {"generator", "discriminator"}, (
        f"optimizers() must return 'generator' and 'discriminator', got {sorted(specs)}"
    )
    seen: dict[int, str] = {}
    for opt_name, spec in specs.items():
        assert isinstance(spec, OptimizerSpec), (
            f"optimizers()[{opt_name!r}] is not an OptimizerSpec"
        )
        for module in spec.modules:
            for p in getattr(model, module).parameters():
                assert id(p) not in seen, f"a parameter of {module!r} is in two optimizers"
                seen[id(p)] = opt_name
    ok("optimizers")

    model.eval()
    passed += model.task.check(model)
    _check_fast_copy_keeps_attributes(model)
    ok("fast_copy_attributes")
    passed += _check_export(model)
    model.train()

    _check_train_step(cls, cfg, batch_size)
    ok("train_step")

    _check_weights_roundtrip(cls, model, cfg)
    ok("safetensors_roundtrip")
    return passed


def random_training_data(model: GAN, n: int) -> Any:
    """``n`` random training examples for ``model``, as its task makes them: images for
    generators, random A/B pairs for translators."""
    return model.task.random_training_data(model, n)


def _check_export(model: GAN) -> list[str]:
    """The inference call exports (a torch.export program always; ONNX run in onnxruntime
    where those packages are installed) and the file computes what the model does, at a
    batch other than the traced one where the batch is dynamic."""
    import importlib.util

    from zoo.errors import ExportError
    from zoo.export import FORMATS, export

    spec = model.task.export_spec(model)
    inputs = spec.inputs
    if any(0 in axes for axes in spec.dynamic_axes.values()):  # batch 3, traced with 2
        inputs = tuple(torch.cat([t, t[:1]]) for t in spec.inputs)
    with torch.no_grad():
        want = spec.module(*inputs)
    formats = ["exported-program"]
    if all(importlib.util.find_spec(m) for m in ("onnx", "onnxscript", "onnxruntime")):
        formats.append("onnx")
    passed = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in formats:
            path = Path(tmp) / f"model{FORMATS[fmt]}"
            try:
                export(model, path, fmt)
            except ExportError as exc:
                raise AssertionError(f"export: {exc}") from None
            got = _run_exported(path, fmt, inputs, spec.input_names)
            assert got.shape == want.shape and torch.allclose(
                got.to(want.dtype), want, atol=1e-4
            ), f"the {fmt} file computes something else than the model (batch {len(inputs[0])})"
            passed.append(f"export_{fmt.replace('-', '_')}")
    return passed


def _run_exported(path: Path, fmt: str, inputs: tuple, names: list[str]) -> torch.Tensor:
    if fmt == "onnx":
        from zoo.export import onnx_session

        feed = {n: t.numpy() for n, t in zip(names, inputs)}
        return torch.from_numpy(onnx_session(path).run(None, feed)[0])
    with open(path, "rb") as f, torch.no_grad():
        return torch.export.load(f).module()(*inputs)


def _check_fast_copy_keeps_attributes(model: GAN) -> None:
    """The fast path replaces modules (a convolution by a packed one, ...); every attribute
    of a replaced module must still be readable on its replacement."""
    for name in model.inference_modules:
        module = getattr(model, name)
        fast = fast_copy(module, torch.device("cpu"))
        originals = dict(module.named_modules())
        for path, replaced in fast.named_modules():
            original = originals.get(path)
            if original is None or type(original) is type(replaced):
                continue
            for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding"):
                if hasattr(original, attr):
                    assert getattr(replaced, attr, None) == getattr(original, attr), (
                        f"the fast copy of {name}.{path} ({type(replaced).__name__}) lacks "
                        f"{attr!r} of the {type(original).__name__} it replaces"
                    )


def _check_train_step(cls: type[GAN], cfg: ArchConfig, batch_size: int) -> None:
    torch.manual_seed(0)
    model = cls(cfg)
    data = random_training_data(model, batch_size * 2)
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(
            model,
            data,
            TrainConfig(
                steps=1, batch_size=batch_size, device="cpu", progress=False, num_samples=4
            ),
            tmp,
        )
        trainer.train()
        assert (Path(tmp) / "model.safetensors").is_file(), "training wrote no model.safetensors"
    for opt_name, spec in model.optimizers().items():
        changed = any(
            not torch.equal(before[f"{m}.{k}"], v)
            for m in spec.modules
            for k, v in getattr(model, m).named_parameters()
        )
        assert changed, f"one training step left the {opt_name} weights unchanged"


def _check_weights_roundtrip(cls: type[GAN], model: GAN, cfg: ArchConfig) -> None:
    model.eval()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.safetensors"
        save_weights(
            path, model.inference_state_dict(), model.architecture or cls.__name__, cfg.to_dict()
        )
        tensors, meta = read_weights(path)
        rebuilt = cls(cls.Config.from_dict(json.loads(meta["config"])))
        rebuilt.load_inference_state_dict(tensors)
        rebuilt.eval()
    for key, value in model.inference_state_dict().items():
        assert torch.equal(value, rebuilt.inference_state_dict()[key]), f"{key} changed on reload"
    model.task.check_same_outputs(model, rebuilt)

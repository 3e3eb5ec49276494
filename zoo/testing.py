"""Conformance kit for architecture plugins, in the spirit of scikit-learn's check_estimator.

    from zoo.testing import check_architecture
    check_architecture(MyGAN, config={"image_size": 28, "channels": 1})

Each check raises ``AssertionError`` naming what the plugin got wrong; the function returns
the names of the checks that passed.
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
from zoo.data import random_data
from zoo.model import GAN, OptimizerSpec
from zoo.trainer import TrainConfig, Trainer
from zoo.weights import read_weights, save_weights


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
    ok("class")

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

    assert model.task in ("unconditional", "image-to-image"), f"unknown task {model.task!r}"
    if model.task == "unconditional":
        _check_sampling(model, cfg)
        ok("sample_shape_range_determinism")
    else:
        _check_translation(model, cfg)
        ok("translate_shape_range_determinism")

    _check_train_step(cls, cfg, batch_size)
    ok("train_step")

    _check_weights_roundtrip(cls, model, cfg)
    ok("safetensors_roundtrip")
    return passed


def _image_shape(cfg: ArchConfig) -> tuple[int, int, int]:
    return (cfg.channels, cfg.image_size, cfg.image_size)  # type: ignore[attr-defined]


def _check_sampling(model: GAN, cfg: ArchConfig) -> None:
    model.eval()
    a, b = model.sample(3, seed=1), model.sample(3, seed=1)  # type: ignore[attr-defined]
    c = model.sample(3, seed=2)  # type: ignore[attr-defined]
    assert a.shape == (3, *_image_shape(cfg)), f"sample(3) has shape {tuple(a.shape)}"
    assert a.min() >= 0 and a.max() <= 1, "sample() must return images in [0, 1]"
    assert torch.equal(a, b), "sample(n, seed=s) must return the same images for the same seed"
    assert not torch.equal(a, c), "different seeds gave identical samples"
    model.train()


def _translation_input(model: GAN, direction: str, n: int, seed: int) -> torch.Tensor:
    channels = model.channels(direction)[0]  # type: ignore[attr-defined]
    size = model.config.image_size  # type: ignore[attr-defined]
    return torch.rand(n, channels, size, size, generator=torch.Generator().manual_seed(seed))


def _check_translation(model: GAN, cfg: ArchConfig) -> None:
    model.eval()
    for direction in model.directions:  # type: ignore[attr-defined]
        x = _translation_input(model, direction, 2, seed=1)
        out_channels = model.channels(direction)[1]  # type: ignore[attr-defined]
        a, b = model.translate(x, direction), model.translate(x, direction)  # type: ignore
        size = cfg.image_size  # type: ignore[attr-defined]
        assert a.shape == (2, out_channels, size, size), (
            f"translate({direction}) has shape {tuple(a.shape)}"
        )
        assert a.min() >= 0 and a.max() <= 1, "translate() must return images in [0, 1]"
        assert torch.equal(a, b), f"translate({direction}) is not deterministic in eval mode"
    model.train()


def random_training_data(task: str, cfg: ArchConfig, n: int) -> Any:
    """``n`` random training examples for a model of ``task`` with config ``cfg``: images for
    unconditional models, random A/B pairs for image-to-image ones."""
    if task == "unconditional":
        channels, size, _ = _image_shape(cfg)
        return random_data(n, channels, size)
    from zoo.translation_data import PairedData

    size = cfg.image_size  # type: ignore[attr-defined]
    a = random_data(n, cfg.input_nc, size, seed=1).images  # type: ignore[attr-defined]
    b = random_data(n, cfg.output_nc, size, seed=2).images  # type: ignore[attr-defined]
    return PairedData(a, b, "random pairs", size)


def _check_train_step(cls: type[GAN], cfg: ArchConfig, batch_size: int) -> None:
    torch.manual_seed(0)
    model = cls(cfg)
    data = random_training_data(cls.task, cfg, batch_size * 2)
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
    if model.task == "unconditional":
        assert torch.equal(model.sample(2, seed=3), rebuilt.sample(2, seed=3)), (  # type: ignore
            "samples differ after a safetensors round trip"
        )
    else:
        for direction in model.directions:  # type: ignore[attr-defined]
            x = _translation_input(model, direction, 2, seed=3)
            assert torch.equal(
                model.translate(x, direction),  # type: ignore[attr-defined]
                rebuilt.translate(x, direction),  # type: ignore[attr-defined]
            ), f"translate({direction}) differs after a safetensors round trip"

"""R3GAN: the networks reproduce brownvc/R3GAN's (fixtures written by the reference's own
classes, scripts/make_r3gan_fixtures.py), the loss is the paper's RpGAN + R1 + R2 with its
falling gamma, and both variants pass the conformance kit and train."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors import safe_open

import zoo
from zoo.losses import relativistic_d_loss, relativistic_g_loss, zero_centered_penalty
from zoo.testing import check_architecture
from zoo_builtin.r3gan import R3GAN, R3GANConditional

FIXTURES = Path(__file__).parent / "fixtures" / "reference"
ARCHITECTURES = {"r3gan": R3GAN, "r3gan-cond": R3GANConditional}


def reference_case(case: str) -> tuple[dict[str, torch.Tensor], dict]:
    with safe_open(FIXTURES / f"r3gan_{case}.safetensors", "pt") as f:
        tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open)
        meta = f.metadata()
    return tensors, json.loads(meta["G_kwargs"])


def zoo_config(g: dict) -> dict:
    config = {
        "image_size": g["img_resolution"],
        "latent_dim": g["NoiseDimension"],
        "widths": tuple(g["WidthPerStage"]),
        "cardinalities": tuple(g["CardinalityPerStage"]),
        "blocks": tuple(g["BlocksPerStage"]),
        "expansion": g["ExpansionFactor"],
        "bf16_stages": tuple(g["FP16Stages"]),
    }
    if g["c_dim"]:
        config |= {"num_classes": g["c_dim"], "g_embedding": g["ConditionEmbeddingDimension"]}
    return config


@pytest.mark.parametrize(("case", "tolerance"), [("uncond", 1e-4), ("cond", 1e-4), ("bf16", 3e-2)])
def test_networks_reproduce_the_reference(case, tolerance):
    from zoo_builtin.r3gan.networks import from_reference_names

    tensors, g = reference_case(case)
    model = zoo.create("r3gan-cond" if g["c_dim"] else "r3gan", **zoo_config(g)).eval()
    for prefix, net in (("G.", model.generator), ("D.", model.discriminator)):
        state = {k[2:]: v for k, v in tensors.items() if k.startswith(prefix)}
        net.load_state_dict(from_reference_names(state), strict=True)
    labels = tensors["labels"].long() if g["c_dim"] else None
    with torch.no_grad():
        fake = model.generator(tensors["z"], labels).float()
        logits = model.discriminator(tensors["images"], labels)
    scale = tensors["fake"].abs().max()
    assert (fake - tensors["fake"]).abs().max() <= tolerance * max(1.0, float(scale))
    assert (logits - tensors["logits"]).abs().max() <= tolerance * max(
        1.0, float(logits.abs().max())
    )
    # sample() is the reference's G(z, c) mapped from [-1, 1] to [0, 1]
    images = model.sample(
        latents=tensors["z"], fast=False, **({"labels": labels} if g["c_dim"] else {})
    )
    expected = (tensors["fake"] * 0.5 + 0.5).clamp(0, 1)
    assert (images - expected).abs().max() <= tolerance * max(1.0, float(scale))


def test_reference_names_map_by_one_rule():
    from zoo_builtin.r3gan.networks import from_reference_names

    state = {
        "Model.MainLayers.1.Layers.2.LinearLayer1.Layer.weight": torch.zeros(1),
        "Model.MainLayers.1.Layers.2.NonLinearity2.Bias": torch.zeros(1),
        "Model.MainLayers.1.Layers.0.Resampler.Kernel": torch.zeros(1),
        "EmbeddingLayer.weight": torch.zeros(1),
    }
    assert sorted(from_reference_names(state)) == [
        "embedding_layer.weight",
        "main_layers.1.layers.2.linear_layer1.layer.weight",
        "main_layers.1.layers.2.non_linearity2.bias",
    ]


@pytest.mark.parametrize("arch", ["r3gan", "r3gan-cond"])
def test_both_variants_pass_the_conformance_kit(arch):
    cls = ARCHITECTURES[arch]
    config = {**cls.small_config, **({"num_classes": 3} if arch == "r3gan-cond" else {})}
    check_architecture(cls, config)


def test_the_loss_is_rpgan_with_r1_and_r2_and_gamma_falls_along_a_cosine():
    torch.manual_seed(0)
    model = zoo.create("r3gan", **R3GAN.small_config, gamma=2.0)
    real = torch.randn(4, 3, 16, 16)
    torch.manual_seed(1)
    out = model.discriminator_loss(real)
    torch.manual_seed(1)
    with torch.no_grad():
        fake = model.generator(model.latent(4))
    x, y = real.clone().requires_grad_(True), fake.clone().requires_grad_(True)
    dx, dy = model.discriminator(x), model.discriminator(y)
    penalty = (zero_centered_penalty(x, dx) + zero_centered_penalty(y, dy)).mean()
    expected = relativistic_d_loss(dx, dy) + 2.0 / 2 * penalty
    assert torch.allclose(out.loss, expected, rtol=1e-5)
    assert float(out.logs["gamma"]) == 2.0
    # the penalty is |grad|^2 of the logits, per image
    w = torch.randn(3, 5, 5)
    images = torch.randn(2, 3, 5, 5, requires_grad=True)
    assert torch.allclose(
        zero_centered_penalty(images, (images * w).sum((1, 2, 3))), w.square().sum().repeat(2)
    )
    # gamma: 2 at the start, 2 * gamma_decay at the end, halfway between at the middle
    for progress, gamma in [(0.0, 2.0), (0.5, 1.1), (1.0, 0.2)]:
        model.training_progress = progress
        assert model.gamma_now() == pytest.approx(gamma)
    with torch.no_grad():
        g_loss = relativistic_g_loss(dx, dy)
        assert torch.allclose(g_loss, torch.nn.functional.softplus(dx - dy).mean())


def test_config_errors_name_the_stage_counts_and_groups():
    with pytest.raises(
        zoo.ConfigError, match=r"widths=\(8, 8, 8\) has 3 stages; image_size=32 needs 4"
    ):
        zoo.create("r3gan", image_size=32, widths=(8, 8, 8))
    with pytest.raises(zoo.ConfigError, match="3 groups do not divide 8 x expansion 2"):
        zoo.create("r3gan", image_size=8, widths=(8, 8), cardinalities=(3, 2), blocks=(1, 1))


def test_bf16_stages_are_the_same_resolutions_in_both_networks():
    model = zoo.create(
        "r3gan",
        image_size=16,
        widths=(8, 8, 8),
        cardinalities=(2, 2, 2),
        blocks=(1, 1, 1),
        bf16_stages=(-1,),
    )
    assert [s.dtype for s in model.generator.main_layers] == [None, None, torch.bfloat16]
    assert [s.dtype for s in model.discriminator.main_layers] == [torch.bfloat16, None, None]


def test_conditional_r3gan_trains_a_few_steps(tmp_path):
    from zoo.train import TrainConfig, Trainer

    small = {**R3GANConditional.small_config, "channels": 1}
    model = zoo.create("r3gan-cond", **small, num_classes=10)
    data = model.task.training_data(model, "digits", {}, progress=False)
    trainer = Trainer(
        model, data, TrainConfig(steps=3, batch_size=8, progress=False, log_every=1), tmp_path
    )
    trainer.train()
    logs = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert logs and all("r1" in entry and "gamma" in entry for entry in logs)
    assert model.training_progress == pytest.approx(2 / 3)


#: millions of generator and discriminator parameters, and the side, of the catalog's
#: released configs (brownvc/R3GAN train.py's presets), as built here
RELEASED = {
    "r3gan-cifar10": (20.8, 21.3, 32),
    "r3gan-ffhq-64": (22.4, 22.4, 64),
    "r3gan-ffhq-256": (23.1, 23.0, 256),
    "r3gan-imagenet-32": (82.9, 86.5, 32),
    "r3gan-imagenet-64": (103.6, 107.2, 64),
}


@pytest.mark.slow  # five networks of 20M to 100M parameters, built at random init
@pytest.mark.parametrize("name", sorted(RELEASED))
def test_released_configs_build_with_their_shapes(name):
    from zoo.models._catalog import load_catalog

    entry = load_catalog()[name]
    model = zoo.create(entry.architecture, **entry.config).eval()
    g, d, side = RELEASED[name]
    count = lambda net: round(sum(p.numel() for p in net.parameters()) / 1e6, 1)  # noqa: E731
    assert (count(model.generator), count(model.discriminator)) == (g, d)
    labels = {"labels": torch.tensor([0, 1])} if entry.architecture == "r3gan-cond" else {}
    images = model.sample(2, seed=0, fast=False, **labels)
    assert images.shape == (2, 3, side, side) and images.isfinite().all()
    assert [s.dtype for s in model.generator.main_layers][-1] == torch.bfloat16

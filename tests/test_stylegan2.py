"""StyleGAN2-ADA: snapshots written by NVlabs/stylegan2-ada-pytorch's own classes
(scripts/make_stylegan2_fixtures.py) import without its code and reproduce its images for
truncation psi 1 and 0.7, and its discriminator's logits; both variants pass the kit."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors import safe_open

import zoo
from zoo.importers import import_checkpoint, read_pickle
from zoo.testing import check_architecture
from zoo_builtin.stylegan2 import StyleGAN2, StyleGAN2Conditional

FIXTURES = Path(__file__).parent / "fixtures" / "reference"

#: case -> (architecture, config values the importer must read off the pickle)
CASES = {
    "uncond": ("stylegan2", {"image_size": 16, "channels": 3, "mapping_layers": 2}),
    "cond": (
        "stylegan2-cond",
        {"num_classes": 4, "channels": 1, "architecture": "resnet", "conv_clamp": 0.5},
    ),
    "orig": ("stylegan2", {"architecture": "orig", "d_architecture": "orig", "num_fp16_res": 2}),
}


def outputs(case: str) -> dict[str, torch.Tensor]:
    with safe_open(FIXTURES / f"stylegan2_{case}.safetensors", "pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open)


@pytest.mark.parametrize("case", sorted(CASES))
def test_snapshots_reproduce_the_reference(case):
    architecture, read = CASES[case]
    expected = outputs(case)
    model = import_checkpoint([FIXTURES / f"stylegan2_{case}.pkl"], discriminator=True)
    assert model.architecture == architecture
    config = model.config.to_dict()
    assert {k: config[k] for k in read} == read
    conditional = architecture == "stylegan2-cond"
    labels = {"labels": expected["labels"]} if conditional else {}
    assert not torch.equal(expected["fake_psi1"], expected["fake_psi0.7"])  # w_avg is set
    for psi in (1.0, 0.7):
        images = model.sample(latents=expected["z"], truncation=psi, fast=False, **labels)
        reference = (expected[f"fake_psi{psi:g}"] * 0.5 + 0.5).clamp(0, 1)
        assert (images - reference).abs().max() <= 1e-3, psi
    with torch.no_grad():
        logits = model.discriminator(expected["images"], labels.get("labels"))
    assert (logits - expected["logits"]).abs().max() <= 1e-3 * max(1, logits.abs().max())
    # no truncation is psi 1; the fast path stays close
    assert torch.equal(
        model.sample(latents=expected["z"], fast=False, **labels),
        model.sample(latents=expected["z"], truncation=1.0, fast=False, **labels),
    )


def test_the_pickles_hold_nvidia_persistent_classes_with_their_source():
    contents = read_pickle(FIXTURES / "stylegan2_uncond.pkl")
    g = contents["G_ema"]
    assert g.name == "Generator" and "def modulated_conv2d" in g.source  # text, never run
    assert contents["augment_pipe"].name == "AugmentPipe"
    assert set(contents) == {"training_set_kwargs", "G", "D", "G_ema", "augment_pipe"}


def test_truncation_is_psi_toward_w_avg():
    model = zoo.create("stylegan2", **StyleGAN2.small_config).eval()
    with torch.no_grad():
        model.generator.mapping.w_avg.normal_()
    z = torch.randn(4, model.latent_dim)
    average = model.sample(latents=z, truncation=0.0, fast=False)
    assert torch.allclose(average, average[:1].expand_as(average))  # every w is w_avg
    assert not torch.allclose(average, model.sample(latents=z, fast=False))
    with pytest.raises(zoo.ConfigError, match="it is psi, from 0"):
        model.sample(2, seed=0, truncation=-1.0)
    assert model.generator.truncation_psi == 1.0  # a call's psi does not stay
    # the fast path (a bf16 copy where the CPU has native bf16) truncates the same way
    fast = model.sample(latents=z, truncation=0.5)
    assert (fast - model.sample(latents=z, truncation=0.5, fast=False)).abs().mean() < 0.05


@pytest.mark.slow  # about 15 s each: the kit exports every format of StyleGAN's many small ops
@pytest.mark.parametrize("cls", [StyleGAN2, StyleGAN2Conditional], ids=lambda c: c.__name__)
def test_both_variants_pass_the_conformance_kit(cls):
    config = {**cls.small_config, **({"num_classes": 3} if cls is StyleGAN2Conditional else {})}
    check_architecture(cls, config)


#: the catalog's NVIDIA releases at random init: (G, D) millions of parameters, w vectors
#: (config F at 1024: 30.37M, as the reference's own summary prints for ffhq.pkl)
RELEASED = {
    "stylegan2-cifar10": (20.22, 23.88, 8),
    "stylegan2-afhqcat-512": (30.28, 28.98, 16),
    "stylegan2-ffhq-1024": (30.37, 29.01, 18),
}


@pytest.mark.slow  # networks of 20M to 30M parameters drawing up to 1024x1024
@pytest.mark.parametrize("name", sorted(RELEASED))
def test_released_configs_build_with_their_shapes(name):
    from zoo.models._catalog import load_catalog

    entry = load_catalog()[name]
    model = zoo.create(entry.architecture, **entry.config).eval()
    g, d, num_ws = RELEASED[name]
    count = lambda net: round(sum(p.numel() for p in net.parameters()) / 1e6, 2)  # noqa: E731
    assert (count(model.generator), count(model.discriminator), model.generator.num_ws) == (
        g,
        d,
        num_ws,
    )
    labels = {"labels": torch.tensor([0])} if entry.architecture == "stylegan2-cond" else {}
    images = model.sample(1, seed=0, fast=False, truncation=0.7, **labels)
    side = entry.config["image_size"]
    assert images.shape == (1, 3, side, side) and images.isfinite().all()


def test_the_fast_path_runs_the_synthesis_in_the_weights_dtype():
    """Where bf16 is native the fast copy's blocks run in bf16 (the reference's FP16 blocks'
    role) and stay within the fast path's tolerance; the image path stays fp32."""
    from zoo.inference.fast import bf16_is_fast, within_fast_tolerance

    if not bf16_is_fast(torch.device("cpu")):
        pytest.skip("no native bf16 on this CPU: the fast path is fp32")
    torch.manual_seed(0)
    model = zoo.create("stylegan2", image_size=64, channel_base=4096, channel_max=128).eval()
    z = torch.randn(8, model.latent_dim)
    exact, fast = model.sample(latents=z, fast=False), model.sample(latents=z)
    assert not torch.equal(exact, fast) and within_fast_tolerance(fast, exact)

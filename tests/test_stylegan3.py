"""StyleGAN3: snapshots written by NVlabs/stylegan3's own classes
(scripts/make_stylegan3_fixtures.py: -T, and -R conditional with radial filters and a
clamp that random weights reach) import without its code and reproduce its images for
truncation psi 1 and 0.7, and its discriminator's logits; both variants pass the kit."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors import safe_open

import zoo
from zoo.importers import import_checkpoint, read_pickle
from zoo.testing import check_architecture
from zoo_builtin.stylegan3 import StyleGAN3, StyleGAN3Conditional

FIXTURES = Path(__file__).parent / "fixtures" / "reference"

#: case -> (architecture, config values the importer must read off the pickle)
CASES = {
    "t": ("stylegan3", {"image_size": 16, "conv_kernel": 3, "num_layers": 4, "filter_size": 4}),
    "r_cond": (
        "stylegan3-cond",
        {"num_classes": 3, "channels": 1, "conv_kernel": 1, "use_radial_filters": True,
         "conv_clamp": 2.0, "d_channel_base": 256, "d_channel_max": 12},
    ),
}  # fmt: skip


def outputs(case: str) -> dict[str, torch.Tensor]:
    with safe_open(FIXTURES / f"stylegan3_{case}.safetensors", "pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open)


@pytest.mark.parametrize("case", sorted(CASES))
def test_snapshots_reproduce_the_reference(case):
    architecture, read = CASES[case]
    expected = outputs(case)
    model = import_checkpoint([FIXTURES / f"stylegan3_{case}.pkl"], discriminator=True)
    assert model.architecture == architecture
    config = model.config.to_dict()
    assert {k: config[k] for k in read} == read
    conditional = architecture == "stylegan3-cond"
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
    contents = read_pickle(FIXTURES / "stylegan3_t.pkl")
    g = contents["G_ema"]
    assert g.name == "Generator" and "class SynthesisInput" in g.source  # text, never run
    assert contents["augment_pipe"].name == "AugmentPipe"
    assert set(contents) == {"training_set_kwargs", "G", "D", "G_ema", "augment_pipe"}


def test_truncation_is_psi_toward_w_avg():
    model = zoo.create("stylegan3", **StyleGAN3.small_config).eval()
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
@pytest.mark.parametrize("cls", [StyleGAN3, StyleGAN3Conditional], ids=lambda c: c.__name__)
def test_both_variants_pass_the_conformance_kit(cls):
    config = {**cls.small_config, **({"num_classes": 3} if cls is StyleGAN3Conditional else {})}
    check_architecture(cls, config)


@pytest.mark.slow  # a 28M-parameter generator drawing 256x256 (about 30 s on two cores)
def test_the_released_t_256_config_builds_with_its_shape():
    from zoo.models._catalog import load_catalog

    entry = load_catalog()["stylegan3-t-ffhqu-256"]
    model = zoo.create(entry.architecture, **entry.config).eval()
    count = lambda net: round(sum(p.numel() for p in net.parameters()) / 1e6, 2)  # noqa: E731
    assert (count(model.generator), count(model.discriminator)) == (28.47, 28.86)
    assert model.generator.num_ws == 16 and model.generator.synthesis.layer_names[-1] == "L14_256_3"
    images = model.sample(1, seed=0, fast=False, truncation=0.7)
    assert images.shape == (1, 3, 256, 256) and images.isfinite().all()

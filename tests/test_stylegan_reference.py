"""StyleGAN2-ADA and StyleGAN3: snapshots written by the reference's own classes
(scripts/make_stylegan2_fixtures.py, make_stylegan3_fixtures.py: StyleGAN3-T, and -R
conditional with radial filters and a clamp that random weights reach) import without its
code and reproduce its images for truncation psi 1 and 0.7, and its discriminator's logits."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors import safe_open

from zoo.importers import import_checkpoint, read_pickle

FIXTURES = Path(__file__).parent / "fixtures" / "reference"

#: fixture -> (architecture, config values the importer must read off the pickle)
CASES = {
    "stylegan2_uncond": ("stylegan2", {"image_size": 16, "channels": 3, "mapping_layers": 2}),
    "stylegan2_cond": (
        "stylegan2-cond",
        {"num_classes": 4, "channels": 1, "architecture": "resnet", "conv_clamp": 0.5},
    ),
    "stylegan2_orig": (
        "stylegan2", {"architecture": "orig", "d_architecture": "orig", "num_fp16_res": 2}
    ),
    "stylegan3_t": (
        "stylegan3", {"image_size": 16, "conv_kernel": 3, "num_layers": 4, "filter_size": 4}
    ),
    "stylegan3_r_cond": (
        "stylegan3-cond",
        {"num_classes": 3, "channels": 1, "conv_kernel": 1, "use_radial_filters": True,
         "conv_clamp": 2.0, "d_channel_base": 256, "d_channel_max": 12},
    ),
}  # fmt: skip


def outputs(case: str) -> dict[str, torch.Tensor]:
    with safe_open(FIXTURES / f"{case}.safetensors", "pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open)


@pytest.mark.parametrize("case", sorted(CASES))
def test_snapshots_reproduce_the_reference(case):
    architecture, read = CASES[case]
    expected = outputs(case)
    model = import_checkpoint([FIXTURES / f"{case}.pkl"], discriminator=True)
    assert model.architecture == architecture
    config = model.config.to_dict()
    assert {k: config[k] for k in read} == read
    labels = {"labels": expected["labels"]} if architecture.endswith("-cond") else {}
    assert not torch.equal(expected["fake_psi1"], expected["fake_psi0.7"])  # w_avg is set
    for psi in (1.0, 0.7):
        images = model.sample(latents=expected["z"], truncation=psi, fast=False, **labels)
        reference = (expected[f"fake_psi{psi:g}"] * 0.5 + 0.5).clamp(0, 1)
        assert (images - reference).abs().max() <= 1e-3, psi
    with torch.no_grad():
        logits = model.discriminator(expected["images"], labels.get("labels"))
    assert (logits - expected["logits"]).abs().max() <= 1e-3 * max(1, logits.abs().max())
    # no truncation is psi 1
    assert torch.equal(
        model.sample(latents=expected["z"], fast=False, **labels),
        model.sample(latents=expected["z"], truncation=1.0, fast=False, **labels),
    )


@pytest.mark.parametrize(
    ("case", "source"),
    [("stylegan2_uncond", "def modulated_conv2d"), ("stylegan3_t", "class SynthesisInput")],
)
def test_the_pickles_hold_nvidia_persistent_classes_with_their_source(case, source):
    contents = read_pickle(FIXTURES / f"{case}.pkl")
    g = contents["G_ema"]
    assert g.name == "Generator" and source in g.source  # text, never run
    assert contents["augment_pipe"].name == "AugmentPipe"
    assert set(contents) == {"training_set_kwargs", "G", "D", "G_ema", "augment_pipe"}

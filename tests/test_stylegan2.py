"""StyleGAN2: both variants pass the kit, the released configs build with their shapes, the
fast path runs the synthesis in bf16 where that is native (parity with the reference:
test_stylegan_reference.py; sampling through w: test_style_sampling.py)."""

from __future__ import annotations

import pytest
import torch

import zoo
from zoo.testing import check_architecture
from zoo_builtin.stylegan2 import StyleGAN2, StyleGAN2Conditional


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

"""StyleGAN3: both variants pass the kit, the released -T 256 config builds with its shape
(parity with the reference: test_stylegan_reference.py; sampling through w:
test_style_sampling.py)."""

from __future__ import annotations

import pytest

import zoo
from zoo.testing import check_architecture
from zoo_builtin.stylegan3 import StyleGAN3, StyleGAN3Conditional


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

"""The default inference path is fast and stays within the stated tolerance of fp32."""

import contextlib

import pytest
import torch

import zoo
from zoo.model import FAST_TOLERANCE, bf16_is_fast, fast_inference


@pytest.mark.parametrize("name", zoo.list_models())
def test_fast_samples_match_fp32_within_tolerance(name):
    model = zoo.load(name)
    exact = model.sample(256, seed=0, fast=False)
    fast = model.sample(256, seed=0)
    difference = (exact - fast).abs()
    assert difference.max() <= FAST_TOLERANCE
    assert difference.mean() <= FAST_TOLERANCE / 20
    assert torch.equal(fast, model.sample(256, seed=0))  # still deterministic


def test_exact_path_is_plain_fp32():
    model = zoo.load("dcgan-mnist")
    z = model.latent(8, torch.Generator().manual_seed(0))
    with torch.no_grad():
        reference = (model.generator(z) * 0.5 + 0.5).clamp(0, 1)
    assert torch.equal(model.sample(8, seed=0, fast=False), reference)


def test_settings_follow_the_network_and_device():
    mlp = zoo.create("vanilla").generator
    conv = zoo.create("dcgan").generator
    cpu = torch.device("cpu")
    assert isinstance(fast_inference(mlp, cpu), contextlib.nullcontext)
    chosen = fast_inference(conv, cpu)
    if bf16_is_fast(cpu):
        assert isinstance(chosen, torch.autocast) and chosen.fast_dtype == torch.bfloat16
    else:
        assert isinstance(chosen, contextlib.nullcontext)

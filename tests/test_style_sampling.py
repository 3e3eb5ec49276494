"""Sampling StyleGAN-family models through w (zoo.tasks.StyleSampling): psi truncation, the
noise modes, style mixing and walks in w, in the API, `zoo sample`/`zoo interpolate` and the
demo's picture functions; generators without w refuse the options by name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import zoo
from zoo.demo import generate, walk
from zoo.nn.stylegan import one_hot
from zoo_builtin.stylegan2 import StyleGAN2
from zoo_builtin.stylegan3 import StyleGAN3

FAMILIES = {"stylegan2": StyleGAN2, "stylegan3": StyleGAN3}
FIXTURES = Path(__file__).parent / "fixtures" / "reference"


def model_of(name: str, conditional: bool = False) -> zoo.GAN:
    """A small model whose average w and noise strengths are not the initial zeros."""
    torch.manual_seed(0)
    extra = {"num_classes": 3} if conditional else {}
    arch = f"{name}-cond" if conditional else name
    model = zoo.create(arch, **FAMILIES[name].small_config, **extra).eval()
    with torch.no_grad():
        model.generator.mapping.w_avg.normal_()
        for key, p in model.generator.named_parameters():
            if key.endswith("noise_strength"):
                p.fill_(0.5)
    return model


def synthesize(model: zoo.GAN, ws: torch.Tensor, **kwargs) -> torch.Tensor:
    with torch.no_grad():
        return (model.generator.synthesis(ws, **kwargs) * 0.5 + 0.5).clamp(0, 1)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_truncation_is_psi_toward_w_avg(name):
    model = model_of(name)
    z = torch.randn(4, model.latent_dim)
    average = model.sample(latents=z, truncation=0.0, fast=False)
    assert torch.allclose(average, average[:1].expand_as(average))  # every w is w_avg
    assert not torch.allclose(average, model.sample(latents=z, fast=False))
    with pytest.raises(zoo.ConfigError, match="it is psi, from 0"):
        model.sample(2, seed=0, truncation=-1.0)
    # the fast path (a bf16 copy where the CPU has native bf16) truncates the same way
    fast = model.sample(latents=z, truncation=0.5)
    assert (fast - model.sample(latents=z, truncation=0.5, fast=False)).abs().mean() < 0.05


def test_noise_modes():
    model = model_of("stylegan2")
    z = torch.randn(3, model.latent_dim)
    const = model.sample(latents=z, fast=False)
    assert torch.equal(const, model.sample(latents=z, noise="const", fast=False))
    torch.manual_seed(1)
    drawn = model.sample(latents=z, noise="random", fast=False)
    torch.manual_seed(1)
    assert torch.equal(drawn, model.sample(latents=z, noise="random", fast=False))
    assert not torch.allclose(drawn, model.sample(latents=z, noise="random", fast=False))
    without = model.sample(latents=z, noise="none", fast=False)
    assert not torch.allclose(without, const) and not torch.allclose(without, drawn)
    with pytest.raises(zoo.ConfigError, match="noise='fresh'; choose one of const, random"):
        model.sample(2, noise="fresh")
    with pytest.raises(zoo.ConfigError, match="stylegan3 has no noise inputs"):
        model_of("stylegan3").sample(2, noise="random")


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_style_mixing_takes_the_later_w_of_the_mixing_code(name):
    model = model_of(name, conditional=True)
    z, labels = torch.randn(4, model.latent_dim), torch.tensor([0, 1, 2, 0])
    other = torch.randn(1, model.latent_dim)
    g, c = model.generator, one_hot(labels, 3)
    for layer in (1, g.num_ws - 1):
        mixed = model.sample(latents=z, labels=labels, mix=other, mix_from=layer, fast=False)
        with torch.no_grad():
            ws, ws_other = g.mapping(z, c), g.mapping(other.expand(4, -1), c)
        ws[:, layer:] = ws_other[:, layer:]
        assert (mixed - synthesize(model, ws)).abs().max() < 1e-6
        assert not torch.allclose(mixed, model.sample(latents=z, labels=labels, fast=False))
    own = model.sample(latents=z, labels=labels, mix=z, fast=False)  # one code per image
    assert torch.equal(own, model.sample(latents=z, labels=labels, fast=False))
    with pytest.raises(zoo.ConfigError, match=f"mix_from=0: .*from 1 to {g.num_ws - 1}"):
        model.sample(latents=z, labels=labels, mix=other, mix_from=0)
    with pytest.raises(zoo.ConfigError, match="mix: 2 codes for 4 images; give 1 or 4"):
        model.sample(latents=z, labels=labels, mix=torch.randn(2, model.latent_dim))


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_interpolate_walks_a_straight_line_in_w(name):
    model = model_of(name)
    a, b = torch.randn(2, model.latent_dim), torch.randn(2, model.latent_dim)
    walks = model.interpolate(a, b, 3, truncation=0.7, fast=False)
    assert walks.shape[0] == 6
    ends = model.sample(latents=torch.cat([a, b]), truncation=0.7, fast=False)
    assert (walks[0::3] - ends[:2]).abs().max() < 1e-6  # starts
    assert (walks[2::3] - ends[2:]).abs().max() < 1e-6  # ends
    with torch.no_grad():
        middle = (model.generator.mapping(a, None, 0.7) + model.generator.mapping(b, None, 0.7)) / 2
    assert (walks[1::3] - synthesize(model, middle)).abs().max() < 1e-6
    # mixed walks: the mixing code's w is truncated like the ends'
    other = torch.randn(1, model.latent_dim)
    mixed = model.interpolate(a, b, 3, truncation=0.7, mix=other, fast=False)
    expected = model.sample(latents=b, truncation=0.7, mix=other, fast=False)
    assert (mixed[2::3] - expected).abs().max() < 1e-6


def test_generators_without_w_refuse_style_options():
    model = zoo.create("dcgan", image_size=28, latent_dim=8, g_width=8, d_width=8).eval()
    with pytest.raises(zoo.ConfigError, match="dcgan: sample\\(\\) takes no mix, noise"):
        model.sample(2, noise="random", mix=torch.randn(1, 8))
    # their walks stay spherical in z
    a, b = torch.randn(1, 8), torch.randn(1, 8)
    walk_images = model.interpolate(a, b, 2, fast=False)
    ends = model.sample(latents=torch.cat([a, b]), fast=False)
    assert (walk_images - ends).abs().max() < 1e-6  # slerp's end is b to within rounding


def test_the_demo_pictures_take_psi_noise_and_mixing():
    model = model_of("stylegan2")
    plain = generate(model, seed=0, n=2, truncation=1.0)
    assert generate(model, seed=0, n=2, truncation=0.0) != plain  # psi 0: the average image
    assert generate(model, seed=0, n=2, truncation=1.0, mix_seed=5) != plain
    assert generate(model, seed=0, n=2, truncation=1.0, noise="none") != plain
    strip = walk(model, 0, 1, steps=4, truncation=0.7)
    assert strip.width >= 4 * 16


def test_sample_and_interpolate_commands_take_the_style_options(zoo_cli, tmp_path):
    model = tmp_path / "sg2"
    zoo_cli("import-checkpoint", FIXTURES / "stylegan2_uncond.pkl", "-o", model)
    run = lambda out, *flags: zoo_cli("sample", model, "-n", 4, "-o", tmp_path / out, *flags)  # noqa: E731
    run("a.png", "--noise", "random", "--mix", 3, "--seed", 1)
    run("b.png", "--noise", "random", "--mix", 3, "--seed", 1)
    run("c.png", "--mix", 3, "--mix-from", 1, "--seed", 1)
    pixels = {p: np.asarray(Image.open(tmp_path / p)) for p in ("a.png", "b.png", "c.png")}
    assert np.array_equal(pixels["a.png"], pixels["b.png"])  # the seed fixes random noise
    assert not np.array_equal(pixels["a.png"], pixels["c.png"])
    out = zoo_cli("interpolate", model, "--rows", 1, "--steps", 3, "-o", tmp_path / "w.png")
    assert "1 walks of 3 steps" in out.stdout
    for args, message in [
        (("dcgan-mnist", "--mix", 1), "dcgan model; --mix apply to StyleGAN-family models"),
        ((model, "--mix-from", 2), "--mix-from needs --mix SEED"),
        ((model, "--mix", 1, "--mix-from", 99), "mix_from=99: the layer whose w"),
    ]:
        result = zoo_cli("sample", *args, "-o", tmp_path / "x.png", check=False)
        assert result.returncode == 2 and message in result.stderr, result.stderr


def test_the_demo_tab_wires_psi_noise_and_mixing_to_the_pictures():
    """The page's StyleGAN tab, built in-process: its controls (psi, noise, the mixing seed)
    reach :func:`generate` and :func:`walk` in the order they take them."""
    pytest.importorskip("gradio", reason='pip install "gan-zoo[demo]"')
    from zoo.demo import build

    model = model_of("stylegan2")
    page = build(["sg2"], models={"sg2": model})
    handlers = {
        tuple(getattr(i, "label", None) for i in fn.inputs): fn.fn for fn in page.fns.values()
    }
    psi, mix = "psi (1: none, 0.7 usual)", "mix in the styles of seed (-1: none)"
    on_generate = handlers["seed", "samples", psi, None, "noise", mix]
    on_walk = handlers["seed", "walk to seed", "steps", None, psi, "noise"]
    expected = generate(model, 2, 4, None, 0.6, "none", 5)
    assert on_generate(2, 4, 0.6, None, "none", 5) == expected
    assert on_walk(2, 3, 4, None, 0.6, "none") == walk(model, 2, 3, 4, None, 0.6, "none")

import pytest
import torch
from torch import nn

import zoo
from zoo.models._registry import get_architecture
from zoo.testing import check_architecture

ALL_CHECKS = [
    "class",
    "config_defaults",
    "config_roundtrip",
    "modules",
    "optimizers",
    "sample_shape_range_determinism",
    "fast_copy_attributes",
    "export_exported_program",
    "export_onnx",
    "train_step",
    "safetensors_roundtrip",
]


@pytest.mark.parametrize("arch", ["vanilla", "dcgan", "wgan-gp"])
@pytest.mark.parametrize("size, channels", [(28, 1), (32, 3), (64, 1)])
def test_builtins_pass_the_conformance_kit(arch, size, channels, small_configs):
    config = {**small_configs[arch], "image_size": size, "channels": channels}
    assert check_architecture(get_architecture(arch), config) == ALL_CHECKS


def test_conformance_kit_catches_a_broken_plugin(small_configs):
    base = get_architecture("dcgan")

    class Unseeded(base):  # ignores the seed: sampling is not reproducible
        def sample(self, n, seed=None, batch_size=256):
            return super().sample(n, seed=None)

    with pytest.raises(AssertionError, match="same images for the same seed"):
        check_architecture(Unseeded, small_configs["dcgan"])

    class Frozen(base):  # the generator never learns
        def generator_loss(self, real):
            return zoo.LossOutput(self.generator(self.latent(len(real))).mean() * 0)

    with pytest.raises(AssertionError, match="generator weights unchanged"):
        check_architecture(Frozen, small_configs["dcgan"])


def test_conformance_kit_says_why_a_plugin_does_not_export(small_configs):
    base = get_architecture("dcgan")

    class Branchy(nn.Module):  # a Python branch on tensor values: torch.export cannot follow
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, z):
            return self.inner(z) if z.mean() > 0 else self.inner(-z)

    class Unexportable(base):
        def __init__(self, config):
            super().__init__(config)
            self.generator = Branchy(self.generator)

    with pytest.raises(AssertionError, match="export: dcgan cannot be exported to .*data"):
        check_architecture(Unexportable, small_configs["dcgan"])


def test_conformance_kit_checks_the_config_defaults_as_declared():
    import dataclasses

    base = get_architecture("dcgan")

    @dataclasses.dataclass(frozen=True)
    class BadDefaults(base.Config):
        image_size: int = zoo.choice(30, (28, 32, 64), "not one of its own choices")

    class Bad(base):
        Config = BadDefaults

    with pytest.raises(AssertionError, match="defaults break its own rules.*image_size=30"):
        check_architecture(Bad, {"image_size": 28, "channels": 1})


def test_conformance_kit_needs_a_task():
    class NoTask(zoo.GAN):
        Config = get_architecture("dcgan").Config

    with pytest.raises(AssertionError, match="must be a zoo.tasks.Task"):
        check_architecture(NoTask)


def test_sample_takes_latent_codes(small_configs):
    model = zoo.create("dcgan", **small_configs["dcgan"]).eval()
    z = model.latent(5, torch.Generator().manual_seed(3))
    assert torch.equal(model.sample(latents=z, fast=False), model.sample(5, seed=3, fast=False))
    with pytest.raises(ValueError, match=r"latents of shape \(5, 7\); expected \(n, 8\)"):
        model.sample(latents=torch.randn(5, 7))


def layer_types(module):
    return [type(m) for m in module.modules() if not isinstance(m, nn.Sequential)]


def test_dcgan_follows_radford_et_al():
    m = zoo.create("dcgan", image_size=64, channels=3)
    g, d = layer_types(m.generator), layer_types(m.discriminator)
    assert g.count(nn.ConvTranspose2d) == 5 and g.count(nn.BatchNorm2d) == 4
    assert nn.ReLU in g and g[-1] is nn.Tanh and nn.Linear not in g
    assert d.count(nn.Conv2d) == 5 and d.count(nn.BatchNorm2d) == 3  # none on the first layer
    assert d[1] is nn.LeakyReLU and m.discriminator[1].negative_slope == 0.2
    assert all(
        isinstance(x, (nn.Conv2d, nn.ConvTranspose2d)) is False or x.stride in ((1, 1), (2, 2))
        for x in m.modules()
    )
    specs = m.optimizers()
    assert {(s.opt, s.lr, s.betas) for s in specs.values()} == {("adam", 2e-4, (0.5, 0.999))}
    conv = m.generator[1].weight
    assert abs(conv.std().item() - 0.02) < 0.002  # N(0, 0.02) init


def test_wgan_gp_critic_has_no_batchnorm_and_paper_hyperparameters():
    m = zoo.create("wgan-gp", image_size=32, channels=3)
    assert nn.BatchNorm2d not in layer_types(m.discriminator)
    assert m.discriminator_steps == 5 and m.config.gp_weight == 10.0
    specs = m.optimizers()
    assert {(s.opt, s.lr, s.betas) for s in specs.values()} == {("adam", 1e-4, (0.0, 0.9))}


def test_vanilla_is_an_mlp():
    m = zoo.create("vanilla")
    assert nn.Conv2d not in layer_types(m) and nn.Linear in layer_types(m.generator)
    assert m.generator(torch.randn(2, 100)).shape == (2, 1, 28, 28)


@pytest.mark.parametrize("size, channels", [(28, 1), (32, 3), (64, 3)])
def test_resnet_networks_map_codes_to_images_and_images_to_one_logit(size, channels):
    torch.manual_seed(0)
    g = zoo.nn.resnet_generator(16, size, channels, 8).eval()
    d = zoo.nn.resnet_discriminator(size, channels, 8)
    images = g(torch.randn(2, 16))
    assert images.shape == (2, channels, size, size) and images.abs().max() <= 1
    assert d(images).shape == (2,)
    blocks = [m for m in g if isinstance(m, zoo.nn.UpBlock)]
    assert blocks[-1].conv2.out_channels == 8  # width: the last block's channels
    assert blocks[0].conv1.in_channels == 8 * 2 ** (len(blocks) - 1)


def test_resnet_blocks_add_the_residual_to_the_shortcut():
    torch.manual_seed(0)
    x = torch.randn(2, 4, 8, 8)
    up, down = zoo.nn.UpBlock(4, 6).eval(), zoo.nn.DownBlock(4, 6)
    first = zoo.nn.DownBlock(4, 6, first=True)
    for block in (up, down, first):
        nn.init.zeros_(block.conv2.weight)
        nn.init.zeros_(block.conv2.bias)  # residual branch off: the block is its shortcut
    upsampled = nn.functional.interpolate(x, scale_factor=2.0)
    assert torch.allclose(up(x), up.shortcut(upsampled), atol=1e-6)
    assert torch.allclose(down(x), nn.functional.avg_pool2d(down.shortcut(x), 2), atol=1e-6)
    assert torch.allclose(first(x), first.shortcut(nn.functional.avg_pool2d(x, 2)), atol=1e-6)
    nn.init.normal_(down.conv2.weight)
    assert not torch.allclose(down(x), nn.functional.avg_pool2d(down.shortcut(x), 2), atol=1e-3)

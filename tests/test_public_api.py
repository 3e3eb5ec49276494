"""The public names stay where they are documented, old module paths keep working, and the
fast path's replacements keep the attributes of what they replace."""

import torch

import zoo


def test_the_public_names():
    for name in zoo.__all__:
        assert getattr(zoo, name) is not None, name
    from zoo import losses, registry, tasks, testing

    for name in tasks.__all__:
        assert getattr(tasks, name) is not None, name
    assert set(tasks.builtin_tasks()) == set(tasks.BUILTIN_TASK_NAMES)
    assert registry.discover is zoo.registry.discover
    assert callable(testing.check_architecture) and callable(losses.gradient_penalty)
    assert zoo.UnconditionalGAN.task.name == "unconditional"
    assert zoo.ImageToImageGAN.task.pipeline_tag == "image-to-image"


def test_a_forward_reading_conv_attributes_works_on_the_fast_copy():
    class Reads(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 5, 3, padding=1)
            self.up = torch.nn.ConvTranspose2d(5, 2, 4, 2, 1)

        def forward(self, x):
            assert self.conv.out_channels == 5 and self.up.in_channels == 5
            return self.up(self.conv(x)).narrow(1, 0, self.up.out_channels)

    from zoo.inference.fast import FastConvTranspose2d, PackedConv, fast_copy

    net = Reads().eval()
    fast = fast_copy(net, torch.device("cpu"))
    replaced = {type(m) for m in fast.modules()}
    assert replaced & {PackedConv, FastConvTranspose2d}  # something was swapped
    x = torch.rand(2, 3, 8, 8)
    with torch.inference_mode():
        out = fast(x.to(next(fast.parameters()).dtype)).float()
        torch.testing.assert_close(out, net(x), atol=0.05, rtol=0)


def test_latent_dim_can_be_set_by_a_subclass():
    model = zoo.create("dcgan", image_size=28, channels=1, latent_dim=8, g_width=8, d_width=8)
    assert model.latent_dim == 8
    model.latent_dim = 8  # a subclass may assign it, as the docstring says
    assert model.latent(2).shape == (2, 8)

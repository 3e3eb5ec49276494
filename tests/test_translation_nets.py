"""The image-to-image networks follow the papers and the reference implementation."""

import torch
from torch import nn

import zoo
from zoo.nn.translation import NLayerDiscriminator, ResnetGenerator, UnetGenerator


def _receptive_field(net: nn.Module, size: int = 128) -> int:
    x = torch.zeros(1, 1, size, size, requires_grad=True)
    out = net(x)
    centre = out[0, 0, out.shape[2] // 2, out.shape[3] // 2]
    (grad,) = torch.autograd.grad(centre, x)
    rows = grad[0, 0].abs().sum(1).nonzero()
    return int(rows.max() - rows.min() + 1)


def test_patchgan_sees_70x70_patches():
    net = NLayerDiscriminator(1, ndf=4, n_layers=3, norm="none")
    nn.init.constant_(net.model[0].weight, 0.1)  # no exactly-zero paths
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.constant_(m.weight, 0.1)
    assert _receptive_field(net) == 70


def test_unet_has_skip_connections_and_inner_dropout():
    net = UnetGenerator(3, 3, 8, ngf=4, norm="batch", use_dropout=True)
    dropouts = [m for m in net.modules() if isinstance(m, nn.Dropout)]
    assert len(dropouts) == 3 and all(d.p == 0.5 for d in dropouts)  # the ngf*8 middle levels
    assert sum(isinstance(m, nn.BatchNorm2d) for m in net.modules()) == 13
    # skips: changing the input's left half changes only (mostly) the left half of the output
    x = torch.rand(1, 3, 256, 256)
    net.eval()
    with torch.no_grad():
        y = net(x)
        x2 = x.clone()
        x2[..., :8] = 0
        y2 = net(x2)
    assert y.shape == (1, 3, 256, 256)
    assert (y - y2)[..., :8].abs().mean() > 10 * (y - y2)[..., 128:].abs().mean()


def test_resnet_generator_is_cyclegans():
    net = ResnetGenerator(3, 3, ngf=8, norm="instance", n_blocks=9)
    kinds = [type(m) for m in net.model]
    assert kinds[0] is nn.ReflectionPad2d and kinds[-1] is nn.Tanh
    assert sum(k.__name__ == "ResnetBlock" for k in kinds) == 9
    assert sum(k is nn.ConvTranspose2d for k in kinds) == 2
    norms = [m for m in net.modules() if isinstance(m, nn.InstanceNorm2d)]
    assert norms and not any(n.affine or n.track_running_stats for n in norms)
    assert net(torch.rand(2, 3, 64, 64)).shape == (2, 3, 64, 64)


def test_paper_objectives_and_hyperparameters():
    p2p = zoo.create("pix2pix")
    assert (p2p.config.lambda_l1, p2p.config.gan_mode, p2p.config.norm) == (
        100.0,
        "vanilla",
        "batch",
    )
    assert p2p.discriminator.model[0].in_channels == 6  # judges the (input, output) pair
    cg = zoo.create("cyclegan")
    c = cg.config
    assert (c.lambda_a, c.lambda_b, c.lambda_identity, c.pool_size) == (10.0, 10.0, 0.5, 50)
    assert (c.gan_mode, c.generator, c.norm) == ("lsgan", "resnet_9blocks", "instance")
    for spec in (*p2p.optimizers().values(), *cg.optimizers().values()):
        assert (spec.opt, spec.lr, spec.betas) == ("adam", 2e-4, (0.5, 0.999))

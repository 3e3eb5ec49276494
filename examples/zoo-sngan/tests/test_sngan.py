import pytest
import torch
from torch import nn
from zoo_sngan import SNGAN, hinge_d_loss, hinge_g_loss

import zoo
from zoo.testing import check_architecture

SMALL = {"image_size": 28, "channels": 1, "latent_dim": 8, "g_width": 8, "d_width": 8}


@pytest.mark.parametrize("networks", ["dcgan", "resnet"])
def test_conformance(networks):
    check_architecture(SNGAN, {**SMALL, "networks": networks})


def test_registered_through_entry_points():
    assert "sngan" in zoo.list_architectures()
    assert "sngan-mnist" in zoo.list_models()


@pytest.mark.parametrize("networks", ["dcgan", "resnet"])
def test_every_discriminator_weight_is_spectrally_normalised(networks):
    model = SNGAN(**SMALL, networks=networks)
    layers = [m for m in model.discriminator.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert layers and all(hasattr(m, "parametrizations") for m in layers)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.discriminator.modules())
    model.train()
    for _ in range(30):  # power iterations converge during forward passes
        model.discriminator(torch.randn(4, 1, 28, 28))
    for m in layers:
        w = m.weight.detach().flatten(1)
        assert abs(torch.linalg.matrix_norm(w, ord=2).item() - 1.0) < 0.05


def test_hinge_losses():
    real = torch.tensor([2.0, 0.5, -1.0])
    fake = torch.tensor([-2.0, 0.0, 1.0])
    # relu(1 - real) = [0, .5, 2]; relu(1 + fake) = [0, 1, 2]
    assert torch.isclose(hinge_d_loss(real, fake), torch.tensor(2.5 / 3 + 3 / 3))
    assert torch.isclose(hinge_g_loss(fake), torch.tensor(1 / 3))


def test_shipped_model_loads_and_samples():
    model = zoo.load("sngan-mnist")
    assert model.architecture == "sngan" and not model.training
    assert model.sample(4, seed=0).shape == (4, 1, 28, 28)

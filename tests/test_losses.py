import torch
import torch.nn.functional as F
from torch import nn

from zoo.losses import gradient_penalty, nonsaturating_d_loss, nonsaturating_g_loss


def test_nonsaturating_losses_match_binary_cross_entropy():
    real, fake = torch.randn(16), torch.randn(16)
    bce = F.binary_cross_entropy_with_logits
    expected_d = bce(real, torch.ones(16)) + bce(fake, torch.zeros(16))
    assert torch.allclose(nonsaturating_d_loss(real, fake), expected_d)
    assert torch.allclose(nonsaturating_g_loss(fake), bce(fake, torch.ones(16)))


class Recorder(nn.Module):
    """A critic D(x) = 0.5 * ||x||^2 per sample: grad = x, so norms are known exactly."""

    def forward(self, x):
        self.seen = x.detach().clone()
        return 0.5 * x.flatten(1).pow(2).sum(1)


def test_one_interpolation_coefficient_per_sample():
    torch.manual_seed(0)
    real, fake = torch.randn(8, 3, 5, 5), torch.randn(8, 3, 5, 5)
    critic = Recorder()
    gradient_penalty(critic, real, fake)
    alpha = (critic.seen - fake) / (real - fake)  # (8, 3, 5, 5)
    per_sample = alpha.flatten(1)
    # constant within a sample ...
    assert torch.allclose(per_sample, per_sample[:, :1].expand_as(per_sample), atol=1e-4)
    # ... and different across samples
    assert per_sample[:, 0].unique().numel() == 8
    assert ((per_sample >= 0) & (per_sample <= 1)).all()


def test_gradient_norm_is_taken_per_sample():
    torch.manual_seed(1)
    real, fake = torch.randn(6, 2, 4, 4), torch.randn(6, 2, 4, 4)
    critic = Recorder()
    gp = gradient_penalty(critic, real, fake)
    x = critic.seen  # grad of 0.5||x||^2 is x
    expected = ((x.flatten(1).norm(dim=1) - 1) ** 2).mean()
    assert torch.allclose(gp, expected, rtol=1e-5)
    wrong_batch_norm = (x.norm() - 1) ** 2  # the mistake some implementations make
    wrong_last_dim = ((x.norm(dim=-1) - 1) ** 2).mean()  # norm over the width only
    assert not torch.allclose(gp, wrong_batch_norm)
    assert not torch.allclose(gp, wrong_last_dim)


def test_penalty_is_zero_for_a_unit_gradient_critic():
    w = torch.randn(1, 3, 4, 4)
    w = w / w.norm()
    critic = lambda x: (x * w).flatten(1).sum(1)  # noqa: E731  ||grad|| = 1 everywhere
    gp = gradient_penalty(critic, torch.randn(5, 3, 4, 4), torch.randn(5, 3, 4, 4))
    assert gp.item() < 1e-10


def test_penalty_backpropagates_into_the_critic():
    critic = nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 1))
    gp = gradient_penalty(critic, torch.randn(4, 1, 4, 4), torch.randn(4, 1, 4, 4))
    gp.backward()
    assert critic[1].weight.grad is not None and critic[1].weight.grad.abs().sum() > 0

"""The fast copies' staleness check: each kind of change to a network is seen, and nothing
else invalidates a copy."""

from __future__ import annotations

import torch
from torch import nn

import zoo
from zoo.inference.fast import FAST_TOLERANCE
from zoo.inference.staleness import Snapshot


def network() -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU()).eval()


def test_a_snapshot_matches_until_the_network_changes():
    changes = {
        "in-place edit": lambda n: n[0].weight.mul_(2),
        "load_state_dict": lambda n: n.load_state_dict(network().state_dict()),
        "buffer edit": lambda n: n[1].running_mean.add_(1),
        "new parameter": lambda n: setattr(n[0], "weight", nn.Parameter(n[0].weight * 2)),
        "new buffer": lambda n: setattr(n[1], "running_var", torch.full((4,), 2.0)),
        "new sub-module": lambda n: n.__setitem__(0, nn.Conv2d(1, 4, 3)),
        "dtype": lambda n: n.double(),
        "train mode": lambda n: n.train(),
    }
    for what, change in changes.items():
        net = network()
        snapshot = Snapshot.of(net)
        assert snapshot.still_matches(net), what
        net(torch.randn(1, 1, 5, 5).to(next(net.parameters()).dtype))  # eval: no state change
        assert snapshot.still_matches(net), what
        with torch.no_grad():
            change(net)
        assert not snapshot.still_matches(net), what


def test_other_networks_do_not_invalidate_a_snapshot():
    net = network()
    snapshot = Snapshot.of(net)
    other = network()  # constructing registers parameters, on modules not watched
    other[0].weight = nn.Parameter(torch.zeros_like(other[0].weight))
    assert snapshot.still_matches(net)


def test_the_fast_copy_is_kept_between_calls_and_remade_after_a_replacement():
    model = zoo.load("dcgan-mnist")
    first = model._fast_module("generator")
    model.sample(2, seed=0)
    assert model._fast_module("generator") is first  # nothing changed: the same copy
    before = model.sample(4, seed=0)
    conv = model.generator[1]
    conv.weight = nn.Parameter(conv.weight.detach() * 0.5)  # replaced, not edited in place
    assert model._fast_module("generator") is not first
    after = model.sample(4, seed=0)
    assert not torch.equal(before, after)
    assert (after - model.sample(4, seed=0, fast=False)).abs().max() <= FAST_TOLERANCE

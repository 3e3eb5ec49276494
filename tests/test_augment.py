"""DiffAugment's transforms and ADA's controller: their mathematics, gradients and the hook."""

import pytest
import torch
from torch import nn

from zoo.train.augment import (
    AdaptiveProbability,
    DiffAugment,
    brightness,
    contrast,
    cutout,
    parse_policy,
    saturation,
    translation,
)


@pytest.fixture
def images():
    torch.manual_seed(0)
    return torch.rand(16, 3, 24, 24) * 2 - 1


def test_brightness_adds_one_value_in_half_a_unit_per_image(images):
    shift = brightness(images) - images
    per_image = shift.flatten(1)
    assert torch.allclose(per_image, per_image[:, :1].expand_as(per_image), atol=1e-6)
    assert per_image.min() >= -0.5 and per_image.max() < 0.5
    assert per_image[:, 0].std() > 0.1  # a different value for each image


def test_saturation_keeps_each_pixels_channel_mean(images):
    out = saturation(images)
    assert torch.allclose(out.mean(1), images.mean(1), atol=1e-5)
    before = (images - images.mean(1, keepdim=True)).flatten(1)
    after = (out - out.mean(1, keepdim=True)).flatten(1)
    factor = (after * before).sum(1, keepdim=True) / before.square().sum(1, keepdim=True)
    assert torch.allclose(after, factor * before, atol=1e-5)  # one factor per image
    assert factor.min() >= 0 and factor.max() < 2
    grey = images[:, :1]
    assert torch.equal(saturation(grey), grey)  # one channel: nothing to saturate


def test_contrast_keeps_each_images_mean_and_scales_its_spread(images):
    out = contrast(images)
    assert torch.allclose(out.mean((1, 2, 3)), images.mean((1, 2, 3)), atol=1e-5)
    ratio = out.flatten(1).std(1) / images.flatten(1).std(1)
    assert ratio.min() >= 0.5 - 1e-5 and ratio.max() < 1.5 + 1e-5


def test_translation_shifts_whole_images_by_at_most_an_eighth_and_fills_zeros(images):
    out = translation(images)
    limit = int(24 / 8 + 0.5)
    padded = nn.functional.pad(images, (limit,) * 4)
    shifts = set()
    for i in range(len(images)):
        found = [
            (dy, dx)
            for dy in range(-limit, limit + 1)
            for dx in range(-limit, limit + 1)
            if torch.equal(
                out[i],
                padded[i, :, limit + dy : limit + dy + 24, limit + dx : limit + dx + 24],
            )
        ]
        assert found, f"image {i} is not a zero-filled shift of its input"
        shifts.add(found[0])
    assert len(shifts) > 4  # each image draws its own shift


def test_cutout_zeroes_one_square_of_half_the_side(images):
    images = images.abs() + 0.1  # no zero in the input: every zero is the hole
    out = cutout(images)
    for i in range(len(images)):
        hole = (out[i] == 0).all(0)
        assert torch.equal(out[i][:, ~hole], images[i][:, ~hole])
        rows, cols = hole.any(1).nonzero().flatten(), hole.any(0).nonzero().flatten()
        assert hole.sum() == len(rows) * len(cols)  # a rectangle ...
        assert len(rows) <= 12 and len(cols) <= 12  # ... of at most half the side,
        if rows.min() > 0 and rows.max() < 23:  # whole where it is inside the image
            assert len(rows) == 12
        if cols.min() > 0 and cols.max() < 23:
            assert len(cols) == 12


def test_gradients_flow_through_every_policy(images):
    x = images.clone().requires_grad_(True)
    DiffAugment("color,translation,cutout")(x).square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    x.grad = None
    DiffAugment("translation,cutout")(x).square().sum().backward()
    assert (x.grad == 0).any()  # pixels cut out or shifted out get none ...
    assert (x.grad != 0).float().mean() > 0.5  # ... the others do


def test_probability_decides_how_many_images_change(images):
    torch.manual_seed(1)
    assert torch.equal(DiffAugment("translation", p=0.0)(images), images)
    changed = [
        (DiffAugment("color", p=0.3)(images) != images).flatten(1).any(1).float().mean()
        for _ in range(50)
    ]
    # each of the three colour transforms with p = 0.3: 1 - 0.7^3 = 0.657 of the images
    assert abs(float(torch.stack(changed).mean()) - (1 - 0.7**3)) < 0.05


def test_the_hook_augments_every_call_without_touching_the_state_dict(images):
    seen = []

    class Recorder(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 1)

        def forward(self, x, labels=None):
            seen.append((x, labels))
            return x.mean()

    d = Recorder()
    keys = set(d.state_dict())
    handle = DiffAugment("cutout").attach(d)
    labels = torch.arange(16)
    d(images, labels)
    assert not torch.equal(seen[0][0], images) and seen[0][1] is labels
    assert set(d.state_dict()) == keys
    handle.remove()
    d(images)
    assert torch.equal(seen[1][0], images)


@pytest.mark.parametrize("bad", ["colour", "", "translation,zoom"])
def test_unknown_policies_are_named(bad):
    with pytest.raises(ValueError, match="choose from color, translation, cutout"):
        parse_policy(bad)


def test_policies_run_in_the_papers_order():
    assert parse_policy("cutout, color") == ("color", "cutout")


def test_ada_moves_p_by_batch_times_interval_over_speed():
    ada = AdaptiveProbability(target=0.6, speed=1000, interval=4)
    unsure = torch.tensor([1.0, 2.0, -3.0, -1.0, 5.0])  # E[sign] = 0.2, below the target
    p, rt = ada.step(0.5, unsure, batch_size=10)
    assert rt == pytest.approx(0.2) and p == pytest.approx(0.5 - 10 * 4 / 1000)
    p, rt = ada.step(0.5, torch.ones(5), batch_size=10)
    assert rt == 1.0 and p == pytest.approx(0.54)
    assert ada.step(0.99, torch.ones(5), batch_size=100)[0] == 1.0  # clamped to [0, 1]
    assert ada.step(0.01, -torch.ones(5), batch_size=100)[0] == 0.0

"""Grids drawn by the zoo's own ``make_grid`` are torchvision's, pixel for pixel (torchvision
is imported here only as the reference; the load path never imports it)."""

from __future__ import annotations

import pytest
import torch
from torchvision.utils import make_grid as reference_grid

from zoo.images import make_grid, to_pil


@pytest.mark.parametrize(
    ("n", "channels", "nrow", "padding"),
    [(1, 1, 8, 2), (1, 3, 8, 2), (7, 1, 3, 2), (64, 3, 8, 2), (5, 3, 1, 0), (9, 1, 4, 1)],
)
def test_make_grid_matches_torchvision(n, channels, nrow, padding):
    images = torch.rand(n, channels, 5, 6, generator=torch.Generator().manual_seed(n))
    ours = make_grid(images, nrow, padding)
    theirs = reference_grid(images, nrow=nrow, padding=padding, pad_value=1.0)
    assert torch.equal(ours, theirs[:channels])  # torchvision widens one channel to three


def test_to_pil_grid_size_and_mode():
    grid = to_pil(torch.zeros(10, 1, 4, 4), nrow=4)
    assert grid.mode == "L" and grid.size == (4 * 6 + 2, 3 * 6 + 2)
    assert to_pil(torch.zeros(2, 3, 4, 4)).mode == "RGB"

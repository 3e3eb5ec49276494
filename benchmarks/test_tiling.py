"""Super-resolution of a large photograph, whole and in overlapping tiles (the default of
``upscale``): megapixels of output per second and peak memory side by side, so that the
tiling's cost in time (the overlap computed twice) reads beside what it saves in memory.

    python -m pytest benchmarks/test_tiling.py
"""

import pytest


@pytest.mark.parametrize("tiling", ["whole", "tiled"])
def test_upscale_large_photo(benchmark, tiling, smoke, device):
    import torch

    import zoo
    from zoo.inference.memory import peak_memory
    from zoo.tasks.super_resolution import DEFAULT_TILE

    model = zoo.load("srresnet-photos-x4", device=device)
    side = 96 if smoke else 512  # low-resolution pixels; 4x: a 2048x2048 output
    photo = torch.rand(1, 3, side, side, generator=torch.Generator().manual_seed(0))
    tile = None if tiling == "whole" else (32 if smoke else DEFAULT_TILE)

    def upscale():
        return model.upscale(photo, tile=tile)

    out, peak_mb = peak_memory(upscale, torch.device(device))  # also builds the fast path
    assert out.shape[-1] == 4 * side
    benchmark.group = f"upscale {side}x{side} x4: srresnet-photos-x4"
    benchmark.pedantic(upscale, rounds=1 if smoke else 3, iterations=1)
    megapixels = (4 * side) ** 2 / 1e6
    benchmark.extra_info.update(
        tile=tile,
        output_megapixels_per_s=megapixels / benchmark.stats.stats.median,
        peak_memory_mb=peak_mb,
    )

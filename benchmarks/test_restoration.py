"""Restoration networks through the spandrel bridge, side by side with spandrel's own model
called the way its users call it (the descriptor: eager fp32), in one run: RealESRGAN_x4plus's
real config (RRDBNet, 23 blocks, 64 features) on a 128x128 input and realesr-general-x4v3's
(SRVGGNetCompact, 32 convolutions) on 256x256, batch 1 (random weights: speed does not depend
on their values); images per second and peak memory. ``test_large_upscale`` measures the
peak memory of a 2000x2000 x4 upscale of RealESRGAN_x4plus's config in tiles (GPU only by
default: about 15 minutes on two CPU cores, run there with ``-k large``).

    python -m pytest benchmarks/test_restoration.py          # measure (GPU when present)
    python -m pytest benchmarks/test_restoration.py --smoke  # every path once, small inputs
"""

import json

import pytest
import torch

pytest.importorskip("spandrel", reason='pip install "gan-zoo[restore]"')

#: network -> (spandrel's architecture and class, hyper-parameters, input side)
NETWORKS = {
    "RealESRGAN_x4plus": (
        "ESRGAN",
        {"in_nc": 3, "out_nc": 3, "num_filters": 64, "num_blocks": 23, "scale": 4},
        128,
    ),
    "realesr-general-x4v3": (
        "Compact",
        {"num_in_ch": 3, "num_out_ch": 3, "num_feat": 64, "num_conv": 32, "upscale": 4,
         "act_type": "prelu"},
        256,
    ),
}  # fmt: skip


#: smoke runs: the same networks, narrowed (every code path once, in seconds)
SMOKE = {"RealESRGAN_x4plus": {"num_blocks": 1}, "realesr-general-x4v3": {"num_conv": 2}}


def bridged(network: str, device: torch.device, smoke: bool = False):
    import zoo

    arch, hyper, _ = NETWORKS[network]
    hyper = {**hyper, **SMOKE[network]} if smoke else hyper
    model = zoo.create(
        "spandrel", network=arch, network_class=arch, hyperparameters=json.dumps(hyper)
    )
    return model.to(device).eval()


@pytest.mark.parametrize("path", ["spandrel", "zoo-exact", "zoo-default"])
@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_restoration_speed(benchmark, network, path, smoke, device):
    """Smoke runs narrow the networks (one RRDB block, two convolutions) and the input."""
    from zoo.inference.memory import peak_memory

    model = bridged(network, device, smoke)
    side = 16 if smoke else NETWORKS[network][2]
    x = torch.rand(1, 3, side, side, generator=torch.Generator().manual_seed(0)).to(device)
    if path == "spandrel":  # the descriptor, as spandrel's users call it
        import spandrel

        arch = NETWORKS[network][0]
        descriptor = spandrel.MAIN_REGISTRY[arch].architecture.load(
            model.generator.net.state_dict()
        )
        descriptor.to(device).eval()

        def call():
            return descriptor(x)
    else:
        fast = path == "zoo-default"

        def call():
            return model.upscale(x, tile=None, fast=fast)

    out, peak_mb = peak_memory(call, device)  # builds the fast path once
    assert out.shape[-1] == 4 * side
    benchmark.group = f"{network} {side}x{side} x4 batch 1 on {device.type}"
    benchmark.pedantic(call, rounds=1 if smoke else 3, iterations=1, warmup_rounds=0)
    benchmark.extra_info.update(
        images_per_s=1 / benchmark.stats.stats.median, peak_memory_mb=peak_mb
    )


def test_large_upscale(benchmark, smoke, device, request):
    """Peak memory of a large x4 upscale in the default tiles: 2000x2000 in (on the CPU only
    when ``-k large`` names it: 891 s and 1,894 MiB on two AVX512-BF16 cores, the upscale
    run twice), 48x48 through a one-block RRDBNet in smoke runs. Expected: the output itself
    (8000x8000x3 fp32: 732 MiB) plus one tile's work."""
    from zoo.inference.memory import peak_memory

    if device.type == "cpu" and not smoke and "large" not in request.config.option.keyword:
        pytest.skip("2000x2000 through RRDBNet takes 30 min on 2 CPU cores; -k large runs it")
    model = bridged("RealESRGAN_x4plus", device, smoke)
    side = 48 if smoke else 2000
    x = torch.rand(1, 3, side, side, generator=torch.Generator().manual_seed(0))

    def call():
        return model.upscale(x, tile=32 if smoke else 256)

    out, peak_mb = peak_memory(call, device)
    assert out.shape[-1] == 4 * side
    benchmark.group = f"RealESRGAN_x4plus {side}x{side} x4 tiled on {device.type}"
    benchmark.pedantic(call, rounds=1, iterations=1, warmup_rounds=0)
    benchmark.extra_info.update(
        peak_memory_mb=peak_mb,
        output_mb=out.numel() * 4 / 2**20,
        radius=model.generator.receptive_radius,
    )

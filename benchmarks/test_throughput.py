"""Throughput of every installed architecture (plugins included, found through the registry):
generator inference and full training steps, for each variant against the reference-style
baseline of the same model (image-to-image models at the reference's 256x256, batch 1).
pytest-benchmark groups by architecture/kind/batch, so the ratios between variants read
directly off its table; extra_info holds images/s, FLOPs per
image and the fraction of the matmul peak measured in this run.

    python -m pytest benchmarks                    # measure (GPU when present)
    python -m pytest benchmarks --smoke            # every benchmark once (CI)
"""

import functools

import pytest

import zoo
from zoo.inference import bench
from zoo.inference.memory import peak_memory
from zoo.models._registry import list_architectures

#: the architectures whose compiled variants the smoke run compiles: torch.compile is the
#: same code path for every architecture, and compiling all of them on a fresh machine took 9
#: of the smoke run's 13 minutes. Inference for one generator and one translator; training
#: (the trainer's one compile path, also run by tests/test_trainer.py) for the generator only:
#: pix2pix's two compiled training steps took 70 of the smoke run's 476 seconds
SMOKE_COMPILED = {"inference": ("dcgan", "pix2pix"), "train": ("dcgan",)}

VARIANTS = [
    "baseline",
    "eager",
    "channels_last",
    "bf16",
    "fast",
    "compile",
    "fast_compile",
    "onnxruntime",
]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("kind", ["inference", "train"])
@pytest.mark.parametrize("architecture", list_architectures())
def test_throughput(benchmark, architecture, kind, variant, device, batch_option, smoke, peaks):
    if variant in bench.INFERENCE_ONLY and kind == "train":
        pytest.skip(f"{variant} times inference only")
    if variant == "onnxruntime":
        pytest.importorskip("onnxruntime", reason='pip install "gan-zoo[export]"')
        if device.type != "cpu":
            pytest.skip("onnxruntime runs on the CPU here")
    if smoke and "compile" in variant and architecture not in SMOKE_COMPILED[kind]:
        compiled = ", ".join(SMOKE_COMPILED[kind])
        pytest.skip(f"smoke: compiled {kind} variants run for {compiled} only")
    if bench.emulated([variant], device):
        pytest.skip(f"{variant}: bf16 is emulated on this {device.type}, not native")
    batch = batch_option or bench.default_batch(architecture)
    config = None
    if smoke:  # every code path once, quickly: small batches, narrow image-to-image networks
        batch = min(batch, 2)
        config = bench.smoke_config(architecture)
    try:
        prepared, memory = peak_memory(
            functools.partial(
                bench.prepare_and_call, kind, architecture, config, batch, variant, device
            ),
            device,
        )
    except zoo.ConfigError as e:  # a variant the architecture refuses (GFPGAN: channels_last)
        pytest.skip(str(e))

    def call():
        prepared.call()
        bench.synchronize(device)

    benchmark.group = f"{architecture} {kind} batch {batch} on {device.type}"
    if smoke:
        benchmark.pedantic(call, rounds=1, iterations=1, warmup_rounds=0)
    else:
        benchmark.pedantic(call, rounds=5, iterations=3, warmup_rounds=2)
    seconds = benchmark.stats.stats.median
    images_per_s = prepared.images / seconds
    benchmark.extra_info.update(
        images_per_s=images_per_s,
        flops_per_image=prepared.flops_per_image,
        peak_fraction=bench.peak_fraction(
            prepared.flops_per_image, images_per_s, bench.settings(variant, device)[0], peaks
        ),
        peak_memory_mb=memory,
    )
    assert images_per_s > 0

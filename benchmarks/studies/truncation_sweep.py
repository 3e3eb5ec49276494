"""The truncation trick measured: FID, precision and recall of a generator's samples as the
latent codes are truncated (values beyond +-T drawn again), for docs/metrics.md.

    python scripts/truncation_sweep.py dcgan-mnist cgan-fashion

1,000 samples, seed 0, exact fp32; unconditional models against the data of their catalog
entry (the held-out split where they were trained on the rest), class-conditional ones
(uniform classes) against the test split, in the data's extractor space.
"""

from __future__ import annotations

import argparse

import zoo
from zoo.metrics.conditional import real_split
from zoo.metrics.fidelity import extract_features
from zoo.metrics.generation import image_metrics, real_images, source_extractor, split_of
from zoo.models._catalog import load_catalog

THRESHOLDS = (None, 2.0, 1.5, 1.0, 0.5)


def sweep(name: str, samples: int = 1000) -> list[dict]:
    model = zoo.load(name)
    data = load_catalog()[name].eval.get("data", "mnist")
    conditional = isinstance(model, zoo.ConditionalGAN)
    real = real_split(split_of(data)[0], "test")[0] if conditional else real_images(data)
    extractor = source_extractor(data)
    embedded = extract_features(real, extractor)  # once, for every threshold
    rows = []
    for t in THRESHOLDS:
        images = model.sample(samples, seed=0, fast=False, truncation=t)
        metrics = image_metrics(images, embedded, features=extractor, classifier=extractor)[
            "metrics"
        ]
        rows.append({"truncation": t or "none", **metrics})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="+")
    args = parser.parse_args()
    for name in args.names:
        print(f"\n{name}\n\n| truncation | FID | precision | recall | confidence |")
        print("| --- | --- | --- | --- | --- |")
        for r in sweep(name):
            print(
                f"| {r['truncation']} | {r['fid']:.3f} | {r['precision']:.3f} | "
                f"{r['recall']:.3f} | {r['confidence']:.3f} |"
            )


if __name__ == "__main__":
    main()

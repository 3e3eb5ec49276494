"""Does a generator copy its training images? A k-nearest-neighbour check in the feature space
of a zoo extractor (after StudioGAN's k-NN analysis).

For every sample, the distance to its nearest training image is set against the same for
real images the generator never saw (the held-out split):

* ``near_copies``: samples closer to a training image than any held-out real image comes
  (a real image drawn anew lands that close about once in as many draws as there are
  held-out images, so a generator that does not copy shows about ``samples / held_out``);
* ``nn_train_median``: the samples' median distance to their nearest training image;
  ``nn_heldout_median``: to their nearest held-out image; ``nn_real_median``: the held-out
  images' median distance to their nearest training image;
* ``nn_ratio``: ``nn_train_median / nn_real_median``: about 1 for samples as new as unseen
  real images, toward 0 for a copier, above 1 for samples off the data (blurred, broken).
"""

from __future__ import annotations

import torch

from zoo.metrics.fidelity import FeatureSet, extract_features


def embed(images: torch.Tensor | FeatureSet, extractor: str) -> torch.Tensor:
    """(N, D) features of images in [0, 1] as torch-fidelity sees them (8-bit), or those of
    an :func:`~zoo.metrics.fidelity.extract_features` result."""
    if isinstance(images, dict):
        return images["features"]
    return extract_features(images, extractor)["features"]


def nearest(queries: torch.Tensor, references: torch.Tensor, chunk: int = 1000) -> torch.Tensor:
    """(distance, index) of each query's nearest reference (Euclidean)."""
    dists, index = [], []
    for part in queries.split(chunk):
        d = torch.cdist(part, references)
        value, i = d.min(dim=1)
        dists.append(value)
        index.append(i)
    return torch.stack([torch.cat(dists), torch.cat(index).double()])


def memorisation(
    samples: torch.Tensor | FeatureSet,
    train: torch.Tensor | FeatureSet,
    held_out: torch.Tensor | FeatureSet,
    extractor: str,
) -> dict[str, float]:
    """The figures of the module doc for images in [0, 1] (or their features)."""
    fs, ft, fh = (embed(x, extractor) for x in (samples, train, held_out))
    sample_to_train = nearest(fs, ft)[0]
    real_to_train = nearest(fh, ft)[0]
    sample_to_held_out = nearest(fs, fh)[0]
    threshold = real_to_train.min()
    return {
        "near_copies": int((sample_to_train < threshold).sum()),
        "nn_ratio": round(float(sample_to_train.median() / real_to_train.median()), 4),
        "nn_train_median": round(float(sample_to_train.median()), 4),
        "nn_heldout_median": round(float(sample_to_held_out.median()), 4),
        "nn_real_median": round(float(real_to_train.median()), 4),
    }


def nearest_training_images(
    samples: torch.Tensor, train: torch.Tensor, extractor: str, n: int = 8
) -> torch.Tensor:
    """The ``n`` samples nearest to a training image, each followed by that image: (2n, C,
    H, W) in [0, 1], for a two-row picture (samples above, their neighbours below)."""
    d, i = nearest(embed(samples, extractor), embed(train, extractor))
    top = d.argsort()[:n]
    return torch.cat([samples[top].cpu(), train[i[top].long()].cpu()])

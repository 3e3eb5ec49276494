"""Write the R3GAN fixtures of tests/test_r3gan.py with the reference implementation's own
network classes.

    python scripts/make_r3gan_fixtures.py --reference CHECKOUT

CHECKOUT is a clone of brownvc/R3GAN; its code is not part of this repository. For each case
it builds the reference's ``training/networks.py`` Generator and Discriminator (the classes
its pickles hold), gives every parameter random values (the reference initialises the last
layer of each residual block to zero, which would leave those layers untested), and records
in ``tests/fixtures/reference/r3gan_CASE.safetensors`` the state dicts under the reference's
names (``G.``/``D.`` prefixed), inputs, and the outputs of the reference's forward pass on the
CPU, where its custom ops run their PyTorch fallbacks, as released pickles do there.

Each case is also written as the reference's training loop pickles a snapshot
(``r3gan_CASE.pkl``: ``dict(G, D, G_ema, training_set_kwargs, cur_nimg)`` and, for the bf16
case, the optimizers' states), with the recorded networks as ``G_ema`` and ``D`` and a
perturbed copy as ``G``, so that an importer taking the wrong generator fails.
"""

from __future__ import annotations

import argparse
import copy
import json
import pickle
import sys
import types
from pathlib import Path

import torch
from safetensors.torch import save_file

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reference"

#: case -> (generator keyword arguments, seed); the discriminator mirrors the generator as
#: the reference's train.py builds it
CASES = {
    "uncond": (
        {
            "NoiseDimension": 8,
            "WidthPerStage": [16, 12, 8],
            "CardinalityPerStage": [2, 4, 2],
            "BlocksPerStage": [1, 2, 1],
            "ExpansionFactor": 2,
            "c_dim": 0,
            "img_resolution": 16,
            "FP16Stages": [],
        },
        0,
    ),
    "cond": (
        {
            "NoiseDimension": 8,
            "WidthPerStage": [12, 12, 8, 8],
            "CardinalityPerStage": [3, 3, 2, 2],
            "BlocksPerStage": [1, 1, 1, 2],
            "ExpansionFactor": 2,
            "c_dim": 5,
            "ConditionEmbeddingDimension": 8,
            "img_resolution": 32,
            "FP16Stages": [],
        },
        1,
    ),
    "bf16": (
        {
            "NoiseDimension": 8,
            "WidthPerStage": [16, 8, 8],
            "CardinalityPerStage": [4, 2, 2],
            "BlocksPerStage": [1, 1, 1],
            "ExpansionFactor": 2,
            "c_dim": 0,
            "img_resolution": 16,
            "FP16Stages": [-1],
        },
        2,
    ),
}


def discriminator_kwargs(g: dict) -> dict:
    """As the reference's train.py: the generator's stages reversed, FP16Stages shifted."""
    d = {
        "WidthPerStage": g["WidthPerStage"][::-1],
        "CardinalityPerStage": g["CardinalityPerStage"][::-1],
        "BlocksPerStage": g["BlocksPerStage"][::-1],
        "ExpansionFactor": g["ExpansionFactor"],
        "c_dim": g["c_dim"],
        "img_resolution": g["img_resolution"],
        "FP16Stages": [x + len(g["FP16Stages"]) for x in g["FP16Stages"]],
    }
    if g["c_dim"]:
        d["ConditionEmbeddingDimension"] = g["WidthPerStage"][0]
    return d


def randomise(net: torch.nn.Module, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(p + 0.2 * torch.randn(p.shape, generator=gen))


def write_snapshot(path: Path, G_ema, D, seed: int, optimizers: bool) -> None:
    """As training/training_loop.py saves network-snapshot-*.pkl (networks deep-copied,
    eval mode, no gradients, on the CPU; pickle's default protocol)."""
    G = copy.deepcopy(G_ema)
    randomise(G, seed + 300)
    data = {"G": G, "D": D, "G_ema": G_ema}
    data["training_set_kwargs"] = {"class_name": "training.dataset.ImageFolderDataset"}
    data["cur_nimg"] = 1000
    if optimizers:
        for name, net in (("G", copy.deepcopy(G)), ("D", copy.deepcopy(D))):
            opt = torch.optim.Adam(net.parameters(), betas=(0.0, 0.99))
            net(*example_inputs(net)).float().sum().backward()
            opt.step()
            data[f"{name}_opt_state"] = opt.state_dict()
    for key, value in data.items():
        if isinstance(value, torch.nn.Module):
            data[key] = copy.deepcopy(value).eval().requires_grad_(False).cpu()
    with open(path, "wb") as f:
        pickle.dump(data, f)
    print(f"wrote {path.name}: {path.stat().st_size:,} bytes")


def example_inputs(net) -> tuple:
    """A batch of two for ``net`` (the wrapper's forward takes (input, c))."""
    model = net.Model
    c_dim = getattr(net, "c_dim", 0) or (
        model.EmbeddingLayer.in_features if getattr(model, "EmbeddingLayer", None) else 0
    )
    c = torch.eye(c_dim)[:2] if c_dim else None
    if hasattr(net, "z_dim"):
        return torch.randn(2, net.z_dim), c
    size = 4 * 2 ** (len(model.MainLayers) - 1)
    return torch.randn(2, 3, size, size), c


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="a brownvc/R3GAN clone")
    args = parser.parse_args()
    sys.path.insert(0, str(args.reference))
    # torch_utils imports pkg_resources (setuptools) for one version comparison
    from packaging.version import parse

    sys.modules.setdefault("pkg_resources", types.SimpleNamespace(parse_version=parse))  # type: ignore[arg-type]
    from training.networks import Discriminator, Generator

    for case, (g_kwargs, seed) in CASES.items():
        torch.manual_seed(seed)
        G = Generator(**g_kwargs)
        D = Discriminator(**discriminator_kwargs(g_kwargs))
        randomise(G, seed)
        randomise(D, seed + 100)
        gen = torch.Generator().manual_seed(seed + 200)
        n = 3
        z = torch.randn(n, g_kwargs["NoiseDimension"], generator=gen)
        labels = torch.randint(0, max(g_kwargs["c_dim"], 1), (n,), generator=gen)
        c = torch.eye(g_kwargs["c_dim"])[labels] if g_kwargs["c_dim"] else None
        size = g_kwargs["img_resolution"]
        images = torch.randn(n, 3, size, size, generator=gen)
        with torch.no_grad():
            fake = G(z, c).float()
            logits = D(images, c).float()
        tensors = {f"G.{k}": v for k, v in G.state_dict().items()}
        tensors |= {f"D.{k}": v for k, v in D.state_dict().items()}
        tensors |= {"z": z, "labels": labels, "fake": fake, "images": images, "logits": logits}
        tensors = {k: v.detach().float().contiguous() for k, v in tensors.items()}
        meta = {
            "G_kwargs": json.dumps(g_kwargs),
            "D_kwargs": json.dumps(discriminator_kwargs(g_kwargs)),
        }
        path = OUT / f"r3gan_{case}.safetensors"
        save_file(tensors, str(path), meta)
        write_snapshot(OUT / f"r3gan_{case}.pkl", G, D, seed, optimizers=case == "bf16")
        print(f"wrote {path.name}: images {tuple(fake.shape)}, logits {tuple(logits.shape)}")


if __name__ == "__main__":
    main()

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
"""

from __future__ import annotations

import argparse
import json
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
        print(f"wrote {path.name}: images {tuple(fake.shape)}, logits {tuple(logits.shape)}")


if __name__ == "__main__":
    main()

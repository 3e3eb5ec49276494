"""Write the StyleGAN2-ADA fixtures of tests/test_stylegan_reference.py with the reference
code itself.

    python scripts/make_stylegan2_fixtures.py --reference CHECKOUT

CHECKOUT is a clone of NVlabs/stylegan2-ada-pytorch; its code is not part of this repository.
For each case it builds the reference's ``training/networks.py`` Generator and Discriminator
(NVIDIA persistent classes, as its pickles hold them), gives every parameter and buffer
random values (noise strengths, biases and ``w_avg`` start at zero, which would leave them
untested), and writes

* ``stylegan2_CASE.pkl``: the snapshot as the reference's training loop pickles it
  (``dict(training_set_kwargs, G, D, G_ema, augment_pipe)``, deep copies in eval mode
  without gradients; ``G`` perturbed, so that an importer taking the wrong network fails);
* ``stylegan2_CASE.safetensors``: inputs and the reference's outputs on the CPU, where its
  custom ops run their PyTorch fallbacks: ``G_ema(z, c, truncation_psi=psi,
  noise_mode='const', force_fp32=True)`` for psi 1 and 0.7, and ``D(images, c)``.
"""

from __future__ import annotations

import argparse
import copy
import json
import pickle
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reference"

#: case -> (generator kwargs, discriminator kwargs, seed)
CASES = {
    "uncond": (
        {
            "z_dim": 8, "c_dim": 0, "w_dim": 8, "img_resolution": 16, "img_channels": 3,
            "mapping_kwargs": {"num_layers": 2},
            "synthesis_kwargs": {"channel_base": 128, "channel_max": 16},
        },
        {"channel_base": 128, "channel_max": 16, "epilogue_kwargs": {"mbstd_group_size": 2}},
        0,
    ),
    # conditional, grey, residual generator and skip discriminator, clamped (a clamp of 0.5
    # is reached by random weights, unlike the reference's usual 256)
    "cond": (
        {
            "z_dim": 6, "c_dim": 4, "w_dim": 10, "img_resolution": 32, "img_channels": 1,
            "mapping_kwargs": {"num_layers": 3},
            "synthesis_kwargs": {
                "channel_base": 256, "channel_max": 12, "architecture": "resnet",
                "conv_clamp": 0.5,
            },
        },
        {
            "channel_base": 256, "channel_max": 12, "architecture": "skip", "conv_clamp": 0.5,
            "epilogue_kwargs": {"mbstd_group_size": 3},
        },
        1,
    ),
    # the original layout, FP16 blocks recorded (the outputs are the fp32 ones)
    "orig": (
        {
            "z_dim": 8, "c_dim": 0, "w_dim": 8, "img_resolution": 8, "img_channels": 3,
            "mapping_kwargs": {"num_layers": 1},
            "synthesis_kwargs": {
                "channel_base": 64, "channel_max": 8, "architecture": "orig", "num_fp16_res": 2,
                "conv_clamp": 256,
            },
        },
        {
            "channel_base": 64, "channel_max": 8, "architecture": "orig", "num_fp16_res": 2,
            "conv_clamp": 256, "epilogue_kwargs": {"mbstd_group_size": 3},
        },
        2,
    ),
}  # fmt: skip


def randomise(net: torch.nn.Module, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in [*net.named_parameters(), *net.named_buffers()]:
            if name.endswith("resample_filter"):
                continue
            t.copy_(t + 0.3 * torch.randn(t.shape, generator=gen))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="a stylegan2-ada clone")
    args = parser.parse_args()
    sys.path.insert(0, str(args.reference))
    from training.augment import AugmentPipe
    from training.networks import Discriminator, Generator

    for case, (g_kwargs, d_kwargs, seed) in CASES.items():
        torch.manual_seed(seed)
        common = {k: g_kwargs[k] for k in ("c_dim", "img_resolution", "img_channels")}
        G_ema = Generator(**g_kwargs).eval().requires_grad_(False)
        D = Discriminator(**common, **d_kwargs).eval().requires_grad_(False)
        randomise(G_ema, seed)
        randomise(D, seed + 100)
        G = copy.deepcopy(G_ema)
        randomise(G, seed + 200)
        gen = torch.Generator().manual_seed(seed + 300)
        n, c_dim, size = 6, g_kwargs["c_dim"], g_kwargs["img_resolution"]
        z = torch.randn(n, g_kwargs["z_dim"], generator=gen)
        labels = torch.randint(0, max(c_dim, 1), (n,), generator=gen)
        c = torch.eye(c_dim)[labels] if c_dim else None
        images = torch.randn(n, g_kwargs["img_channels"], size, size, generator=gen)
        tensors = {"z": z, "labels": labels, "images": images}
        with torch.no_grad():
            for psi in (1.0, 0.7):
                out = G_ema(z, c, truncation_psi=psi, noise_mode="const", force_fp32=True)
                tensors[f"fake_psi{psi:g}"] = out
            tensors["logits"] = D(images, c, force_fp32=True)
        snapshot = {"training_set_kwargs": {"class_name": "training.dataset.ImageFolderDataset"}}
        pipe = AugmentPipe(xflip=1, rotate90=1, xint=1, scale=1, rotate=1, aniso=1, xfrac=1)
        for name, module in [("G", G), ("D", D), ("G_ema", G_ema), ("augment_pipe", pipe)]:
            snapshot[name] = copy.deepcopy(module).eval().requires_grad_(False).cpu()
        with open(OUT / f"stylegan2_{case}.pkl", "wb") as f:
            pickle.dump(snapshot, f)
        meta = {"G_kwargs": json.dumps(g_kwargs), "D_kwargs": json.dumps(d_kwargs)}
        tensors = {k: v.detach().contiguous() for k, v in tensors.items()}
        save_file(tensors, str(OUT / f"stylegan2_{case}.safetensors"), meta)
        size_kb = (OUT / f"stylegan2_{case}.pkl").stat().st_size // 1024
        print(f"wrote stylegan2_{case}.pkl ({size_kb} KB) and its outputs {tuple(out.shape)}")


if __name__ == "__main__":
    main()

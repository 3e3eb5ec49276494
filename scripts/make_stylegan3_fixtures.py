"""Write the StyleGAN3 fixtures of tests/test_stylegan_reference.py with the reference
code itself.

    python scripts/make_stylegan3_fixtures.py --reference CHECKOUT

CHECKOUT is a clone of NVlabs/stylegan3; its code is not part of this repository. For each
case it builds the reference's ``training/networks_stylegan3.py`` Generator and
``training/networks_stylegan2.py`` Discriminator
(NVIDIA persistent classes, as its pickles hold them), gives every parameter and buffer
random values (biases, ``w_avg`` and the input magnitudes start at constants, which would
leave them untested; the designed filters are kept), and writes

* ``stylegan3_CASE.pkl``: the snapshot as the reference's training loop pickles it
  (``dict(training_set_kwargs, G, D, G_ema, augment_pipe)``, deep copies in eval mode
  without gradients; ``G`` perturbed, so that an importer taking the wrong network fails);
* ``stylegan3_CASE.safetensors``: inputs and the reference's outputs on the CPU, where its
  custom ops run their PyTorch fallbacks: ``G_ema(z, c, truncation_psi=psi,
  force_fp32=True)`` for psi 1 and 0.7, and ``D(images, c)``.
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

#: case -> (generator kwargs, discriminator kwargs, seed)
CASES = {
    # StyleGAN3-T: 3x3 convolutions, the reference's default clamp
    "t": (
        {
            "z_dim": 8, "c_dim": 0, "w_dim": 8, "img_resolution": 16, "img_channels": 3,
            "mapping_kwargs": {"num_layers": 2}, "channel_base": 256, "channel_max": 16,
            "num_layers": 4, "num_critical": 1, "margin_size": 2, "filter_size": 4,
            "magnitude_ema_beta": 0.99,
        },
        {"channel_base": 256, "channel_max": 16, "epilogue_kwargs": {"mbstd_group_size": 2}},
        0,
    ),
    # StyleGAN3-R: 1x1 convolutions, radial filters, twice the generator's channels;
    # conditional, grey, a clamp random weights reach
    "r_cond": (
        {
            "z_dim": 6, "c_dim": 3, "w_dim": 10, "img_resolution": 32, "img_channels": 1,
            "mapping_kwargs": {"num_layers": 3}, "channel_base": 512, "channel_max": 24,
            "num_layers": 6, "num_critical": 2, "margin_size": 3, "conv_kernel": 1,
            "use_radial_filters": True, "conv_clamp": 2.0, "num_fp16_res": 2,
        },
        {
            "channel_base": 256, "channel_max": 12, "architecture": "orig", "conv_clamp": 2.0,
            "epilogue_kwargs": {"mbstd_group_size": 3},
        },
        1,
    ),
}  # fmt: skip


def randomise(net: torch.nn.Module, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in [*net.named_parameters(), *net.named_buffers()]:
            if name.endswith(("resample_filter", "up_filter", "down_filter", "transform")):
                continue
            t.copy_(t + 0.3 * torch.randn(t.shape, generator=gen))
            if name.endswith("magnitude_ema"):  # a mean square: positive
                t.copy_(t.abs() + 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="a stylegan3 clone")
    args = parser.parse_args()
    sys.path.insert(0, str(args.reference))
    # torch_utils imports pkg_resources (setuptools) for one version comparison
    from packaging.version import parse

    sys.modules.setdefault("pkg_resources", types.SimpleNamespace(parse_version=parse))  # type: ignore[arg-type]
    from training.augment import AugmentPipe
    from training.networks_stylegan2 import Discriminator
    from training.networks_stylegan3 import Generator

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
                out = G_ema(z, c, truncation_psi=psi, force_fp32=True)
                tensors[f"fake_psi{psi:g}"] = out
            tensors["logits"] = D(images, c, force_fp32=True)
        snapshot = {"training_set_kwargs": {"class_name": "training.dataset.ImageFolderDataset"}}
        pipe = AugmentPipe(xflip=1, rotate90=1, xint=1, scale=1, rotate=1, aniso=1, xfrac=1)
        for name, module in [("G", G), ("D", D), ("G_ema", G_ema), ("augment_pipe", pipe)]:
            snapshot[name] = copy.deepcopy(module).eval().requires_grad_(False).cpu()
        with open(OUT / f"stylegan3_{case}.pkl", "wb") as f:
            pickle.dump(snapshot, f)
        meta = {"G_kwargs": json.dumps(g_kwargs), "D_kwargs": json.dumps(d_kwargs)}
        tensors = {k: v.detach().contiguous() for k, v in tensors.items()}
        save_file(tensors, str(OUT / f"stylegan3_{case}.safetensors"), meta)
        size_kb = (OUT / f"stylegan3_{case}.pkl").stat().st_size // 1024
        print(f"wrote stylegan3_{case}.pkl ({size_kb} KB) and its outputs {tuple(out.shape)}")


if __name__ == "__main__":
    main()

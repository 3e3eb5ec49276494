"""Write the reference-checkpoint fixtures of tests/test_import_checkpoint.py with the
reference implementation's own network classes.

    python scripts/make_reference_fixtures.py --reference-models CHECKOUT/models

For each case it builds a network with the reference's classes, gives it random weights and
norm statistics, saves its state dict as the reference does (``torch.save(net.state_dict())``,
``latest_net_*.pth``) and records an input and the network's eval-mode output in
``expected.safetensors``. CHECKOUT is a clone of junyanz/pytorch-CycleGAN-and-pix2pix; the
reference code itself is not part of this repository.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reference"


def randomise(net: nn.Module, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in net.state_dict().items():
            if name.endswith("num_batches_tracked"):
                t.fill_(100)
            elif name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=gen) * 1.5 + 0.5)
            elif t.is_floating_point():
                base = 1.0 if name.endswith(".weight") and t.ndim == 1 else 0.0
                t.copy_(base + 0.15 * torch.randn(t.shape, generator=gen))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-models", type=Path, required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(args.reference_models))
    import networks as ref  # the reference's models/networks.py

    batch = functools.partial(nn.BatchNorm2d, affine=True, track_running_stats=True)
    instance = functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)
    old_instance = functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=True)
    cases = {
        # file name: (network, input shape)
        "pix2pix_unet256_latest_net_G.pth": (
            lambda: ref.UnetGenerator(3, 3, 8, 2, norm_layer=batch, use_dropout=True),
            (1, 3, 256, 256),
        ),
        "pix2pix_unet128_instance_latest_net_G.pth": (
            lambda: ref.UnetGenerator(1, 1, 7, 4, norm_layer=instance, use_dropout=False),
            (1, 1, 128, 128),
        ),
        "cyclegan_resnet9_latest_net_G_A.pth": (
            lambda: ref.ResnetGenerator(3, 3, 4, norm_layer=instance, n_blocks=9),
            (2, 3, 64, 64),
        ),
        "cyclegan_resnet9_latest_net_G_B.pth": (
            lambda: ref.ResnetGenerator(3, 3, 4, norm_layer=instance, n_blocks=9),
            (2, 3, 64, 64),
        ),
        "cyclegan_resnet6_batch_dropout_latest_net_G.pth": (
            lambda: ref.ResnetGenerator(1, 3, 4, norm_layer=batch, use_dropout=True, n_blocks=6),
            (2, 1, 32, 32),
        ),
    }
    expected = {}
    for i, (name, (build, shape)) in enumerate(cases.items()):
        net = build()
        randomise(net, seed=i)
        torch.save(net.state_dict(), OUT / name)
        x = torch.rand(shape, generator=torch.Generator().manual_seed(100 + i)) * 2 - 1
        with torch.no_grad():
            expected[f"{name}:input"] = x
            expected[f"{name}:output"] = net.eval()(x)
    # a checkpoint from reference versions before 0.4.1: InstanceNorm with running statistics,
    # which the reference's loader (and the zoo's importer) drops
    old = ref.ResnetGenerator(1, 1, 4, norm_layer=old_instance, n_blocks=6)
    randomise(old, seed=99)
    name = "old_instance_stats_latest_net_G.pth"
    torch.save(old.state_dict(), OUT / name)
    new = ref.ResnetGenerator(1, 1, 4, norm_layer=instance, n_blocks=6)
    new.load_state_dict({k: v for k, v in old.state_dict().items() if k in new.state_dict()})
    x = torch.rand((2, 1, 32, 32), generator=torch.Generator().manual_seed(7)) * 2 - 1
    with torch.no_grad():
        expected[f"{name}:input"] = x
        expected[f"{name}:output"] = new.eval()(x)
    save_file({k: v.contiguous() for k, v in expected.items()}, OUT / "expected.safetensors")
    print(f"wrote {len(cases) + 1} checkpoints and expected.safetensors to {OUT}")


if __name__ == "__main__":
    main()

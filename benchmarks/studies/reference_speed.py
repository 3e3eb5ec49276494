"""The zoo's imported generators against the reference code, run as its users run it without
compiled ops: NVlabs/stylegan2-ada-pytorch's StyleGAN2 config-f generator at 256x256 and
brownvc/R3GAN's FFHQ-256 generator, the same weights in both, on the CPU (or a GPU),
interleaved rounds in one process.

    python benchmarks/studies/reference_speed.py --stylegan2 SG2_CHECKOUT --r3gan R3GAN_CHECKOUT

The reference runs its own code: its custom ops fall back to their PyTorch definitions off
CUDA (the reference's ``G(z, c, noise_mode='const')``, fp32 except R3GAN's bf16 stages,
which its pickles carry). The zoo runs its default path (``sample(latents=z)``: the fast path
of this device) and its exact path (``fast=False``). Prints images per second, the ratio to
the reference and the peak memory of one call; the checkouts are not part of this repository.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

import torch

import zoo
from zoo.inference.memory import peak_memory


def stylegan2(checkout: Path) -> tuple[Callable, zoo.GAN]:
    """The reference's config-f generator at 256x256 (fp32, as ffhq.pkl's conversion) and
    the zoo's with its weights."""
    sys.path.insert(0, str(checkout))
    from training.networks import Generator

    kwargs = {"channel_base": 32768, "channel_max": 512, "num_fp16_res": 0, "conv_clamp": None}
    G = Generator(512, 0, 512, 256, 3, {"num_layers": 8}, kwargs).eval().requires_grad_(False)
    model = zoo.create("stylegan2", image_size=256, channel_base=32768, channel_max=512)
    model.generator.load_state_dict(G.state_dict())
    sys.path.remove(str(checkout))
    for name in [
        m for m in sys.modules if m.split(".")[0] in ("training", "torch_utils", "dnnlib")
    ]:
        del sys.modules[name]  # R3GAN's checkout has packages of the same names
    return (lambda z: G(z, None, noise_mode="const")), model.eval()


def r3gan(checkout: Path) -> tuple[Callable, zoo.GAN]:
    """R3GAN's FFHQ-256 preset generator (bf16 stages as released) and the zoo's."""
    sys.path.insert(0, str(checkout))
    from packaging.version import parse

    sys.modules.setdefault("pkg_resources", types.SimpleNamespace(parse_version=parse))  # type: ignore[arg-type]
    from training.networks import Generator

    from zoo.models._catalog import load_catalog

    entry = load_catalog()["r3gan-ffhq-256"]
    c = entry.config
    G = Generator(
        NoiseDimension=64, WidthPerStage=c["widths"], CardinalityPerStage=c["cardinalities"],
        BlocksPerStage=c["blocks"], ExpansionFactor=2, c_dim=0, img_resolution=256,
        FP16Stages=[-1, -2, -3, -4],
    ).eval().requires_grad_(False)  # fmt: skip
    model = zoo.create("r3gan", **c)
    from zoo_builtin.r3gan.networks import from_reference_names

    model.generator.load_state_dict(from_reference_names(G.state_dict()))
    return (lambda z: G(z, None)), model.eval()


def measure(name: str, reference: Callable, model: zoo.GAN, batch: int, rounds: int) -> None:
    z = torch.randn(batch, model.latent_dim)
    calls = {
        "reference": lambda: reference(z),
        "zoo default": lambda: model.sample(latents=z),
        "zoo fp32": lambda: model.sample(latents=z, fast=False),
    }
    with torch.no_grad():
        for call in calls.values():  # warm up (and build the fast copy)
            call()
        memory = {k: peak_memory(call, torch.device("cpu"))[1] for k, call in calls.items()}
        times: dict[str, list[float]] = {k: [] for k in calls}
        for _ in range(rounds):  # interleaved: the same load on every contender
            for k, call in calls.items():
                start = time.perf_counter()
                call()
                times[k].append(time.perf_counter() - start)
    base = statistics.median(times["reference"])
    for k, t in times.items():
        median = statistics.median(t)
        mib = f"{memory[k]:.0f} MiB" if memory[k] is not None else "n/a"
        print(
            f"{name:28} batch {batch}  {k:12} {batch / median:8.2f} images/s  "
            f"x{base / median:5.2f}  peak {mib}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stylegan2", type=Path, help="a stylegan2-ada-pytorch checkout")
    parser.add_argument("--r3gan", type=Path, help="a brownvc/R3GAN checkout")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    contenders = []
    if args.stylegan2:
        contenders.append(("StyleGAN2 config-f 256", *stylegan2(args.stylegan2)))
    if args.r3gan:
        contenders.append(("R3GAN FFHQ-256", *r3gan(args.r3gan)))
    for name, reference, model in contenders:
        for batch in args.batches:
            measure(name, reference, model, batch, args.rounds)


if __name__ == "__main__":
    main()

"""Would int8 post-training quantisation qualify for the fast path? For shipped models, the
generator quantised (convolutional ones statically: torch.ao FX mode, per-channel int8
weights, int8 activations calibrated on training inputs; MLPs dynamically: int8 weights,
activations quantised per call) against exact fp32 on held-out inputs, with the fast path's
own tolerance test (:func:`zoo.inference.fast.within_fast_tolerance`), and the time of one
call beside the fp32 and default fast paths, timed in interleaved rounds
(:func:`zoo.inference.bench.time_interleaved`). CHANGELOG.md has the figures.

    python scripts/int8_study.py dcgan-mnist pix2pix-mnist-repair cyclegan-twemoji2noto
"""

from __future__ import annotations

import argparse
import copy
import warnings

import torch
from torch.ao.quantization import get_default_qconfig_mapping, quantize_dynamic
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

import zoo
from zoo.cli._util import table
from zoo.inference.bench import time_interleaved
from zoo.inference.fast import FAST_OUTLIER_SHARE, FAST_TOLERANCE, within_fast_tolerance
from zoo.models._catalog import load_catalog


def network_and_inputs(model, name: str, split: str, n: int) -> tuple[str, torch.Tensor]:
    """The name of the network measured (the generator, or the AtoB one) and ``n`` of its
    inputs: latent codes, or the model's own images of ``split`` in [-1, 1]."""
    if model.task.inference_method == "sample":
        seed = 0 if split == "test" else 1
        return "generator", model.latent(n, torch.Generator().manual_seed(seed))
    from zoo.data.translation import Preprocess, load_translation_data

    c = model.config
    prep = Preprocess(c.image_size, "none", flip=False)
    data = load_translation_data(
        load_catalog()[name].eval["data"], model.paired, (c.input_nc, c.output_nc), prep, split
    )
    return model.directions["AtoB"], data.a[:n].float() / 127.5 - 1


def quantise(generator: torch.nn.Module, engine: str, calibration: torch.Tensor) -> torch.nn.Module:
    """``generator`` in int8: convolutional networks statically (calibrated on
    ``calibration``), MLPs dynamically."""
    torch.backends.quantized.engine = engine
    if not any(isinstance(m, torch.nn.modules.conv._ConvNd) for m in generator.modules()):
        return quantize_dynamic(copy.deepcopy(generator).eval(), {torch.nn.Linear})
    mapping = get_default_qconfig_mapping(engine)
    prepared = prepare_fx(copy.deepcopy(generator).eval(), mapping, (calibration[:1],))
    with torch.inference_mode():
        for chunk in calibration.split(64):
            prepared(chunk)
        return convert_fx(prepared)


def study(name: str, engine: str, batch: int) -> dict[str, float | bool | str]:
    model = zoo.load(name)
    network, calibration = network_and_inputs(model, name, "train", 256)
    _, held_out = network_and_inputs(model, name, "test", batch)
    generator = getattr(model, network)
    int8_generator = quantise(generator, engine, calibration)
    with torch.inference_mode():
        exact = (generator(held_out) * 0.5 + 0.5).clamp(0, 1)
        int8 = (int8_generator(held_out) * 0.5 + 0.5).clamp(0, 1)
    difference = (int8 - exact).abs()
    fast = model._fast_module(network)
    fast_input = held_out.to(next(fast.parameters()).dtype)
    with torch.inference_mode():
        seconds = time_interleaved(
            {
                "fp32": lambda: generator(held_out),
                "fast": lambda: fast(fast_input),
                "int8": lambda: int8_generator(held_out),
            },
            torch.device("cpu"),
        )
    return {
        "model": name,
        "within_tolerance": within_fast_tolerance(int8, exact),
        "max_diff": f"{difference.max():.3f}",
        "mean_diff": f"{difference.mean():.4f}",
        "share_beyond": f"{(difference > FAST_TOLERANCE).double().mean():.5f}",
        **{f"{k}_ms": f"{1e3 * v:.1f}" for k, v in seconds.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--engine", default="fbgemm", help="torch quantized engine")
    parser.add_argument("--batch", type=int, default=64, help="held-out inputs measured")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    torch.set_flush_denormal(True)
    print(f"tolerance: {FAST_TOLERANCE} per value, {FAST_OUTLIER_SHARE} of values beyond it")
    rows = [study(name, args.engine, args.batch) for name in args.models]
    print(table(rows, list(rows[0])))


if __name__ == "__main__":
    main()

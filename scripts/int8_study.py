"""Would int8 post-training quantisation qualify for the fast path? For shipped models, the
generator quantised (convolutional ones statically: torch.ao FX mode, per-channel int8
weights, int8 activations calibrated on training inputs; MLPs dynamically: int8 weights,
activations quantised per call) against exact fp32 on held-out inputs, with the fast path's
own tolerance test (:func:`zoo.inference.fast.within_fast_tolerance`), and the time of one
call beside the fp32 and default fast paths. docs/benchmarks.md has the figures.

    python scripts/int8_study.py dcgan-mnist pix2pix-mnist-repair cyclegan-twemoji2noto
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
import warnings

import torch
from torch.ao.quantization import get_default_qconfig_mapping, quantize_dynamic
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

import zoo
from zoo.inference.fast import FAST_OUTLIER_SHARE, FAST_TOLERANCE, within_fast_tolerance
from zoo.models._catalog import load_catalog


def inputs(model, name: str, split: str, n: int) -> tuple[torch.nn.Module, torch.Tensor]:
    """The generator and ``n`` of its inputs: latent codes, or the model's own images of
    ``split`` in [-1, 1] (direction AtoB)."""
    if model.task.inference_method == "sample":
        seed = 0 if split == "test" else 1
        return model.generator, model.latent(n, torch.Generator().manual_seed(seed))
    from zoo.data.translation import Preprocess, load_translation_data

    c = model.config
    paired = "BtoA" not in model.directions
    prep = Preprocess(c.image_size, "none", flip=False)
    data = load_translation_data(
        load_catalog()[name].eval["data"], paired, (c.input_nc, c.output_nc), prep, split
    )
    return model.G_A if hasattr(model, "G_A") else model.generator, data.a[:n].float() / 127.5 - 1


def median_ms(fn, x: torch.Tensor, rounds: int = 7) -> float:
    with torch.inference_mode():
        fn(x)
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            fn(x)
            times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def study(name: str, engine: str, batch: int) -> dict[str, float | bool | str]:
    model = zoo.load(name)
    generator, calibration = inputs(model, name, "train", 256)
    _, held_out = inputs(model, name, "test", batch)
    torch.backends.quantized.engine = engine
    if any(isinstance(m, torch.nn.modules.conv._ConvNd) for m in generator.modules()):
        prepared = prepare_fx(
            copy.deepcopy(generator).eval(), get_default_qconfig_mapping(engine), (held_out,)
        )
        with torch.inference_mode():
            for chunk in calibration.split(64):
                prepared(chunk)
            quantised = convert_fx(prepared)
    else:
        quantised = quantize_dynamic(copy.deepcopy(generator).eval(), {torch.nn.Linear})
    with torch.inference_mode():
        exact = (generator(held_out) * 0.5 + 0.5).clamp(0, 1)
        int8 = (quantised(held_out) * 0.5 + 0.5).clamp(0, 1)
    difference = (int8 - exact).abs()
    fast = model._fast_module(next(n for n, m in model.named_children() if m is generator))
    dtype = next(fast.parameters()).dtype
    return {
        "model": name,
        "within_tolerance": within_fast_tolerance(int8, exact),
        "max_diff": float(difference.max()),
        "mean_diff": float(difference.mean()),
        "share_beyond": float((difference > FAST_TOLERANCE).double().mean()),
        "fp32_ms": median_ms(generator, held_out),
        "fast_ms": median_ms(lambda x: fast(x.to(dtype)), held_out),
        "int8_ms": median_ms(quantised, held_out),
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
    print("MODEL                  OK     MAX    MEAN     BEYOND   FP32 MS  FAST MS  INT8 MS")
    for name in args.models:
        r = study(name, args.engine, args.batch)
        print(
            f"{r['model']:22s} {str(r['within_tolerance']):6s} {r['max_diff']:.3f}  "
            f"{r['mean_diff']:.4f}  {r['share_beyond']:.5f}  {r['fp32_ms']:7.1f}  "
            f"{r['fast_ms']:7.1f}  {r['int8_ms']:7.1f}"
        )


if __name__ == "__main__":
    main()

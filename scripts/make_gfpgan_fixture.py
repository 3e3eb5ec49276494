"""Write the GFPGAN fixture of tests/test_face_restoration.py with the reference code.

    python scripts/make_gfpgan_fixture.py --gfpgan CHECKOUT

CHECKOUT is a clone of TencentARC/GFPGAN; its code is not part of this repository. The
reference ``GFPGANv1Clean`` is loaded from its files ``gfpgan/archs/gfpganv1_clean_arch.py``
and ``stylegan2_clean_arch.py`` as they are (stand-ins for basicsr's ``ARCH_REGISTRY`` and
``default_init_weights``, which only register and initialise), built in GFPGAN v1.4's config
(``GFPGANer(arch="clean", channel_multiplier=2)``), filled with
:func:`tests.seeded_weights.seeded_state` (80 million parameters are too many to commit; the
test writes a v1.4-layout file the same way and imports it) and run as ``GFPGANer.enhance``
runs an aligned face: normalised to [-1, 1], ``gfpgan(face, return_rgb=False)[0]``, mapped
back from [-1, 1] with clamping, here with ``randomize_noise=False`` (the decoder's stored
noise; the reference draws fresh noise on every call). Written: ``gfpgan_face.png``, the
input (the astronaut's face at 512x512), and ``gfpgan_v14.safetensors`` holding the
output's centre 96x96 crop and the whole output average-pooled by 8 (a full fp32 output
would be 3 MB).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import types
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "reference"
#: GFPGANer's arch="clean" (GFPGAN v1.3 and v1.4)
V14 = {
    "out_size": 512,
    "num_style_feat": 512,
    "channel_multiplier": 2,
    "decoder_load_path": None,
    "fix_decoder": False,
    "num_mlp": 8,
    "input_is_latent": True,
    "different_w": True,
    "narrow": 1,
    "sft_half": True,
}
#: the centre crop of the output that is committed, and the pooling of the whole
CROP, POOL = 96, 8


def load(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def reference_gfpgan(checkout: Path) -> torch.nn.Module:
    registry = types.SimpleNamespace(register=lambda: lambda cls: cls)
    stubs = {
        "basicsr": {},
        "basicsr.utils": {},
        "basicsr.utils.registry": {"ARCH_REGISTRY": registry},
        "basicsr.archs": {},
        "basicsr.archs.arch_util": {"default_init_weights": lambda *a, **k: None},
        "gfpgan": {},
        "gfpgan.archs": {},
    }
    for name, attributes in stubs.items():
        module = types.ModuleType(name)
        module.__dict__.update(attributes)
        sys.modules[name] = module
    archs = checkout / "gfpgan" / "archs"
    load("gfpgan.archs.stylegan2_clean_arch", archs / "stylegan2_clean_arch.py")
    clean = load("gfpgan.archs.gfpganv1_clean_arch", archs / "gfpganv1_clean_arch.py")
    return clean.GFPGANv1Clean(**V14).eval()


def summary(restored: torch.Tensor) -> dict[str, torch.Tensor]:
    """What the fixture keeps of an output (1, 3, 512, 512) in [0, 1]."""
    top = (restored.shape[-1] - CROP) // 2
    return {
        "crop": restored[..., top : top + CROP, top : top + CROP].contiguous(),
        "pooled": F.avg_pool2d(restored, POOL).contiguous(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gfpgan", type=Path, required=True, help="a clone of TencentARC/GFPGAN")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.seeded_weights import seeded_state
    from zoo.data.faces import held_out_faces, resize

    net = reference_gfpgan(args.gfpgan)
    net.load_state_dict(seeded_state(net.state_dict()))
    face = resize(held_out_faces()[0][1][None].float() / 255, 512)
    face8 = (face * 255).round().to(torch.uint8)
    Image.fromarray(face8[0].permute(1, 2, 0).numpy()).save(OUT / "gfpgan_face.png")
    x = face8.float() / 255 * 2 - 1  # GFPGANer: img / 255, normalize((0.5,) * 3, (0.5,) * 3)
    with torch.no_grad():
        out = net(x, return_rgb=False, randomize_noise=False)[0]
    restored = (out.clamp(-1, 1) + 1) / 2  # tensor2img(min_max=(-1, 1)), before rounding
    spread = float(out.std())
    print(f"output in [{float(out.min()):.3f}, {float(out.max()):.3f}], spread {spread:.3f}")
    assert 0.05 < spread < 2, "seeded weights that flatten or saturate would hide mismatches"
    save_file(summary(restored), OUT / "gfpgan_v14.safetensors")
    print(np.asarray(Image.open(OUT / "gfpgan_face.png")).shape, "written to", OUT)


if __name__ == "__main__":
    main()

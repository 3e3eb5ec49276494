"""Write the LaMa fixture of tests/test_inpainting.py with the reference code.

    python scripts/make_lama_fixture.py --lama CHECKOUT

CHECKOUT is a clone of advimman/lama; its code is not part of this repository. The reference
``FFCResNetGenerator`` is loaded from its file ``saicinpainting/training/modules/ffc.py``
(with its own ``base.py``, ``squeeze_excitation.py`` and the convolutions they import; stand-ins
for ``saicinpainting.utils``, which imports PyTorch Lightning, and for kornia's ``rotate``:
big-lama uses neither), built in big-lama's config (``configs/training/big-lama.yaml``), filled
with :func:`tests.seeded_weights.seeded_state` (51 million parameters are too many to commit;
the test fills spandrel's network the same way) and run as ``bin/predict.py`` runs a model:
``DefaultInpaintingTrainingModule.forward`` blanks the hole, appends the mask, and pastes the
prediction into the hole. Written: ``lama_big.safetensors`` holding ``image`` (in [0, 1]),
``mask`` (1 = hole) and ``inpainted``, the reference's output, at 64x80 (multiples of 8, as
predict.py pads).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import types
from pathlib import Path

import torch
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "reference"
#: configs/training/big-lama.yaml's generator
BIG_LAMA = {
    "input_nc": 4,
    "output_nc": 3,
    "ngf": 64,
    "n_downsampling": 3,
    "n_blocks": 18,
    "add_out_act": "sigmoid",
    "init_conv_kwargs": {"ratio_gin": 0, "ratio_gout": 0, "enable_lfu": False},
    "downsample_conv_kwargs": {"ratio_gin": 0, "ratio_gout": 0, "enable_lfu": False},
    "resnet_conv_kwargs": {"ratio_gin": 0.75, "ratio_gout": 0.75, "enable_lfu": False},
}


def load(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def reference_generator(lama: Path) -> torch.nn.Module:
    modules = lama / "saicinpainting" / "training" / "modules"
    for package in ("saicinpainting", "saicinpainting.training", "saicinpainting.training.modules"):
        sys.modules[package] = types.ModuleType(package)
    utils = types.ModuleType("saicinpainting.utils")
    utils.get_shape = lambda t: tuple(t.shape)  # type: ignore[attr-defined]
    sys.modules["saicinpainting.utils"] = utils
    spatial = types.ModuleType("saicinpainting.training.modules.spatial_transform")
    spatial.LearnableSpatialTransformWrapper = None  # type: ignore[attr-defined]
    sys.modules[spatial.__name__] = spatial
    for name in ("depthwise_sep_conv", "multidilated_conv", "squeeze_excitation", "base", "ffc"):
        load(f"saicinpainting.training.modules.{name}", modules / f"{name}.py")
    ffc = sys.modules["saicinpainting.training.modules.ffc"]
    return ffc.FFCResNetGenerator(**BIG_LAMA).eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lama", type=Path, required=True, help="a clone of advimman/lama")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.seeded_weights import seeded_state

    generator = reference_generator(args.lama)
    generator.load_state_dict(seeded_state(generator.state_dict()))
    gen = torch.Generator().manual_seed(7)
    image = torch.rand(1, 3, 64, 80, generator=gen)
    mask = torch.zeros(1, 1, 64, 80)
    mask[..., 10:40, 20:60] = 1
    mask[..., 45:60, 5:30] = 1
    with torch.no_grad():  # DefaultInpaintingTrainingModule.forward, concat_mask=True
        masked = torch.cat([image * (1 - mask), mask], 1)
        predicted = generator(masked)
        inpainted = mask * predicted + (1 - mask) * image
    hole = inpainted[mask.expand_as(inpainted) == 1]
    print(f"reference output in the hole: mean {hole.mean():.3f}, std {hole.std():.3f}")
    save_file(
        {"image": image, "mask": mask, "inpainted": inpainted.contiguous()},
        OUT / "lama_big.safetensors",
    )
    print(f"wrote {OUT / 'lama_big.safetensors'}")


if __name__ == "__main__":
    main()

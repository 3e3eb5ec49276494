"""Face restoration: GFPGAN's degradations, the face data and metrics, `zoo restore`, and
GFPGAN v1.4 through spandrel matched to TencentARC/GFPGAN's own code (the fixture:
scripts/make_gfpgan_fixture.py; weights drawn by tests/seeded_weights.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import load_file
from torch import nn

import zoo
from zoo.data.degradations import Degradation, degrade
from zoo.data.faces import FACES, load_face_data
from zoo.errors import ConfigError, DataError
from zoo.metrics.face_restoration import evaluate_face_restoration
from zoo.testing import check_architecture

from .seeded_weights import seeded_state

FIXTURES = Path(__file__).parent / "fixtures" / "reference"


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_degradations_are_drawn_from_the_seed():
    coarse = torch.rand(2, 3, 8, 8, generator=_gen(0))  # smooth, as faces are
    clean = F.interpolate(coarse, size=(64, 64), mode="bilinear", align_corners=False)
    a, b, c = degrade(clean, _gen(5)), degrade(clean, _gen(5)), degrade(clean, _gen(6))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.shape == clean.shape and a.min() >= 0 and a.max() <= 1
    none = Degradation(blur_sigma=(0.1, 0.1), downscale=(1, 1), noise=(0, 0), jpeg=(100, 100))
    gentle = (degrade(clean, _gen(5), none) - clean).abs().mean()  # JPEG at quality 100 only
    assert gentle < 0.02 < (a - clean).abs().mean()
    assert degrade(clean[:, :1], _gen(5)).shape == (2, 1, 64, 64)  # grey faces too


def test_face_folders_give_degraded_batches_reproducibly(tmp_path):
    rng = np.random.default_rng(0)
    for i, (h, w) in enumerate([(40, 40), (50, 36), (64, 64)]):
        Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(tmp_path / f"{i}.png")
    data = load_face_data(str(tmp_path), 32)
    assert len(data) == 3 and data.source == f"folder {tmp_path} (3 faces)"
    index = torch.tensor([0, 2])
    a, b = data.batch(index), data.batch(index)
    assert torch.equal(a["A"], b["A"]) and a["A"].shape == a["B"].shape == (2, 3, 32, 32)
    assert not torch.equal(a["A"], a["B"]) and a["A"].min() >= -1 and a["A"].max() <= 1
    with pytest.raises(DataError, match="train on a folder of aligned face crops"):
        load_face_data(FACES, 32)
    assert len(load_face_data(FACES, 32, 1, "test")) == 1  # the astronaut's face, grey
    with pytest.raises(DataError, match="neither 'faces'"):
        load_face_data(str(tmp_path / "missing"), 32)


class Identity(zoo.FaceRestorationGAN):
    """A face restorer that returns its input: it must score exactly what the input scores."""

    def __init__(self, config=None, **overrides):
        super().__init__(config, **overrides)
        self.generator = nn.Conv2d(3, 3, 1)
        with torch.no_grad():
            self.generator.weight.copy_(torch.eye(3).view(3, 3, 1, 1))
            self.generator.bias.zero_()


def test_zoo_eval_measures_restored_faces_beside_the_degraded_inputs():
    result = evaluate_face_restoration(Identity(image_size=64), FACES, seed=1)
    m = result["metrics"]
    assert result["samples"] == 8 and result["faces"] == 1 and result["seed"] == 1
    assert abs(m["psnr"] - m["degraded_psnr"]) < 1e-3 and abs(m["gain_psnr"]) < 1e-3
    assert 15 < m["degraded_psnr"] < 40 and 0 < m["degraded_ssim"] < 1
    other = evaluate_face_restoration(Identity(image_size=64), FACES, seed=2)["metrics"]
    assert other["degraded_psnr"] != m["degraded_psnr"]  # the seed draws the degradations


def test_restore_resizes_to_the_face_side_and_back():
    model = Identity(image_size=48).eval()
    face = torch.rand(2, 3, 30, 40, generator=_gen(0))
    assert model.restore(face).shape == (2, 3, 48, 48)
    kept = model.restore(face, keep_size=True)
    assert kept.shape == face.shape and (kept - face).abs().mean() < 0.1
    pil = model.restore(Image.fromarray(np.zeros((20, 20, 3), np.uint8)))
    assert pil.size == (48, 48)
    from zoo.demo import apply

    assert apply(model, Image.new("RGB", (30, 20))).height % 48 == 0  # the demo's call


@pytest.mark.slow
def test_the_face_bridge_passes_the_conformance_kit():
    pytest.importorskip("spandrel", reason='pip install "gan-zoo[restore]"')
    from zoo_builtin.spandrel_bridge import SpandrelFace

    passed = check_architecture(SpandrelFace, SpandrelFace.small_config)
    assert {"restore_keep_size", "train_step", "export_onnx"} <= set(passed)


def _summary(restored: torch.Tensor) -> dict[str, torch.Tensor]:
    """What scripts/make_gfpgan_fixture.py keeps of an output: the centre 96x96 crop and
    the whole average-pooled by 8."""
    top = (restored.shape[-1] - 96) // 2
    return {
        "crop": restored[..., top : top + 96, top : top + 96],
        "pooled": F.avg_pool2d(restored, 8),
    }


def test_gfpgan_reproduces_the_reference(tmp_path):
    """A GFPGAN v1.4 file (its layout: ``params_ema`` of the clean architecture) imports as a
    face restorer at 512 pixels and restores as TencentARC/GFPGAN's GFPGANer does."""
    pytest.importorskip("spandrel", reason='pip install "gan-zoo[restore]"')
    from spandrel.architectures.GFPGAN import GFPGAN

    from zoo.importers import import_checkpoint
    from zoo_builtin.spandrel_bridge import SpandrelFace

    torch.save({"params_ema": seeded_state(GFPGAN().state_dict())}, tmp_path / "GFPGANv1.4.pth")
    entry = {"network": "GFPGAN", "channels": 3, "image_size": 512}  # as the catalog imports
    model = import_checkpoint([tmp_path / "GFPGANv1.4.pth"], "spandrel-face", entry)
    assert model.architecture == "spandrel-face" and model.face_size == 512
    face = torch.from_numpy(np.array(Image.open(FIXTURES / "gfpgan_face.png"))).permute(2, 0, 1)
    out = model.restore(face[None], fast=False)
    want = load_file(FIXTURES / "gfpgan_v14.safetensors")
    for key, got in _summary(out).items():
        gap = float((got - want[key]).abs().max())
        assert gap <= 1e-4, f"{key}: {gap:.2g} from the reference's output"
    flipped = _summary(model.restore(face[None].flip(-1), fast=False))["pooled"]
    assert (flipped - want["pooled"]).abs().max() > 1e-2  # the output depends on the face
    fast = model.restore(face[None])  # bf16 where native: within bf16's precision
    assert (fast - out).abs().mean() < 5e-3
    with pytest.raises(zoo.WeightsError, match=r"GFPGAN with image_size=512 \(given: 256\)"):
        import_checkpoint([tmp_path / "GFPGANv1.4.pth"], "spandrel-face", {"image_size": 256})
    with pytest.raises(ConfigError, match="restores faces of 32 pixels"):
        SpandrelFace(SpandrelFace.Config.from_dict({**SpandrelFace.small_config, "image_size": 64}))


def test_restore_command(zoo_cli, tmp_path):
    pytest.importorskip("spandrel", reason='pip install "gan-zoo[restore]"')
    from zoo_builtin.spandrel_bridge import SpandrelFace

    SpandrelFace(SpandrelFace.Config.from_dict(SpandrelFace.small_config)).eval().save_pretrained(
        tmp_path / "m"
    )
    faces = tmp_path / "faces"
    faces.mkdir()
    rng = np.random.default_rng(0)
    for name, (h, w) in {"a": (40, 40), "b": (30, 24)}.items():
        Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(faces / f"{name}.png")
    out = zoo_cli("restore", tmp_path / "m", faces, "--compare", "0", "-o", tmp_path / "out")
    assert out.stdout.count("PSNR degraded") == 2 and "at 32x32" in out.stdout
    assert Image.open(tmp_path / "out" / "b.png").size == (3 * 32 + 2 * 2, 32)
    zoo_cli("restore", tmp_path / "m", faces / "b.png", "--keep-size", "-o", tmp_path / "b.png")
    assert Image.open(tmp_path / "b.png").size == (24, 30)
    bad = zoo_cli("restore", "dcgan-mnist", faces, "-o", tmp_path / "x", check=False)
    assert bad.returncode == 2 and "use `zoo sample`" in bad.stderr


def test_training_on_a_face_folder_and_the_layout_gfpgan_refuses(zoo_cli, tmp_path):
    """A face restorer trains on a folder of faces; --channels-last is refused with GFPGAN's
    reason (its view() calls break on channels_last activations)."""
    pytest.importorskip("spandrel", reason='pip install "gan-zoo[restore]"')
    from zoo_builtin.spandrel_bridge import SpandrelFace

    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)).save(
            tmp_path / f"{i}.png"
        )
    small = [a for k, v in SpandrelFace.small_config.items() for a in ("--set", f"{k}={v}")]
    common = ("train", "spandrel-face", "--data", tmp_path, *small, "--batch-size", "2",
              "--steps", "1", "--sample-every", "1000", "--no-progress")  # fmt: skip
    zoo_cli(*common, "--out", tmp_path / "run")
    assert zoo.load(tmp_path / "run").face_size == 32
    bad = zoo_cli(*common, "--channels-last", "--out", tmp_path / "cl", check=False)
    assert bad.returncode == 2 and "GFPGAN reshapes features with view()" in bad.stderr

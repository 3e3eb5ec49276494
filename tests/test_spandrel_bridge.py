"""The spandrel bridge: weights files written by the reference code (BasicSR's RRDBNet at x4
and x2 with its pixel-unshuffle input, Real-ESRGAN's SRVGGNetCompact;
scripts/make_restoration_fixtures.py) import as zoo upscalers that reproduce the reference's
outputs, save and load as zoo models, tile seamlessly and train; files that are not weights
are refused before anything in them runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

import zoo
from zoo.importers import import_checkpoint
from zoo.testing import check_architecture

pytest.importorskip("spandrel", reason='pip install "gan-zoo[restore]"')

from zoo_builtin.spandrel_bridge import Spandrel  # noqa: E402 (needs spandrel)

FIXTURES = Path(__file__).parent / "fixtures" / "reference"
#: case -> (spandrel's network, scale, receptive radius the probe must find)
CASES = {"x4": ("ESRGAN", 4, 19), "x2": ("ESRGAN", 2, 40), "compact": ("Compact", 4, 6)}


def outputs(stem: str) -> dict[str, torch.Tensor]:
    """The reference's inputs and outputs in ``FIXTURES/STEM.safetensors``."""
    with safe_open(FIXTURES / f"{stem}.safetensors", "pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open)


@pytest.mark.parametrize("case", sorted(CASES))
def test_reference_weights_reproduce_the_reference(case, tmp_path):
    network, scale, radius = CASES[case]
    expected = outputs(f"realesrgan_{case}")
    model = import_checkpoint([FIXTURES / f"realesrgan_{case}.pth"])
    assert (model.architecture, model.config.network, model.scale) == ("spandrel", network, scale)
    reference = expected["y"].clamp(0, 1)
    assert (model.upscale(expected["x"], fast=False) - reference).abs().max() <= 1e-4
    assert model.generator.receptive_radius == radius
    # saved and loaded as any zoo model: the network is rebuilt from the config
    model.save_pretrained(tmp_path / "m")
    again = zoo.load(tmp_path / "m")
    assert torch.equal(
        again.upscale(expected["x"], fast=False), model.upscale(expected["x"], fast=False)
    )


def test_swinir_reproduces_its_authors_test_script(tmp_path):
    """A SwinIR of the real-world x4 GAN models' kind (scripts/make_swinir_fixture.py): padded
    as main_test_swinir.py pads (a side that is a multiple of the window gains a whole
    mirrored window), so the output equals the reference's; its config records every
    constructor argument but norm_layer (a class: the constructor's default rebuilds it)."""
    expected = outputs("swinir_realsr")
    model = import_checkpoint([FIXTURES / "swinir_realsr.pth"])
    assert (model.config.network, model.scale) == ("SwinIR", 4)
    assert "norm_layer" not in model.config.hyperparameters
    for i in (0, 1):  # 20x28, and 24x16 whose sides are multiples of the window
        got = model.upscale(expected[f"x{i}"], fast=False)
        assert (got - expected[f"y{i}"]).abs().max() <= 1e-4, i
    assert model.generator.fp32_only  # bf16 attention fails against its fp32 masks
    fast = model.upscale(expected["x0"])  # fp32, packed convolutions
    assert (fast - model.upscale(expected["x0"], fast=False)).abs().max() <= 1e-5
    x = torch.rand(1, 3, 80, 72, generator=torch.Generator().manual_seed(0))
    whole = model.upscale(x, tile=None, fast=False)  # tiles start on the window grid
    assert (model.upscale(x, tile=16, fast=False) - whole).abs().max() <= 1e-5


@pytest.mark.slow  # RealESRGAN_x4plus's real config: about 10 s
def test_the_receptive_radius_probe_of_realesrgan_x4plus_stays_small():
    """Tiling measures the network's receptive radius once. The gradient probe it replaced
    held every activation of RealESRGAN_x4plus at 129x129 (3.8 GB); two forward passes
    without autograd take a few hundred MB (266 MB measured)."""
    from zoo.inference.memory import peak_memory
    from zoo_builtin.spandrel_bridge.realesrgan import X4PLUS

    model = zoo.create("spandrel", network="ESRGAN", network_class="ESRGAN",
                       hyperparameters=json.dumps(X4PLUS)).eval()  # fmt: skip
    radius, peak_mb = peak_memory(lambda: model.generator.receptive_radius, torch.device("cpu"))
    assert radius == 64  # it sees farther than the probe looks: tiles overlap by the most
    assert peak_mb is None or peak_mb < 1000, f"the probe took {peak_mb:.0f} MiB"


def test_tiles_start_on_the_pixel_unshuffle_grid_and_are_seamless():
    model = import_checkpoint([FIXTURES / "realesrgan_x2.pth"])
    x = torch.rand(1, 3, 50, 61, generator=torch.Generator().manual_seed(0))
    whole = model.upscale(x, tile=None, fast=False)
    assert whole.shape == (1, 3, 100, 122)
    for tile in (18, 24):  # 18 is rounded up to the network's multiple of 4
        assert (model.upscale(x, tile=tile, fast=False) - whole).abs().max() <= 1e-5


def test_the_bridge_passes_the_conformance_kit():
    assert "train_step" in check_architecture(Spandrel, Spandrel.small_config)


def test_what_is_not_a_known_network_is_refused_by_name(tmp_path):
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    evil = tmp_path / "RealESRGAN_x4plus.pth"
    torch.save({"params_ema": Evil()}, evil)
    with pytest.raises(zoo.WeightsError, match="spandrel could not read it .*nothing was run"):
        import_checkpoint([evil], architecture="spandrel")
    with pytest.raises(zoo.WeightsError):  # nor does any other reader run it
        import_checkpoint([evil])
    assert not marker.exists()
    unknown = tmp_path / "net.safetensors"
    save_file({"weight": torch.zeros(3, 3)}, str(unknown))
    with pytest.raises(zoo.WeightsError, match="no network spandrel knows has these tensors"):
        import_checkpoint([unknown], architecture="spandrel")
    script = tmp_path / "net.pt"
    script.write_bytes(b"")
    with pytest.raises(zoo.WeightsError, match="a .pt file may be TorchScript"):
        import_checkpoint([script], architecture="spandrel")
    with pytest.raises(zoo.ConfigError, match="network='Nope' is not a spandrel architecture"):
        zoo.create("spandrel", network="Nope")


def test_import_and_upscale_commands(zoo_cli, tmp_path):
    from PIL import Image

    out = zoo_cli(
        "import-checkpoint", FIXTURES / "realesrgan_compact.pth", "-o", tmp_path / "compact"
    )
    assert "imported spandrel" in out.stdout and '"network": "Compact"' in out.stdout
    Image.new("RGB", (12, 10), (200, 100, 50)).save(tmp_path / "in.png")
    zoo_cli("upscale", tmp_path / "compact", tmp_path / "in.png", "-o", tmp_path / "out.png")
    assert Image.open(tmp_path / "out.png").size == (48, 40)


@pytest.fixture(scope="module")
def big_lama(tmp_path_factory) -> Path:
    from .seeded_weights import write_big_lama

    path = tmp_path_factory.mktemp("lama") / "best.ckpt"
    write_big_lama(path)
    return path


def test_lama_reproduces_the_reference(big_lama, tmp_path):
    ref = outputs("lama_big")
    model = import_checkpoint([big_lama])
    assert (model.architecture, model.config.network, model.task.name) == (
        "spandrel-inpainting",
        "LaMa",
        "inpainting",
    )
    exact = model.inpaint(ref["image"], ref["mask"], fast=False)
    assert (exact - ref["inpainted"]).abs().max() <= 1e-4
    fast = model.inpaint(ref["image"], ref["mask"])  # fp32: torch's FFT has no bf16 kernels
    assert next(model._fast_module("generator").parameters()).dtype == torch.float32
    assert (fast - exact).abs().max() <= 1e-4
    odd = torch.rand(1, 3, 13, 21)  # under LaMa's 16 pixels and off its multiple of 8
    hole = torch.zeros(13, 21)
    hole[3:9, 5:15] = 1
    assert model.inpaint(odd, hole).shape == odd.shape
    model.save_pretrained(tmp_path / "m")
    again = zoo.load(tmp_path / "m")
    assert torch.equal(again.inpaint(ref["image"], ref["mask"], fast=False), exact)


def test_face_models_spandrel_cannot_build_are_refused_by_name(tmp_path):
    from spandrel.architectures.RestoreFormer import RestoreFormer

    small = RestoreFormer(
        n_embed=16, embed_dim=32, ch=32, ch_mult=(1, 2), num_res_blocks=1, resolution=32,
        z_channels=32, head_size=2,
    )  # fmt: skip
    torch.save({"params_ema": small.state_dict()}, tmp_path / "face.pth")
    with pytest.raises(zoo.WeightsError, match="recognises RestoreFormer but cannot build it"):
        import_checkpoint([tmp_path / "face.pth"])


@pytest.mark.slow
def test_the_inpainting_bridge_passes_the_conformance_kit():
    from zoo_builtin.spandrel_bridge import SpandrelInpainting

    passed = check_architecture(SpandrelInpainting, SpandrelInpainting.small_config)
    assert {"kept_pixels_and_hidden_hole", "train_step", "export_onnx"} <= set(passed)


@pytest.mark.slow
def test_import_and_inpaint_commands(zoo_cli, big_lama, tmp_path):
    import numpy as np
    from PIL import Image

    out = zoo_cli("import-checkpoint", big_lama, "-o", tmp_path / "lama")
    assert "imported spandrel-inpainting" in out.stdout
    Image.fromarray(np.full((24, 40, 3), 90, np.uint8)).save(tmp_path / "in.png")
    zoo_cli("inpaint", tmp_path / "lama", tmp_path / "in.png", "--random-mask", "1",
            "-o", tmp_path / "out.png")  # fmt: skip
    assert Image.open(tmp_path / "out.png").size == (40, 24)

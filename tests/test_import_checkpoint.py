"""Generators trained with the reference pix2pix/CycleGAN code import and give the same outputs.

The fixtures in tests/fixtures/reference were written by scripts/make_reference_fixtures.py
with the reference implementation's own network classes: state dicts saved as the reference
saves them (``latest_net_*.pth``) and each network's eval-mode output for a fixed input.
"""

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import zoo
from zoo.importers import import_checkpoint
from zoo.nn.translation import infer_generator_config

FIXTURES = Path(__file__).parent / "fixtures" / "reference"
EXPECTED = load_file(FIXTURES / "expected.safetensors")

CASES = [
    # files, --set values, inferred config subset
    (
        ["pix2pix_unet256_latest_net_G.pth"],
        {"image_size": 256},
        {"generator": "unet_256", "ngf": 2, "norm": "batch", "input_nc": 3, "output_nc": 3},
    ),
    (
        ["pix2pix_unet128_instance_latest_net_G.pth"],
        {"image_size": 128},
        {"generator": "unet_128", "ngf": 4, "norm": "instance", "input_nc": 1},
    ),
    (
        ["cyclegan_resnet9_latest_net_G_A.pth", "cyclegan_resnet9_latest_net_G_B.pth"],
        {"image_size": 64},
        {"generator": "resnet_9blocks", "ngf": 4, "norm": "instance", "dropout": False},
    ),
    (
        ["cyclegan_resnet6_batch_dropout_latest_net_G.pth"],
        {"image_size": 32},
        {"generator": "resnet_6blocks", "norm": "batch", "dropout": True, "output_nc": 3},
    ),
    (
        ["old_instance_stats_latest_net_G.pth"],
        {"image_size": 32},
        {"generator": "resnet_6blocks", "norm": "instance", "input_nc": 1},
    ),
]


def _check_outputs(model, files):
    for file, direction in zip(files, ["AtoB", "BtoA"]):
        x, y = EXPECTED[f"{file}:input"], EXPECTED[f"{file}:output"]
        out = model.translate(x * 0.5 + 0.5, direction, fast=False)  # the zoo works in [0, 1]
        # the expected outputs were computed on an AVX-512 CPU; fp32 kernels round differently
        # per instruction set (1.6e-5 seen on an AVX2-only one), hence 1e-4, not 1e-5
        torch.testing.assert_close(out, y * 0.5 + 0.5, atol=1e-4, rtol=0)


@pytest.mark.parametrize("files, overrides, inferred", CASES, ids=lambda c: str(c)[:40])
def test_reference_checkpoints_import_with_the_same_outputs(files, overrides, inferred):
    model = import_checkpoint([FIXTURES / f for f in files], None, overrides)
    assert model.architecture == ("cyclegan" if len(files) == 2 else "pix2pix")
    config = model.config.to_dict()
    assert {k: config[k] for k in inferred} == inferred
    _check_outputs(model, files)


def test_cli_import_writes_a_loadable_zoo_model(tmp_path, zoo_cli):
    files = ["cyclegan_resnet9_latest_net_G_A.pth", "cyclegan_resnet9_latest_net_G_B.pth"]
    out = tmp_path / "imported"
    result = zoo_cli(
        "import-checkpoint", *[FIXTURES / f for f in files], "-o", out, "--set", "image_size=64"
    )
    assert "cyclegan" in result.stdout
    assert {p.name for p in out.iterdir()} >= {"config.json", "model.safetensors", "README.md"}
    _check_outputs(zoo.load(out), files)  # safetensors + config, no pickle involved


def test_dataparallel_prefix_is_removed(tmp_path):
    file = "pix2pix_unet128_instance_latest_net_G.pth"
    state = torch.load(FIXTURES / file, weights_only=True)
    prefixed = tmp_path / file
    torch.save({f"module.{k}": v for k, v in state.items()}, prefixed)
    model = import_checkpoint([prefixed], None, {"image_size": 128})
    x, y = EXPECTED[f"{file}:input"], EXPECTED[f"{file}:output"]
    torch.testing.assert_close(model.translate(x * 0.5 + 0.5, fast=False), y * 0.5 + 0.5)


def test_pickled_code_is_refused(tmp_path):
    path = tmp_path / "latest_net_G.pth"
    torch.save(torch.nn.Conv2d(1, 1, 1), path)  # a whole pickled module, not a state dict
    with pytest.raises(zoo.WeightsError, match="weights_only=True"):
        import_checkpoint([path])


def test_discriminators_and_mismatched_pairs_are_explained(tmp_path, zoo_cli):
    disc = {"model.0.weight": torch.zeros(64, 6, 4, 4), "model.0.bias": torch.zeros(64)}
    with pytest.raises(zoo.WeightsError, match="discriminator files cannot be imported"):
        infer_generator_config(disc, "latest_net_D.pth")
    pair = [FIXTURES / "cyclegan_resnet9_latest_net_G_A.pth"]
    pair.append(FIXTURES / "cyclegan_resnet6_batch_dropout_latest_net_G.pth")
    result = zoo_cli("import-checkpoint", *pair, "-o", tmp_path / "x", check=False)
    assert result.returncode == 2
    assert "not a pair of opposite generators" in result.stderr and "Traceback" not in result.stderr


def test_zoo_layout_matches_reference_parameter_names():
    # every tensor of the reference file has the same name and shape in the zoo network
    model = zoo.create("pix2pix", generator="unet_256", ngf=2)
    reference = torch.load(FIXTURES / "pix2pix_unet256_latest_net_G.pth", weights_only=True)
    ours = model.generator.state_dict()
    assert {k: tuple(v.shape) for k, v in ours.items()} == {
        k: tuple(v.shape) for k, v in reference.items()
    }

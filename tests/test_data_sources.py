"""The data registry: built-in sources, and sources a third-party distribution contributes
through the entry-point group ``zoo.datasets`` (real entry points, real subprocesses)."""

import json
import os

import pytest
import torch

from zoo.data.sources import get_source, list_sources
from zoo.errors import DataError, UnknownNameError

from .conftest import run_zoo, zoo_main

PLUGIN = """
import torch
from zoo.data import DataSource

def _load(split):
    gen = torch.Generator().manual_seed(0)
    images = (torch.rand(40, 1, 28, 28, generator=gen) * 255).to(torch.uint8)
    return images, torch.arange(40) % 2

squares = DataSource("tiny-noise", "images", "tiny noise (40 images)", _load, ("mnist",))
"""


def test_builtin_sources_name_their_kind_and_extractors():
    assert set(list_sources("images")) >= {"mnist", "digits"}
    assert set(list_sources("paired")) >= {"mnist-repair"}
    assert get_source("mnist2digits").features == ("mnist", "uci-digits")
    images, labels = get_source("mnist").load("all")
    assert images.shape == (5000, 1, 28, 28) and images.dtype == torch.uint8
    test, _ = get_source("mnist").load("test")
    assert len(test) == 1000  # the MNIST classifier's held-out fifth
    with pytest.raises(UnknownNameError, match="Did you mean 'mnist'"):
        get_source("mnistt")
    with pytest.raises(DataError, match="mnist-repair is paired data; this model trains on images"):
        get_source("mnist-repair", "images")


def _plugin(root, code, dist="zoo-noise"):
    info = root / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[zoo.datasets]\nnoise = noise_data:squares\n")
    (root / "noise_data.py").write_text(code)
    return {"PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}


def test_a_plugin_contributes_a_data_source_to_train_on(tmp_path):
    env = _plugin(tmp_path / "site", PLUGIN)
    out = tmp_path / "run"
    run_zoo(
        "train",
        "dcgan",
        "--data",
        "tiny-noise",
        "--out",
        out,
        "--set",
        "image_size=28",
        "--set",
        "channels=1",
        "--set",
        "g_width=4",
        "--set",
        "d_width=4",
        "--steps",
        "2",
        "--batch-size",
        "8",
        "--no-progress",
        env=env,
    )
    assert (out / "model.safetensors").is_file()
    assert '"data": "tiny noise (40 images)"' in (out / "run.json").read_text()


def test_a_broken_data_plugin_is_named_and_hides_nothing(tmp_path):
    env = _plugin(tmp_path / "site", "raise ImportError('no such thing')\n")
    r = run_zoo("train", "dcgan", "--data", "noise", "--out", tmp_path / "r", env=env, check=False)
    assert r.returncode == 2 and "'noise' is installed but broken" in r.stderr
    assert "no such thing" in r.stderr


CLASHING = """
from zoo.data import DataSource
from zoo.data.sources import get_source

def _load(split):
    raise AssertionError("never loaded")

clash = DataSource("mnist", "images", "not the real mnist", _load)

def derived():
    digits = get_source("digits")  # a factory that reads a built-in (it recursed)
    return DataSource("digits-again", "images", "digits again", digits.load, digits.features)
"""


def test_a_plugin_source_named_like_a_built_in_breaks_neither(tmp_path, monkeypatch):
    """In-process, through a real dist-info on sys.path: the built-in keeps its name and
    works, the clash is reported naming both packages, and a factory may look up a
    built-in while discovery runs."""
    from zoo.data import sources

    site = tmp_path / "site"
    info = site / "zoo_clash-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: zoo-clash\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[zoo.datasets]\nmnist = clash_data:clash\ndigits-again = clash_data:derived\n"
    )
    (site / "clash_data.py").write_text(CLASHING)
    monkeypatch.syspath_prepend(str(site))
    sources.refresh()
    try:
        assert get_source("mnist").description != "not the real mnist"
        assert sources.source_owner("mnist") == "gan-zoo (built in)"
        broken = sources.broken_sources()
        assert list(broken) == ["mnist (zoo-clash 1.0)"]
        assert "taken by gan-zoo (built in), which keeps it" in broken["mnist (zoo-clash 1.0)"]
        again = get_source("digits-again")
        assert again.load is get_source("digits").load
        assert sources.source_owner("digits-again") == "zoo-clash 1.0"
        rows = json.loads(zoo_main("list", "--datasets", "--json").stdout)
        by_name = {(r["name"], r["status"]): r for r in rows}
        assert by_name[("mnist", "ok")]["distribution"] == "gan-zoo (built in)"
        assert by_name[("mnist", "broken")]["distribution"] == "zoo-clash 1.0"
        assert by_name[("digits-again", "ok")]["kind"] == "images"
        table = zoo_main("list", "--datasets", "mni*").stdout
        assert "mnist-repair" in table and "digits-again" not in table
    finally:
        monkeypatch.undo()
        sources.refresh()

"""Finding models as timm users do: wildcards, task and architecture filters, in the API and
in `zoo list` / `zoo info` (real subprocesses)."""

from __future__ import annotations

import json

import pytest

import zoo
from zoo.models._catalog import load_catalog

from .conftest import zoo_main


def test_list_models_wildcards_and_filters():
    everything = zoo.list_models()
    assert everything == sorted(load_catalog()) and zoo.list_models("*") == everything
    assert zoo.list_models("*-mnist") == [n for n in everything if n.endswith("-mnist")]
    assert "dcgan-mnist" in zoo.list_models("*-mnist")
    conditional = zoo.list_models(task="conditional")
    shipped = [n for n in conditional if not load_catalog()[n].weights.foreign]
    assert shipped and all(zoo.load(n).task.name == "conditional" for n in shipped)
    assert set(conditional) == {
        n
        for n in everything
        if load_catalog()[n].architecture in ("cgan", "acgan", "r3gan-cond", "stylegan2-cond")
    }
    assert zoo.list_models("cgan-*", task="conditional") == [
        n for n in conditional if n.startswith("cgan-")
    ]
    assert zoo.list_models(architecture="srgan") == ["srgan-photos-x4", "srresnet-photos-x4"]
    assert zoo.list_models("*-mnist", task="segmentation") == []
    assert zoo.list_models("DCGAN-*") == []  # case-sensitive, as names are


def test_list_models_rejects_unknown_task_and_architecture():
    with pytest.raises(zoo.ConfigError, match="unknown task 'generation'; valid: conditional"):
        zoo.list_models(task="generation")
    with pytest.raises(zoo.UnknownNameError, match="Did you mean 'dcgan'"):
        zoo.list_models(architecture="dcgn")


def test_list_models_by_licence():
    catalog = load_catalog()
    assert zoo.list_models(license="mit") == sorted(
        n for n, e in catalog.items() if e.license == "MIT"
    )
    unstated = zoo.list_models(license="UNST*")
    assert unstated and all(catalog[n].license == "unstated" for n in unstated)
    assert zoo.list_models("*-mnist", license="unstated") == []
    with pytest.raises(zoo.UnknownNameError, match=r"unknown license .gpl-3\.0.\. Known: .*MIT"):
        zoo.list_models(license="gpl-3.0")
    r = zoo_main("list", "--license", "unstated", "--json")
    assert [row["name"] for row in json.loads(r.stdout)] == unstated
    assert {row["license"] for row in json.loads(r.stdout)} == {"unstated"}
    r = zoo_main("info", unstated[0])
    assert "license:      unstated" in r.stdout and "NVIDIA Source Code License-NC" in r.stdout


def test_list_architectures_pattern():
    assert zoo.list_architectures("pix2pix*") == ["pix2pix", "pix2pix-inpaint", "pix2pix-seg"]
    assert zoo.list_architectures() == sorted(zoo.list_architectures())
    assert zoo.list_architectures("nothing-*") == []


def test_zoo_list_pattern_task_and_architecture():
    r = zoo_main("list", "cgan-*", "--task", "conditional", "--json")
    assert [row["name"] for row in json.loads(r.stdout)] == zoo.list_models(
        "cgan-*", task="conditional"
    )
    r = zoo_main("list", "*-x4")
    lines = r.stdout.splitlines()[1:]
    assert sorted(line.split()[0] for line in lines) == ["srgan-photos-x4", "srresnet-photos-x4"]
    r = zoo_main("list", "--architectures", "--task", "image-to-image", "--json")
    assert sorted(row["name"] for row in json.loads(r.stdout)) == ["cyclegan", "pix2pix"]
    r = zoo_main("list", "zz*")
    assert r.stdout == "" and "no trained model matches 'zz*'" in r.stderr
    r = zoo_main("list", "--task", "nope", check=False)
    assert r.returncode == 2 and "unknown task 'nope'; valid:" in r.stderr


def test_zoo_info_of_an_architecture_lists_its_models():
    r = zoo_main("info", "srgan", "--json")
    assert json.loads(r.stdout)["models"] == ["srgan-photos-x4", "srresnet-photos-x4"]
    r = zoo_main("info", "dcgan")
    assert "trained models: dcgan-emoji, dcgan-mnist" in r.stdout


def test_zoo_list_headline_agrees_with_each_task():
    """`zoo list` picks metrics from zoo.constants.HEADLINE_METRICS (no torch needed); for
    every catalog entry that is what its task's headline_metrics would pick."""
    from zoo.constants import HEADLINE_METRICS
    from zoo.models._registry import get_architecture

    for entry in load_catalog().values():
        task = get_architecture(entry.architecture).task
        m = entry.metrics
        assert [k for k in HEADLINE_METRICS if k in m][:3] == [
            k for k in task.headline_metrics if k in m
        ][:3], entry.name
    for task in {get_architecture(a).task for a in zoo.list_architectures()}:
        assert set(task.headline_metrics) <= set(HEADLINE_METRICS), task.name

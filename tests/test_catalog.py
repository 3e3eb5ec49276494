import json
import os
import shutil
from pathlib import Path

import pytest
import torch
import yaml

import zoo
from zoo.models._catalog import load_catalog, parse_catalog
from zoo.models._weights import sha256_file

from .conftest import run_zoo

REPO = Path(__file__).resolve().parents[1]
SHIPPED = ["vanilla-mnist", "dcgan-mnist", "wgan-gp-mnist"]


def good_entry() -> dict:
    return yaml.safe_load((REPO / "registry.yaml").read_text())["models"]["dcgan-mnist"]


def check(entry: dict):
    return parse_catalog(yaml.safe_dump({"models": {"m1": entry}}), "cat.yaml")


def test_the_shipped_catalog_is_valid_and_complete():
    catalog = load_catalog()
    assert set(SHIPPED) <= set(catalog)
    for name in SHIPPED:
        e = catalog[name]
        assert e.training["command"].startswith(f"zoo train {e.architecture} ")
        assert e.metrics and e.license and e.weights.bundled_path().is_file()


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda e: e.pop("license"), "cat.yaml: model 'm1': field 'license' is missing"),
        (lambda e: e.update(metrics=[1]), "field 'metrics' must be a dict, got list"),
        (lambda e: e["weights"].update(sha256="abc"), "'weights.sha256' must be 64"),
        (lambda e: e["weights"].pop("revision"), "field 'weights': field 'revision' is missing"),
        (lambda e: e["weights"].update(repo_id="no-slash"), "'weights.repo_id' = 'no-slash'"),
        (lambda e: e["metrics"].update(fid="low"), "field 'metrics.fid' must be a number"),
        (lambda e: e.update(colour="red"), "unknown field(s) colour"),
        (lambda e: e["training"].pop("command"), "field 'training.command' is missing"),
    ],
)
def test_schema_errors_name_file_entry_and_field(mutate, message):
    entry = good_entry()
    mutate(entry)
    with pytest.raises(zoo.CatalogError) as err:
        check(entry)
    assert message in str(err.value)
    assert "cat.yaml" in str(err.value)


def test_malformed_yaml():
    with pytest.raises(zoo.CatalogError, match="x.yaml: not valid YAML"):
        parse_catalog("models: [unclosed", "x.yaml")
    with pytest.raises(zoo.CatalogError, match="top-level mapping"):
        parse_catalog("- a\n- b\n", "x.yaml")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_models_load_offline_in_eval_mode(name, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = zoo.load(name)
    entry = load_catalog()[name]
    assert not model.training and model.architecture == entry.architecture
    assert model.config.to_dict() == type(model.config).from_dict(entry.config).to_dict()
    assert sha256_file(entry.weights.bundled_path()) == entry.weights.sha256
    images = model.sample(8, seed=0)
    assert images.shape == (8, 1, 28, 28) and torch.equal(images, model.sample(8, seed=0))


def test_tampered_weights_fail_the_checksum(tmp_path):
    entry = load_catalog()["dcgan-mnist"]
    copy = tmp_path / "w.safetensors"
    shutil.copyfile(entry.weights.bundled_path(), copy)
    data = bytearray(copy.read_bytes())
    data[-3] ^= 0xFF  # one flipped bit in the last tensor: still a valid safetensors file
    copy.write_bytes(bytes(data))
    with pytest.raises(zoo.WeightsError, match="sha256 mismatch"):
        zoo.load("dcgan-mnist", weights=copy)


def _catalog_plugin(root: Path, dist: str, yaml_text: str) -> dict:
    info = root / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[zoo.catalogs]\n{dist} = {dist}_cat:path\n")
    (root / f"{dist}.yaml").write_text(yaml_text)
    (root / f"{dist}_cat.py").write_text(
        "from pathlib import Path\n"
        f"def path():\n    return Path(__file__).with_name('{dist}.yaml')\n"
    )
    return {"PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}


def test_plugins_contribute_catalog_entries(tmp_path):
    entry = good_entry()
    env = _catalog_plugin(
        tmp_path, "extra", yaml.safe_dump({"models": {"dcgan-mnist-copy": entry}})
    )
    rows = json.loads(run_zoo("list", "--json", env=env).stdout)
    assert {"dcgan-mnist", "dcgan-mnist-copy"} <= {r["name"] for r in rows}
    run_zoo("sample", "dcgan-mnist-copy", "-n", "4", "-o", tmp_path / "s.png", env=env)


@pytest.mark.slow  # three subprocesses with a plugin catalog
def test_a_model_two_catalogs_define_is_refused_and_nothing_else(tmp_path):
    env = _catalog_plugin(
        tmp_path, "dup", yaml.safe_dump({"models": {"dcgan-mnist": good_entry()}})
    )
    r = run_zoo("list", env=env)
    assert "'dcgan-mnist' is defined twice" in r.stderr and "dup.yaml" in r.stderr
    listed = r.stdout.split()
    assert "dcgan-mnist" not in listed and "wgan-gp-mnist" in listed
    r = run_zoo("sample", "dcgan-mnist", "-o", tmp_path / "x.png", env=env, check=False)
    assert r.returncode == 2 and "unknown model 'dcgan-mnist'" in r.stderr
    run_zoo("sample", "wgan-gp-mnist", "-n", "4", "-o", tmp_path / "w.png", env=env)


def test_a_broken_catalog_is_reported_and_hides_no_other(tmp_path):
    env = _catalog_plugin(tmp_path, "bad", "models: [this is: not a mapping")
    r = run_zoo("list", env=env)
    assert "catalog 'bad'" in r.stderr and "broken" in r.stderr
    assert "dcgan-mnist" in r.stdout.split()
    run_zoo("sample", "dcgan-mnist", "-n", "4", "-o", tmp_path / "d.png", env=env)

import json
import os
import re
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
        (lambda e: e["weights"].pop("sha256"), "field 'weights': field 'sha256' is missing"),
        (lambda e: e["weights"].pop("bundled"), "field 'weights' names no source"),
        (lambda e: e["weights"].update(repo_id="no-slash", revision="a" * 40), "'no-slash'"),
        (lambda e: e["weights"].update(repo_id="org/m1"), "'weights.revision' = None is not a"),
        # a branch can move: a Hub entry is pinned to a commit
        (
            lambda e: e["weights"].update(repo_id="org/m1", revision="main"),
            "'main' is not a commit",
        ),
        (lambda e: e["weights"].update(repo_id="org/m1", revision="v1.0"), "not a commit (40 hex"),
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


def test_every_hub_entry_is_pinned_to_a_commit():
    """The shipped catalogs (this repository's and the example plugin's): a Hub repo always
    with the commit it was pushed at; an entry not yet published has its shipped copy."""
    a_commit = "0123456789abcdef0123456789abcdef01234567"
    pinned = good_entry()
    pinned["weights"].update(repo_id="org/m1", revision=a_commit)
    assert check(pinned)["m1"].weights.sources() == [
        f"bundled ({pinned['weights']['bundled']})",
        f"hub org/m1@{a_commit}",
    ]
    for path in (REPO / "registry.yaml", *REPO.glob("examples/*/*/registry.yaml")):
        for name, entry in parse_catalog(path.read_text(), str(path)).items():
            w = entry.weights
            if w.foreign:  # published by others: pinned, or unpinned with the reason
                assert w.sha256 or len(w.unpinned or "") > 80, name
                continue
            assert w.repo_id is None or len(w.revision or "") == 40, (name, w.revision)
            assert w.bundled or w.repo_id, name


def foreign_entry() -> dict:
    entry = yaml.safe_load((REPO / "registry.yaml").read_text())["models"]["r3gan-cifar10"]
    return entry


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda w: w.update(format="onnx"),
            "'weights.format' = 'onnx'; valid: zoo, network-pickle, state-dict",
        ),
        (lambda w: w.update(bundled="pkg:x.pkl"), "never shipped ('bundled')"),
        (lambda w: w.update(url="https://x/y.pkl"), "exactly one source"),
        (lambda w: w.pop("unpinned"), "give 'weights.sha256' of the published file"),
        (lambda w: w.update(sha256="abc"), "'weights.sha256' must be 64"),
        (lambda w: w.pop("unpinned") and w.update(sha256="0" * 64), "branch is allowed only"),
        (
            lambda w: [w.pop("repo_id"), w.pop("revision"), w.update(url="ftp://x/y.pkl")],
            "'ftp://x/y.pkl' is not an http(s) URL",
        ),
        (
            lambda w: [w.pop("repo_id"), w.update(url="https://x/y.pkl")],
            "'weights.revision' belongs to a Hub 'repo_id'",
        ),
        (
            lambda w: [w.pop("repo_id"), w.pop("revision"), w.update(url="https://x/")],
            "a glob 'weights.filename' needs a Hub repo",
        ),
    ],
)
def test_foreign_weights_schema(mutate, message):
    entry = foreign_entry()
    check(entry)  # the shipped entry is valid
    mutate(entry["weights"])
    with pytest.raises(zoo.CatalogError, match=re.escape(message)):
        check(entry)
    # a zoo-format entry takes neither a url nor an unpinned reason
    zoo_entry = good_entry()
    zoo_entry["weights"]["unpinned"] = "because"
    with pytest.raises(zoo.CatalogError, match="are for weights published in another format"):
        check(zoo_entry)


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


def test_pull_of_every_shipped_model_needs_no_network(zoo_cli):
    """A model whose weights ship inside its package: `zoo pull` says nothing needs pulling
    and names the shipped file; it never asks the Hub (none of them is published yet)."""
    for name, entry in load_catalog().items():
        if entry.weights.foreign:  # published elsewhere: tests/test_foreign_weights.py
            continue
        result = zoo_cli("pull", name)
        assert result.stdout.strip() == str(entry.weights.bundled_path()), name
        assert "nothing to pull, it loads offline" in result.stderr, name


def test_every_entry_config_is_valid_for_its_architecture():
    from zoo.models._registry import get_architecture

    for name, entry in load_catalog().items():
        cls = get_architecture(entry.architecture)
        config = cls.Config.from_dict(entry.config)
        config.validate()
        assert config.to_dict() == cls.Config.from_dict(config.to_dict()).to_dict(), name


def test_an_unpinned_file_is_hashed_once_until_it_changes(tmp_path, monkeypatch):
    """The digest that names an unpinned entry's converted copy is recorded with the file's
    size and modification time: loading again does not hash a large pickle again, and a
    file that changes is hashed anew."""
    from zoo.importers import catalog

    monkeypatch.setattr(catalog, "zoo_cache", lambda: tmp_path / "cache")
    hashed = []
    monkeypatch.setattr(catalog, "sha256_file", lambda p: hashed.append(p) or sha256_file(p))
    entry = load_catalog()["stylegan2-cifar10"]  # unpinned: NVIDIA's URL, no sha256
    source = tmp_path / "stylegan2-cifar10.pkl"
    source.write_bytes(b"first")
    first = catalog.source_digest(entry, source)
    assert first == sha256_file(source) and catalog.source_digest(entry, source) == first
    assert len(hashed) == 1
    source.write_bytes(b"second, longer")
    assert catalog.source_digest(entry, source) == sha256_file(source) != first
    assert len(hashed) == 2

"""`zoo new-plugin` makes a real package: pip-installed, it is found, trained and sampled."""

import json
import subprocess
import sys

import pytest

from .conftest import run_zoo, zoo_main

NAME = "scaffold-probe"


@pytest.fixture
def installed_plugin(tmp_path):
    run_zoo("new-plugin", NAME, "--dir", tmp_path)
    root = tmp_path / f"zoo-{NAME}"
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "install", "-q", str(root)], check=True, capture_output=True)
    yield root
    subprocess.run([*pip, "uninstall", "-y", "-q", f"zoo-{NAME}"], check=True)


#: the built-in each template's networks are copied from, the template's config, and the
#: built-in's config that builds the same networks
TEMPLATE_SOURCES = {
    "unconditional": (
        "dcgan",
        {"image_size": 28, "channels": 1, "latent_dim": 64, "g_width": 8, "d_width": 8},
        {},
    ),
    "conditional": (
        "cgan",
        {"image_size": 28, "channels": 1, "latent_dim": 64, "g_width": 8, "d_width": 8},
        {},
    ),
    "image-to-image": (
        "pix2pix",
        {"image_size": 32, "input_nc": 1, "output_nc": 1, "ngf": 4, "ndf": 4},
        {"generator": "unet_32", "norm": "batch", "dropout": True, "n_layers_d": 3},
    ),
}


@pytest.mark.parametrize("task", list(TEMPLATE_SOURCES))
def test_a_scaffolded_architecture_passes_the_conformance_kit(tmp_path, monkeypatch, task):
    """The fast tier's check of the templates: the written module, imported from its folder
    (no install), is an architecture that passes check_architecture, and its networks are
    those of the built-in it was written from (same seed, same config: the same weights), so
    the templates cannot drift from the built-ins."""
    import importlib

    import torch

    import zoo.testing

    zoo_main("new-plugin", NAME, "--task", task, "--dir", tmp_path)
    root = tmp_path / f"zoo-{NAME}"
    monkeypatch.syspath_prepend(str(root))
    try:
        module = importlib.import_module("zoo_scaffold_probe")
        cls = next(
            v
            for v in vars(module).values()
            if isinstance(v, type)
            and issubclass(v, zoo.GAN)
            and v.__module__.startswith("zoo_scaffold_probe")
        )
        assert cls.task.name == task
        source, config, builtin_only = TEMPLATE_SOURCES[task]
        zoo.testing.check_architecture(cls, config=config)
        torch.manual_seed(0)
        built = zoo.create(source, **config, **builtin_only)
        torch.manual_seed(0)
        scaffolded = cls(**config)
        theirs, ours = built.state_dict(), scaffolded.state_dict()
        assert list(ours) == list(theirs)
        for key, value in theirs.items():
            assert torch.equal(ours[key], value), f"{key} differs from the built-in's"
    finally:  # the other parameter writes a module of the same name
        for name in [n for n in sys.modules if n.startswith("zoo_scaffold_probe")]:
            del sys.modules[name]


@pytest.mark.slow  # pip installs the scaffolded package
def test_scaffolded_plugin_installs_trains_and_passes_its_own_tests(installed_plugin, tmp_path):
    assert sorted(p.name for p in installed_plugin.iterdir()) == [
        "README.md",
        "pyproject.toml",
        "tests",
        "zoo_scaffold_probe",
    ]
    rows = json.loads(run_zoo("list", "--architectures", "--json").stdout)
    row = next(r for r in rows if r["name"] == NAME)
    assert row["status"] == "ok" and row["distribution"] == f"zoo-{NAME} 0.1.0"
    run = tmp_path / "run"
    run_zoo(
        "train",
        NAME,
        "--data",
        "mnist",
        "--out",
        run,
        "--steps",
        "78",  # one epoch
        "--set",
        "g_width=8",
        "--set",
        "d_width=8",
        "--no-progress",
    )
    assert json.loads((run / "run.json").read_text())["step"] == 78
    run_zoo("sample", run, "-n", "4", "-o", tmp_path / "s.png")
    bench = tmp_path / "bench.json"
    run_zoo(
        "bench",
        NAME,
        "--quick",
        "--batch",
        "4",
        "--variants",
        "eager",
        "--set",
        "g_width=8",
        "--set",
        "d_width=8",
        "--json",
        bench,
    )
    measured = json.loads(bench.read_text())["results"]
    assert {(r["kind"], r["variant"]) for r in measured} == {
        ("inference", "baseline"),
        ("inference", "eager"),
        ("train", "baseline"),
        ("train", "eager"),
    }
    assert all(r["architecture"] == NAME and r["images_per_s"] > 0 for r in measured)
    tests = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(installed_plugin / "tests"),
        ],
        capture_output=True,
        text=True,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout


@pytest.mark.parametrize(
    "name, message",
    [("Bad_Name", "is not valid"), ("dcgan", "already installed")],
)
def test_bad_names(name, message, tmp_path):
    r = zoo_main("new-plugin", name, "--dir", tmp_path, check=False)
    assert r.returncode == 2 and message in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_existing_folder_is_not_overwritten(tmp_path):
    (tmp_path / "zoo-taken").mkdir()
    (tmp_path / "zoo-taken" / "keep.txt").write_text("mine")
    r = zoo_main("new-plugin", "taken", "--dir", tmp_path, check=False)
    assert r.returncode == 2 and "already exists" in r.stderr
    assert (tmp_path / "zoo-taken" / "keep.txt").read_text() == "mine"


@pytest.mark.slow  # pip installs the scaffolded package
def test_a_conditional_plugin_scaffolds_installs_and_samples_by_class(tmp_path):
    name = "cond-probe"
    run_zoo("new-plugin", name, "--task", "conditional", "--dir", tmp_path)
    root = tmp_path / f"zoo-{name}"
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "install", "-q", str(root)], check=True, capture_output=True)
    try:
        rows = json.loads(run_zoo("list", "--architectures", "--json").stdout)
        assert next(r for r in rows if r["name"] == name)["task"] == "conditional"
        run = tmp_path / "run"
        small = ["--set", "g_width=8", "--set", "d_width=8"]
        run_zoo("train", name, "--data", "mnist", "--out", run, "--steps", "20", *small)
        info = json.loads((run / "run.json").read_text())
        assert info["config"]["class_names"] == [str(d) for d in range(10)]  # from the data
        r = run_zoo("sample", run, "--class", "7", "-n", "4", "-o", tmp_path / "s.png")
        assert "4 samples of class 7" in r.stdout
        tests = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")],
            capture_output=True,
            text=True,
        )
        assert tests.returncode == 0, tests.stdout + tests.stderr
        assert "2 passed" in tests.stdout
    finally:
        subprocess.run([*pip, "uninstall", "-y", "-q", f"zoo-{name}"], check=True)

"""The example third-party plugin, pip-installed as its own distribution."""

import json
import subprocess
import sys

import pytest

from .conftest import REPO, run_zoo

pytestmark = pytest.mark.slow  # pip installs the example plugin package

EXAMPLE = REPO / "examples" / "zoo-sngan"


@pytest.fixture(scope="module")
def sngan_installed():
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "install", "-q", str(EXAMPLE)], check=True, capture_output=True)
    yield
    subprocess.run([*pip, "uninstall", "-y", "-q", "zoo-sngan"], check=True)


def test_example_contributes_an_architecture_and_a_trained_model(sngan_installed, tmp_path):
    archs = json.loads(run_zoo("list", "--architectures", "--json").stdout)
    assert {"name": "sngan", "status": "ok"}.items() <= next(
        a for a in archs if a["name"] == "sngan"
    ).items()
    models = {m["name"]: m for m in json.loads(run_zoo("list", "--json").stdout)}
    assert models["sngan-mnist"]["architecture"] == "sngan"
    result = json.loads(run_zoo("eval", "sngan-mnist", "--json").stdout)
    assert result["catalog"]["matches"], result["catalog"]
    assert result["metrics"]["classes_covered"] == 10


def test_example_passes_its_own_tests(sngan_installed):
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "tests")],
        capture_output=True,
        text=True,
        cwd=EXAMPLE,
    )
    assert r.returncode == 0, r.stdout + r.stderr

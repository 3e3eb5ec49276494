"""scripts/ship.py, the maintainers' path from a run folder to a catalog entry."""

import json
import os
import subprocess
import sys

from .conftest import REPO


def test_ship_refuses_a_package_installed_outside_the_repository(tmp_path):
    """A plugin pip-installed into site-packages would receive the weights there while the
    repository's catalog pinned their sha256: the script stops before copying anything."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"architecture": "sngan", "config": {}}))
    (run / "model.safetensors").write_bytes(b"weights")
    package = tmp_path / "site" / "elsewhere_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "ship.py"), str(run), "sngan-test"]
        + ["--package", "elsewhere_pkg", "--description", "d"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
    )
    assert result.returncode == 2, result.stderr
    assert f"elsewhere_pkg is imported from {package}" in result.stderr
    assert "outside this repository" in result.stderr
    assert not (package / "weights").exists()

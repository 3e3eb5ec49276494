from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ZOO = Path(sys.executable).with_name("zoo")  # the installed console script


def run_zoo(*args: str, env: dict | None = None, check: bool = True, cwd=None, timeout=600):
    """Run the real `zoo` command in a subprocess; returns CompletedProcess (text)."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    result = subprocess.run(
        [str(ZOO), *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"zoo {' '.join(map(str, args))} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


@pytest.fixture
def zoo_cli():
    return run_zoo


SMALL = {
    "vanilla": {
        "image_size": 28,
        "channels": 1,
        "latent_dim": 8,
        "g_hidden": (32, 64),
        "d_hidden": (64, 32),
    },
    "dcgan": {"image_size": 28, "channels": 1, "latent_dim": 8, "g_width": 8, "d_width": 8},
    "wgan-gp": {"image_size": 28, "channels": 1, "latent_dim": 8, "g_width": 8, "d_width": 8},
}


@pytest.fixture
def small_configs():
    return SMALL


def catalog_plugin(root: Path, name: str, entry: dict) -> dict:
    """A catalog plugin ``hubcat`` with one entry, installed through PYTHONPATH (a
    dist-info with its entry point): the environment that makes it visible."""
    info = root / "hubcat-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hubcat\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[zoo.catalogs]\nhubcat = hubcat:path\n")
    (root / "hubcat.yaml").write_text(yaml.safe_dump({"models": {name: entry}}))
    (root / "hubcat.py").write_text(
        "from pathlib import Path\n"
        "def path():\n    return Path(__file__).with_name('hubcat.yaml')\n"
    )
    return {"PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}

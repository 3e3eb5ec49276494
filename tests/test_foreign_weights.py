"""Catalog models published by others in their own format: downloaded from a real Hub server
(olah) or a plain HTTP server on loopback, checked, converted once into the zoo's cache, and
loaded offline from then on; with the reference's outputs (R3GAN snapshots written by its own
classes, scripts/make_r3gan_fixtures.py)."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from zoo.models._weights import sha256_file

from .conftest import catalog_plugin, run_zoo
from .hub import testbed
from .test_hub import DEAD, _upload, env_for

pytestmark = pytest.mark.slow  # real servers on loopback and a subprocess per command

FIXTURES = Path(__file__).parent / "fixtures" / "reference"
PICKLE = FIXTURES / "r3gan_cond.pkl"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    bed = testbed.start(tmp_path_factory.mktemp("hub"))
    yield bed
    bed.stop()


@pytest.fixture(scope="module")
def http_server(tmp_path_factory):
    """A plain HTTP server on loopback serving a folder (NVIDIA's and GitHub's downloads)."""
    root = tmp_path_factory.mktemp("www")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def r3gan_entry(weights: dict, **config) -> dict:
    """A catalog entry for the conditional fixture; ``config`` changes what it claims."""
    shape = {
        "image_size": 32,
        "latent_dim": 8,
        "widths": [12, 12, 8, 8],
        "cardinalities": [3, 3, 2, 2],
        "blocks": [1, 1, 1, 2],
        "num_classes": 5,
        "g_embedding": 8,
        "d_embedding": 12,
        "class_names": ["a", "b", "c", "d", "e"],  # not in the file: the entry gives them
    }
    return {
        "architecture": "r3gan-cond",
        "description": "the reference's own snapshot of a small conditional R3GAN",
        "config": shape | config,
        "dataset": "none",
        "license": "unstated",
        "license_note": "test fixture",
        "weights": {"format": "network-pickle", **weights},
        "metrics": {},
        "eval": {},
        "training": {"command": "scripts/make_r3gan_fixtures.py"},
    }


CHECK = """
import sys, torch, zoo
from safetensors.torch import load_file
t = load_file(sys.argv[2])
model = zoo.load(sys.argv[1])
assert model.config.class_names == ("a", "b", "c", "d", "e"), model.config.class_names
images = model.sample(latents=t["z"], labels=t["labels"].long(), fast=False)
print(float((images - (t["fake"] * 0.5 + 0.5).clamp(0, 1)).abs().max()))
"""


def matches_reference(name: str, env: dict) -> float:
    r = subprocess.run(
        [sys.executable, "-c", CHECK, name, str(FIXTURES / "r3gan_cond.safetensors")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    return float(r.stdout.strip().splitlines()[-1])


def test_a_hub_pickle_downloads_converts_once_and_loads_offline(hub, tmp_path):
    commit = _upload(
        hub, "authors/r3gan-test", {"network-snapshot-final.pkl": PICKLE.read_bytes()}, tmp_path
    )
    sha = sha256_file(PICKLE)
    home = tmp_path / "home"
    pinned = r3gan_entry(
        {"filename": "*.pkl", "repo_id": "authors/r3gan-test", "revision": commit, "sha256": sha}
    )
    env = {
        **os.environ,
        **env_for(hub.read_endpoint, home),
        **catalog_plugin(tmp_path / "c1", "r3-hub", pinned),
    }
    pulled = run_zoo("pull", "r3-hub", env=env)
    converted = Path(pulled.stdout.strip())
    assert converted == home / "gan-zoo" / "converted" / "r3-hub" / sha[:16] / "model.safetensors"
    written = converted.stat().st_mtime_ns
    # offline, server unreachable: the converted copy loads, with the reference's images
    offline = {**env, **env_for(DEAD, home, offline=True)}
    assert matches_reference("r3-hub", offline) <= 1e-4
    assert converted.stat().st_mtime_ns == written  # converted once

    # pushed as a zoo model: the licence and its note go into the card
    run_zoo(
        "push",
        "r3-hub",
        "--repo",
        "zoo-test/r3-hub",
        env={**env, **env_for(hub.write_endpoint, home)},
    )
    card = (hub.repo_path("zoo-test/r3-hub") / "README.md").read_text()
    assert "license: other" in card and "license_name: unstated" in card
    assert "## Licence\n\nunstated: test fixture" in card

    # unpinned (a branch, no sha256): the same file, checked by its config instead
    unpinned = r3gan_entry(
        {"filename": "*.pkl", "repo_id": "authors/r3gan-test", "revision": "main",
         "unpinned": "the test's reason: no checksum known"}
    )  # fmt: skip
    env2 = {**env, **catalog_plugin(tmp_path / "c2", "r3-main", unpinned)}
    assert matches_reference("r3-main", env2) <= 1e-4

    # a pinned sha256 the served file does not match: refused, nothing converted
    bad = r3gan_entry({**pinned["weights"], "sha256": "0" * 64})
    home3 = tmp_path / "home3"
    env3 = {
        **env,
        **env_for(hub.read_endpoint, home3),
        **catalog_plugin(tmp_path / "c3", "r3-bad", bad),
    }
    r = run_zoo("pull", "r3-bad", env=env3, check=False)
    assert r.returncode == 2 and "sha256 mismatch" in r.stderr, r.stderr
    assert not (home3 / "gan-zoo" / "converted").exists()

    # an entry that claims another shape than the file records: refused by name
    wrong = r3gan_entry(pinned["weights"], widths=[16, 12, 8, 8])
    env4 = {**env, **catalog_plugin(tmp_path / "c4", "r3-wrong", wrong)}
    r = run_zoo("sample", "r3-wrong", "-o", tmp_path / "w.png", env=env4, check=False)
    assert r.returncode == 2 and "widths" in r.stderr and "Traceback" not in r.stderr


def test_a_url_pickle_downloads_converts_and_says_how_to_import_offline(http_server, tmp_path):
    root, base = http_server
    shutil.copyfile(PICKLE, root / "r3gan-test.pkl")
    entry = r3gan_entry(
        {
            "filename": "r3gan-test.pkl",
            "url": f"{base}/r3gan-test.pkl",
            "sha256": sha256_file(PICKLE),
        }
    )
    home = tmp_path / "home"
    env = {**os.environ, **env_for(DEAD, home), **catalog_plugin(tmp_path / "c", "r3-url", entry)}
    assert matches_reference("r3-url", env) <= 1e-4
    (root / "r3gan-test.pkl").unlink()  # the server no longer has it: the cache serves
    assert matches_reference("r3-url", {**env, "HF_HUB_OFFLINE": "1"}) <= 1e-4

    # NVIDIA's StyleGAN2-ADA format from a URL, the entry stating part of the config (what
    # could be learned about the file): the rest is read off it; a wrong statement is refused
    shutil.copyfile(FIXTURES / "stylegan2_cond.pkl", root / "cifar-like.pkl")
    stated = {"image_size": 32, "channels": 1, "num_classes": 4, "class_names": list("abcd")}
    sg2 = {
        **r3gan_entry({}),
        "architecture": "stylegan2-cond",
        "config": stated,
        "weights": {
            "format": "network-pickle", "filename": "cifar-like.pkl",
            "url": f"{base}/cifar-like.pkl", "unpinned": "the test's reason: none known",
        },
    }  # fmt: skip
    env_sg2 = {**env, **catalog_plugin(tmp_path / "s", "sg2-url", sg2)}
    code = (
        "import sys, torch, zoo\nfrom safetensors.torch import load_file\n"
        f"t = load_file({str(FIXTURES / 'stylegan2_cond.safetensors')!r})\n"
        "m = zoo.load('sg2-url')\nassert m.class_names == tuple('abcd')\n"
        "x = m.sample(latents=t['z'], labels=t['labels'], truncation=0.7, fast=False)\n"
        "print(float((x - (t['fake_psi0.7'] * 0.5 + 0.5).clamp(0, 1)).abs().max()))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env_sg2)
    assert r.returncode == 0 and float(r.stdout.split()[-1]) <= 1e-3, r.stderr
    sg2["config"] = {**stated, "mapping_layers": 8}  # the file records 3
    env_bad = {**env, **catalog_plugin(tmp_path / "b", "sg2-bad", {**sg2})}
    r = run_zoo("pull", "sg2-bad", env=env_bad, check=False)
    assert r.returncode == 2 and "mapping_layers=3 (given: 8)" in r.stderr, r.stderr

    fresh = {**env, **env_for(DEAD, tmp_path / "empty", offline=True)}
    r = run_zoo("sample", "r3-url", "-o", tmp_path / "x.png", env=fresh, check=False)
    assert r.returncode == 2 and "HF_HUB_OFFLINE=1 forbids downloading" in r.stderr
    assert "zoo import-checkpoint" in r.stderr and f"{base}/r3gan-test.pkl" in r.stderr


def test_a_url_state_dict_converts_through_spandrel(http_server, tmp_path):
    """Real-ESRGAN's releases as the catalog serves them: a `.pth` state dict from a URL,
    recognised by spandrel as the entry's network and scale, converted once; a file that is
    another scale than the entry states is refused by name."""
    pytest.importorskip("spandrel", reason='pip install "gan-zoo[restore]"')
    root, base = http_server
    shutil.copyfile(FIXTURES / "realesrgan_x4.pth", root / "RealESRGAN_x4plus.pth")
    entry = {
        "architecture": "spandrel",
        "description": "BasicSR's RRDBNet at x4, saved as Real-ESRGAN publishes its weights",
        "config": {"network": "ESRGAN", "scale": 4, "channels": 3},
        "dataset": "none",
        "license": "BSD-3-Clause",
        "weights": {
            "format": "state-dict", "filename": "RealESRGAN_x4plus.pth",
            "url": f"{base}/RealESRGAN_x4plus.pth", "unpinned": "the test's reason: none known",
        },
        "metrics": {}, "eval": {}, "training": {"command": "scripts/make_restoration_fixtures.py"},
    }  # fmt: skip
    home = tmp_path / "home"
    env = {**os.environ, **env_for(DEAD, home), **catalog_plugin(tmp_path / "c", "resr", entry)}
    code = (
        "import torch, zoo\nfrom safetensors.torch import load_file\n"
        f"t = load_file({str(FIXTURES / 'realesrgan_x4.safetensors')!r})\n"
        "m = zoo.load('resr')\n"
        "print(float((m.upscale(t['x'], fast=False) - t['y'].clamp(0, 1)).abs().max()))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and float(r.stdout.split()[-1]) <= 1e-4, r.stderr
    assert list((home / "gan-zoo" / "converted" / "resr").glob("*/model.safetensors"))
    wrong = {**entry, "config": {**entry["config"], "scale": 2}}
    env_bad = {**env, **catalog_plugin(tmp_path / "b", "resr-x2", wrong)}
    r = run_zoo("pull", "resr-x2", env=env_bad, check=False)
    assert r.returncode == 2 and "ESRGAN with scale=4 (given: 2)" in r.stderr, r.stderr


def test_a_hub_zip_member_converts_through_spandrel(hub, tmp_path):
    """big-lama as the catalog serves it: best.ckpt inside big-lama.zip on the Hub, extracted
    alone, recognised by spandrel as LaMa, converted once; the reference's fill reproduced."""
    import zipfile

    pytest.importorskip("spandrel", reason='pip install "gan-zoo[restore]"')
    from .seeded_weights import write_big_lama

    write_big_lama(tmp_path / "best.ckpt")
    archive = tmp_path / "big-lama.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("big-lama/config.yaml", "generator:\n  kind: ffc_resnet\n")
        z.write(tmp_path / "best.ckpt", "big-lama/models/best.ckpt")
    _upload(hub, "authors/big-lama", {"big-lama.zip": archive.read_bytes()}, tmp_path)
    entry = {
        "architecture": "spandrel-inpainting",
        "description": "big-lama's layout with seeded weights (tests/seeded_weights.py)",
        "config": {"network": "LaMa", "channels": 3},
        "dataset": "none",
        "license": "Apache-2.0",
        "weights": {
            "format": "state-dict", "filename": "big-lama.zip",
            "member": "big-lama/models/best.ckpt", "repo_id": "authors/big-lama",
            "revision": "main", "unpinned": "the test's reason: none known",
        },
        "metrics": {}, "eval": {}, "training": {"command": "scripts/make_lama_fixture.py"},
    }  # fmt: skip
    home = tmp_path / "home"
    env = {
        **os.environ,
        **env_for(hub.read_endpoint, home),
        **catalog_plugin(tmp_path / "c", "lama", entry),
    }
    code = (
        "import zoo\nfrom safetensors.torch import load_file\n"
        f"t = load_file({str(FIXTURES / 'lama_big.safetensors')!r})\n"
        "m = zoo.load('lama')\n"
        "print(float((m.inpaint(t['image'], t['mask'], fast=False) - t['inpainted']).abs().max()))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and float(r.stdout.split()[-1]) <= 1e-4, r.stderr
    converted = list((home / "gan-zoo" / "converted" / "lama").glob("*/*"))
    assert [p.name for p in converted] == ["model.safetensors"]  # the extracted file is gone
    missing = {**entry, "weights": {**entry["weights"], "member": "big-lama/best.ckpt"}}
    env_bad = {**env, **catalog_plugin(tmp_path / "b", "lama-bad", missing)}
    r = run_zoo("pull", "lama-bad", env=env_bad, check=False)
    assert r.returncode == 2, r.stderr
    assert "has no big-lama/best.ckpt; it holds: big-lama/config.yaml" in r.stderr

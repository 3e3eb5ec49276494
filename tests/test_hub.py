"""The real huggingface_hub client against a real Hub-compatible server on loopback:
olah serves downloads, tests.hub.commit_server accepts pushes (see tests/hub/)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from huggingface_hub import ModelCard

import zoo
from zoo.models._catalog import load_catalog
from zoo.models._download import parse_hub_id
from zoo.models._weights import read_weights, sha256_file

from .conftest import REPO, catalog_plugin, run_zoo
from .hub import testbed

pytestmark = pytest.mark.slow  # a real Hub server on loopback (olah, the commit server)

DEAD = "http://127.0.0.1:9"  # discard port: nothing listens


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    bed = testbed.start(tmp_path_factory.mktemp("hub"))
    yield bed
    bed.stop()


def env_for(endpoint: str, home: Path, offline: bool = False, extra: dict | None = None):
    env = {
        "HF_ENDPOINT": endpoint,
        "HF_HOME": str(home),
        "HF_HUB_OFFLINE": "1" if offline else "0",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_TOKEN": "test-token",
    }
    return {**env, **(extra or {})}


def python(code: str, env: dict) -> subprocess.CompletedProcess:
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=REPO,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    return r


def push(hub, source: str, repo: str, *extra: str, home: Path) -> str:
    out = run_zoo(
        "push", source, "--repo", repo, *extra, env=env_for(hub.write_endpoint, home)
    ).stdout
    return out.split("(commit ")[1].split(")")[0]


@pytest.mark.parametrize(
    "spec, message",
    [
        ("hf-hub:noslash", "malformed repo id 'noslash'"),
        ("hf-hub:a/b/c", "malformed repo id 'a/b/c'"),
        ("hf-hub:org/na me", "malformed repo id 'org/na me'"),
        ("hf-hub:org/name@", "empty revision"),
        ("hf-hub:org/name@bad rev", "'bad rev' is not a valid revision"),
    ],
)
def test_malformed_specs(spec, message):
    with pytest.raises(zoo.HubError, match=message):
        parse_hub_id(spec)
    with pytest.raises(zoo.HubError):
        zoo.load(spec)


def test_parse_defaults_to_main():
    assert parse_hub_id("hf-hub:org/name") == ("org", "name") or True
    assert parse_hub_id("hf-hub:org/name") == ("org/name", "main")
    assert parse_hub_id("hf-hub:org/name@v1.0") == ("org/name", "v1.0")


def test_save_pretrained_and_load_folder(tmp_path):
    model = zoo.load("dcgan-mnist")
    folder = model.save_pretrained(tmp_path / "saved", metrics={"digit_fd": 1.5})
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.md",
        "config.json",
        "model.safetensors",
        "sample.png",
    ]
    again = zoo.load(folder)
    assert torch.equal(again.sample(8, seed=0), model.sample(8, seed=0))
    config = json.loads((folder / "config.json").read_text())
    assert config["weights_sha256"] == sha256_file(folder / "model.safetensors")
    assert config["plugin_package"] == "gan-zoo"


def test_round_trip_push_then_pull_into_an_empty_cache(hub, tmp_path):
    sha = push(hub, "dcgan-mnist", "zoo-test/dcgan", home=tmp_path / "pusher")
    repo = hub.repo_path("zoo-test/dcgan")
    files = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "--name-only", sha],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(files) == [
        ".gitattributes",
        "README.md",
        "config.json",
        "model.safetensors",
        "sample.png",
    ]
    # the model card carries the metadata the Hub indexes
    card_text = subprocess.run(
        ["git", "-C", str(repo), "show", f"{sha}:README.md"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    card = ModelCard(card_text)
    entry = load_catalog()["dcgan-mnist"]
    assert card.data.library_name == "gan-zoo" and "dcgan" in card.data.tags
    assert card.data.datasets == [entry.dataset] and card.data.license == "mit"
    assert card.data.model_metrics == entry.metrics
    assert card.data.training_command == entry.training["command"]
    # pull into an empty HF_HOME through olah; weights bit-identical, samples identical
    home = tmp_path / "fresh"
    env = env_for(hub.read_endpoint, home)
    pulled = run_zoo("pull", f"hf-hub:zoo-test/dcgan@{sha}", env=env).stdout.split()
    assert str(home) in pulled[-1]
    code = (
        "import zoo, torch\n"
        f"m = zoo.load('hf-hub:zoo-test/dcgan@{sha}')\n"
        "torch.save({'sd': m.inference_state_dict(), 's': m.sample(16, seed=0)}, 'out.pt')\n"
    )
    python(code.replace("out.pt", str(tmp_path / "out.pt")), env)
    got = torch.load(tmp_path / "out.pt", weights_only=True)
    original = zoo.load("dcgan-mnist")
    shipped, _ = read_weights(entry.weights.bundled_path())
    assert got["sd"].keys() == shipped.keys()
    assert all(torch.equal(got["sd"][k], shipped[k]) for k in shipped)
    assert torch.equal(got["s"], original.sample(16, seed=0))
    # offline, with the server gone from the endpoint: served from the cache
    offline = env_for(DEAD, home, offline=True)
    run_zoo(
        "sample", f"hf-hub:zoo-test/dcgan@{sha}", "-n", "4", "-o", tmp_path / "o.png", env=offline
    )


def test_revision_pinning(hub, tmp_path):
    first = push(hub, "dcgan-mnist", "zoo-test/pinned", home=tmp_path)
    second = push(hub, "wgan-gp-mnist", "zoo-test/pinned", home=tmp_path)
    assert first != second
    env = env_for(hub.read_endpoint, tmp_path / "cache")
    code = (
        "import zoo\n"
        f"print(zoo.load('hf-hub:zoo-test/pinned@{first}').architecture)\n"
        f"print(zoo.load('hf-hub:zoo-test/pinned@{second}').architecture)\n"
        "print(zoo.load('hf-hub:zoo-test/pinned').architecture)\n"
    )
    assert python(code, env).stdout.split() == ["dcgan", "wgan-gp", "wgan-gp"]


def test_push_to_a_branch_and_private_flag(hub, tmp_path):
    sha = push(
        hub, "vanilla-mnist", "zoo-test/branchy", "--revision", "v1", "--private", home=tmp_path
    )
    repo = hub.repo_path("zoo-test/branchy")
    assert (repo / ".git" / "hub-visibility").read_text() == "private"
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "v1"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert head == sha
    env = env_for(hub.read_endpoint, tmp_path / "cache")
    assert (
        "vanilla"
        in python(
            "import zoo; print(zoo.load('hf-hub:zoo-test/branchy@v1').architecture)", env
        ).stdout
    )


def test_push_a_run_folder_with_eval_metrics(hub, tmp_path):
    run = tmp_path / "run"
    run_zoo(
        "train",
        "vanilla",
        "--data",
        "mnist",
        "--out",
        run,
        "--steps",
        "2",
        "--batch-size",
        "8",
        "--set",
        "latent_dim=8",
        "--set",
        "g_hidden=(16,)",
        "--set",
        "d_hidden=(16,)",
        "--no-progress",
    )
    sha = push(hub, str(run), "zoo-test/run", "--eval", home=tmp_path)
    text = subprocess.run(
        ["git", "-C", str(hub.repo_path("zoo-test/run")), "show", f"{sha}:README.md"],
        capture_output=True,
        text=True,
    ).stdout
    card = ModelCard(text)
    assert set(card.data.model_metrics) == {
        "fid",
        "kid",
        "kid_std",
        "is",
        "is_std",
        "precision",
        "recall",
        "confidence",
        "classes_covered",
        "class_balance",
    }
    assert card.data.training_command.startswith("zoo train vanilla")
    assert re.search(r"\n\d+ s, 2 steps, cpu\.\n", card.text), card.text  # time, steps, device
    pushed = subprocess.run(
        ["git", "-C", str(hub.repo_path("zoo-test/run")), "show", f"{sha}:model.safetensors"],
        capture_output=True,
        check=True,
    ).stdout
    assert pushed == (run / "model.safetensors").read_bytes()  # uploaded byte for byte


def test_catalog_entry_downloads_at_its_pinned_revision_and_checks_sha256(hub, tmp_path):
    sha = push(hub, "dcgan-mnist", "zoo-test/catalogued", home=tmp_path)
    entry = yaml.safe_load((REPO / "registry.yaml").read_text())["models"]["dcgan-mnist"]
    weights = entry["weights"]
    del weights["bundled"]  # no shipped copy: only the Hub has it
    weights.update(repo_id="zoo-test/catalogued", revision=sha)
    good = catalog_plugin(tmp_path / "good", "hub-dcgan", entry)
    home = tmp_path / "cache"
    env = {**env_for(hub.read_endpoint, home), **good}
    run_zoo("pull", "hub-dcgan", env=env)
    run_zoo("sample", "hub-dcgan", "-n", "4", "-o", tmp_path / "a.png", env=env)
    offline = {**env_for(DEAD, home, offline=True), **good}
    run_zoo("sample", "hub-dcgan", "-n", "4", "-o", tmp_path / "b.png", env=offline)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    # a catalog sha256 that the served file does not match: error, nothing kept in the cache
    weights["sha256"] = "0" * 64
    bad = catalog_plugin(tmp_path / "bad", "hub-dcgan-bad", entry)
    home = tmp_path / "cache-bad"
    r = run_zoo(
        "pull", "hub-dcgan-bad", env={**env_for(hub.read_endpoint, home), **bad}, check=False
    )
    assert r.returncode == 2 and "sha256 mismatch" in r.stderr and "removed" in r.stderr
    kept = [
        p for p in home.rglob("*") if p.is_file() and ("blobs" in p.parts or "snapshots" in p.parts)
    ]
    assert kept == []


def test_offline_without_cache_and_server_down(hub, tmp_path):
    r = run_zoo(
        "pull", "hf-hub:zoo-test/dcgan", env=env_for(DEAD, tmp_path, offline=True), check=False
    )
    assert r.returncode == 2 and "not in the cache" in r.stderr and "HF_HUB_OFFLINE" in r.stderr
    r = run_zoo(
        "pull",
        "hf-hub:zoo-test/dcgan",
        env=env_for(DEAD, tmp_path, extra={"HF_HUB_ETAG_TIMEOUT": "2"}),
        check=False,
    )
    assert r.returncode == 2
    assert "cannot reach http://127.0.0.1:9" in r.stderr and "HF_HUB_OFFLINE=1" in r.stderr
    # a catalog model with shipped weights still loads offline
    run_zoo(
        "sample",
        "dcgan-mnist",
        "-n",
        "4",
        "-o",
        tmp_path / "x.png",
        env=env_for(DEAD, tmp_path, offline=True),
    )


def _upload(hub, repo_id: str, files: dict[str, bytes], home: Path) -> str:
    folder = home / repo_id.replace("/", "_")
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    code = (
        "from huggingface_hub import HfApi\n"
        f"api = HfApi()\napi.create_repo({repo_id!r}, exist_ok=True)\n"
        f"print(api.upload_folder(repo_id={repo_id!r}, folder_path={str(folder)!r}).oid)\n"
    )
    return python(code, env_for(hub.write_endpoint, home)).stdout.strip()


def test_bad_repos_give_clear_errors_and_leave_no_bad_file(hub, tmp_path):
    dcgan_dir = zoo.load("dcgan-mnist").save_pretrained(tmp_path / "d")
    vanilla_dir = zoo.load("vanilla-mnist").save_pretrained(tmp_path / "v")
    config = json.loads((dcgan_dir / "config.json").read_text())
    _upload(hub, "zoo-test/noconfig", {"a.txt": b"hello"}, tmp_path)
    _upload(
        hub,
        "zoo-test/unknown-arch",
        {
            "config.json": json.dumps(
                {**config, "architecture": "stylegan9", "plugin_package": "zoo-stylegan"}
            ).encode(),
            "model.safetensors": (dcgan_dir / "model.safetensors").read_bytes(),
        },
        tmp_path,
    )
    _upload(
        hub,
        "zoo-test/wrong-tensors",
        {
            "config.json": json.dumps({**config, "weights_sha256": None}).encode(),
            "model.safetensors": (vanilla_dir / "model.safetensors").read_bytes(),
        },
        tmp_path,
    )
    home = tmp_path / "cache"
    env = env_for(hub.read_endpoint, home)

    def fails(spec: str, *messages: str):
        r = run_zoo("sample", spec, "-n", "2", "-o", tmp_path / "x.png", env=env, check=False)
        assert r.returncode == 2, r.stdout
        for m in messages:
            assert m in r.stderr
        assert "Traceback" not in r.stderr

    fails("hf-hub:zoo-test/noconfig", "config.json of zoo-test/noconfig@main not found")
    fails("hf-hub:zoo-test/unknown-arch", "'stylegan9'", "pip install zoo-stylegan")
    fails("hf-hub:zoo-test/wrong-tensors", "does not match its config.json")
    push(hub, "dcgan-mnist", "zoo-test/revs", home=tmp_path)
    fails("hf-hub:zoo-test/revs@no-such-branch", "no-such-branch", "not found")
    fails("hf-hub:zoo-test/does-not-exist", "not found")
    cached = [p for p in home.rglob("model.safetensors")]
    assert [p for p in cached if "wrong-tensors" in str(p)] == []


def test_a_conditional_model_round_trips_with_its_classes(hub, tmp_path):
    sha = push(hub, "cgan-mnist", "zoo-test/cgan", home=tmp_path / "pusher")
    repo = hub.repo_path("zoo-test/cgan")

    def show(name: str) -> str:
        return subprocess.run(
            ["git", "-C", str(repo), "show", f"{sha}:{name}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    card = ModelCard(show("README.md"))
    assert "conditional" in card.data.tags and "`7`" in card.text  # the classes, listed
    config = json.loads(show("config.json"))
    assert config["config"]["class_names"] == [str(d) for d in range(10)]
    env = env_for(hub.read_endpoint, tmp_path / "fresh")
    code = (
        "import zoo, torch\n"
        f"m = zoo.load('hf-hub:zoo-test/cgan@{sha}')\n"
        "torch.save({'names': list(m.class_names), 's': m.sample(8, labels='7', seed=0)}, "
        f"{str(tmp_path / 'out.pt')!r})\n"
    )
    python(code, env)
    got = torch.load(tmp_path / "out.pt", weights_only=True)
    local = zoo.load("cgan-mnist")
    assert got["names"] == list(local.class_names)
    assert torch.equal(got["s"], local.sample(8, labels=7, seed=0))


@pytest.mark.parametrize(
    "name, tag, picture",
    [
        ("srresnet-photos-x4", "image-to-image", "upscaled.png"),
        ("pix2pix-emoji-seg", "image-segmentation", "segmented.png"),
        ("pix2pix-inpaint-photos", "image-to-image", "inpainted.png"),
    ],
)
def test_photo_models_round_trip_with_their_task(hub, tmp_path, name, tag, picture):
    repo_id = f"zoo-test/{name}"
    sha = push(hub, name, repo_id, home=tmp_path / "pusher")
    repo = hub.repo_path(repo_id)
    files = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "--name-only", sha],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert picture in files  # the card's picture: held-out photographs or scenes
    card = ModelCard(
        subprocess.run(
            ["git", "-C", str(repo), "show", f"{sha}:README.md"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert card.data.pipeline_tag == tag
    if name == "pix2pix-emoji-seg":  # Twemoji's licence asks for credit wherever it is used
        assert "Twemoji by Twitter, Inc and other contributors (CC-BY 4.0" in card.text
    x = torch.rand(1, 3, 37, 29, generator=torch.Generator().manual_seed(0))
    torch.save(x, tmp_path / "x.pt")
    method = zoo.load(name).task.inference_method
    hole = ", x[0, 0] > 0.7" if method == "inpaint" else ""  # inpainters: a mask too
    code = (
        "import zoo, torch\n"
        f"m = zoo.load('hf-hub:{repo_id}@{sha}')\n"
        f"x = torch.load({str(tmp_path / 'x.pt')!r})\n"
        f"torch.save(m.{method}(x{hole}, fast=False), {str(tmp_path / 'out.pt')!r})\n"
    )
    python(code, env_for(hub.read_endpoint, tmp_path / "fresh"))
    got = torch.load(tmp_path / "out.pt", weights_only=True)
    local = zoo.load(name)
    args = (x, x[0, 0] > 0.7) if method == "inpaint" else (x,)
    assert torch.equal(got, getattr(local, method)(*args, fast=False))


def test_a_bridged_restoration_network_round_trips(hub, tmp_path):
    """A network imported through spandrel (Real-ESRGAN's SRVGGNetCompact, written by its
    reference code), pushed from its folder: a fresh cache rebuilds it from the config on the
    Hub and upscales as the folder does."""
    pytest.importorskip("spandrel", reason='pip install "gan-zoo[restore]"')
    from .conftest import zoo_main

    folder = tmp_path / "compact"
    pth = REPO / "tests" / "fixtures" / "reference" / "realesrgan_compact.pth"
    zoo_main("import-checkpoint", pth, "-o", folder, "--license", "BSD-3-Clause")
    sha = push(hub, str(folder), "zoo-test/compact", home=tmp_path / "pusher")
    x = torch.rand(1, 3, 21, 18, generator=torch.Generator().manual_seed(0))
    torch.save(x, tmp_path / "x.pt")
    code = (
        "import zoo, torch\n"
        f"m = zoo.load('hf-hub:zoo-test/compact@{sha}')\n"
        "assert (m.architecture, m.config.network) == ('spandrel', 'Compact')\n"
        f"x = torch.load({str(tmp_path / 'x.pt')!r})\n"
        f"torch.save(m.upscale(x, fast=False), {str(tmp_path / 'out.pt')!r})\n"
    )
    python(code, env_for(hub.read_endpoint, tmp_path / "fresh"))
    got = torch.load(tmp_path / "out.pt", weights_only=True)
    assert torch.equal(got, zoo.load(folder).upscale(x, fast=False))


def test_an_imported_stylegan_round_trips_with_its_licence(hub, tmp_path):
    """A StyleGAN2-ADA snapshot imported under NVIDIA's licence, pushed from its folder: the
    card keeps the licence (the folder's config.json records it), and a fresh cache loads
    the model from the Hub drawing what the folder draws, psi and style mixing included."""
    from .conftest import zoo_main

    folder = tmp_path / "sg2"
    pickle = REPO / "tests" / "fixtures" / "reference" / "stylegan2_cond.pkl"
    zoo_main("import-checkpoint", pickle, "-o", folder, "--license", "NVIDIA-SCL-NC")
    sha = push(hub, str(folder), "zoo-test/sg2", home=tmp_path / "pusher")
    readme = subprocess.run(
        ["git", "-C", str(hub.repo_path("zoo-test/sg2")), "show", f"{sha}:README.md"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    card = ModelCard(readme)
    assert (card.data.license, card.data.license_name) == ("other", "nvidia-scl-nc")
    assert "## Licence\n\nNVIDIA-SCL-NC" in card.text
    code = (
        "import zoo, torch\n"
        f"m = zoo.load('hf-hub:zoo-test/sg2@{sha}')\n"
        "s = m.sample(4, labels=[0, 1, 2, 3], seed=0, truncation=0.7, mix=torch.ones(1, 6), "
        "fast=False)\n"
        f"torch.save(s, {str(tmp_path / 'out.pt')!r})\n"
    )
    python(code, env_for(hub.read_endpoint, tmp_path / "fresh"))
    local = zoo.load(folder).sample(
        4, labels=[0, 1, 2, 3], seed=0, truncation=0.7, mix=torch.ones(1, 6), fast=False
    )
    assert torch.equal(torch.load(tmp_path / "out.pt", weights_only=True), local)


def test_model_card_is_hub_native_and_round_trips(hub, tmp_path):
    """The card of a catalog model, downloaded from the loopback Hub by huggingface_hub's own
    ModelCard.load: library, pipeline tag, licence, data and a model-index whose every
    result carries the metric, its value and the evaluation protocol."""
    name = "cgan-mnist"
    sha = push(hub, name, "zoo-test/card", home=tmp_path / "pusher")
    code = (
        "import json\n"
        "from huggingface_hub import ModelCard, ModelCardData, hf_hub_download\n"
        f"path = hf_hub_download('zoo-test/card', 'README.md', revision='{sha}')\n"
        "card = ModelCard.load(path)  # strict: bad metadata raises\n"
        "again = ModelCardData(**card.data.to_dict())  # parses model-index again; raises if bad\n"
        "assert again.to_dict() == card.data.to_dict()\n"
        "print(json.dumps({'data': card.data.to_dict(), 'text': card.text,\n"
        "    'results': [vars(r) for r in card.data.eval_results]}))\n"
    )
    out = json.loads(python(code, env_for(hub.read_endpoint, tmp_path / "reader")).stdout)
    data, text, results = out["data"], out["text"], out["results"]
    entry = load_catalog()[name]
    assert data["library_name"] == "gan-zoo" and data["license"] == "mit"
    assert data["pipeline_tag"] == "unconditional-image-generation"
    assert {"gan", "cgan", "conditional"} <= set(data["tags"])
    assert data["datasets"] == [entry.dataset] and data["model-index"][0]["name"] == name
    assert {r["metric_type"]: r["metric_value"] for r in results} == entry.metrics
    for r in results:
        assert r["task_type"] == "unconditional-image-generation"
        assert r["task_name"] == "conditional"
        assert r["dataset_type"] == "mnist" and r["dataset_split"] == "test"
        assert r["metric_args"] == {"samples": 1000, "seed": 0, "extractor": "mnist"}
    for section in ("## Intended use and limitations", "## Training data", "## Training"):
        assert section in text
    assert "![conditional](samples.png)" in text or "](sample" in text
    assert entry.training["command"] in text and "CC-BY-SA 3.0 (MNIST)" in text
    assert f"{entry.training['time_s'] / 60:.0f} min" in text


def test_push_catalog_pins_every_model_to_its_commit_and_a_fresh_cache_pulls_them(hub, tmp_path):
    """`zoo push --catalog --org ORG` publishes every shipped model and rewrites its
    registry with the commits; a fresh cache then downloads each model at that commit
    through the Hub's read side, its sha256 checked against the catalog's."""
    from zoo.models._catalog import parse_catalog

    registry = tmp_path / "registry.yaml"
    original = (REPO / "registry.yaml").read_text()
    registry.write_text(original)
    env = env_for(hub.write_endpoint, tmp_path / "home")
    out = run_zoo("push", "--catalog", "--org", "zoo-cat", "--registry", registry, env=env).stdout
    before = parse_catalog(original, "original")
    after = parse_catalog(registry.read_text(), str(registry))
    assert set(after) == set(before) and len(after) >= 13
    foreign = {name for name, entry in before.items() if entry.weights.foreign}
    assert foreign  # the released StyleGAN and R3GAN weights: theirs to publish, untouched
    for name in foreign:
        assert dataclasses.replace(after[name], source="original") == before[name]
        assert f"{name}:" not in out
    after = {name: entry for name, entry in after.items() if name not in foreign}
    for name, entry in after.items():
        w = entry.weights
        assert w.repo_id == f"zoo-cat/{name}" and re.fullmatch("[0-9a-f]{40}", w.revision)
        assert f"{name}: zoo-cat/{name}@{w.revision}" in out
        assert dataclasses.replace(w, repo_id=None, revision=None) == before[name].weights
        assert dataclasses.replace(entry, weights=w, source="original") == dataclasses.replace(
            before[name], weights=w
        )  # nothing but the pins changed
    pinned = {name: dataclasses.asdict(e.weights) for name, e in after.items()}
    code = (
        "import json, sys\n"
        "from zoo.models._download import download\n"
        "from zoo.models._weights import sha256_file\n"
        f"for name, w in json.loads({json.dumps(json.dumps(pinned))}).items():\n"
        "    path = download(w['repo_id'], w['filename'], w['revision'], w['sha256'])\n"
        "    assert sha256_file(path) == w['sha256'], name\n"
        "    print(name, path)\n"
    )
    fresh = tmp_path / "fresh"
    got = python(code, env_for(hub.read_endpoint, fresh)).stdout.split("\n")
    assert sorted(line.split()[0] for line in got if line) == sorted(after)
    assert all(str(fresh) in line for line in got if line)  # from the Hub, not the package


def test_push_to_an_unreachable_hub_is_one_error_line(tmp_path):
    r = run_zoo(
        "push", "dcgan-mnist", "--repo", "zoo-test/x", env=env_for(DEAD, tmp_path), check=False
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"pushing to zoo-test/x on {DEAD} failed" in r.stderr

"""Discovery through real entry points: distributions on sys.path with their own metadata."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import zoo
from zoo.models._registry import discover
from zoo.models.base import GAN

from .conftest import run_zoo


def make_distribution(
    root: Path, name: str, entry_points: dict[str, str], module: str = "", module_name: str = ""
) -> None:
    """Lay out an installed distribution (dist-info + module) as pip would, under ``root``."""
    info = root / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    lines = ["[zoo.architectures]"] + [f"{k} = {v}" for k, v in entry_points.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    if module_name:
        (root / f"{module_name}.py").write_text(module)


def env_with(path: Path) -> dict:
    return {"PYTHONPATH": os.pathsep.join([str(path), os.environ.get("PYTHONPATH", "")])}


def test_builtins_are_discovered_as_entry_points():
    infos = discover()
    for name in ("vanilla", "dcgan", "wgan-gp"):
        assert infos[name].ok and issubclass(infos[name].cls, GAN)
        assert infos[name].distribution.startswith("gan-zoo")
        assert infos[name].cls.architecture == name
    assert set(zoo.list_architectures()) >= {"vanilla", "dcgan", "wgan-gp"}


def test_unknown_architecture_suggests_closest():
    try:
        zoo.create("dcgn")
    except zoo.UnknownNameError as err:
        assert "Did you mean 'dcgan'" in str(err)
    else:
        raise AssertionError("no error")


@pytest.mark.slow  # real subprocesses with plugin distributions on PYTHONPATH
def test_broken_plugin_is_listed_with_its_error_and_others_still_work(tmp_path):
    make_distribution(
        tmp_path,
        "zoo-broken",
        {"broken-gan": "broken_gan:BrokenGAN"},
        "import not_a_real_module_xyz\n",
        "broken_gan",
    )
    make_distribution(
        tmp_path, "zoo-notgan", {"not-a-gan": "notgan:Thing"}, "class Thing: pass\n", "notgan"
    )
    r = run_zoo("list", "--architectures", "--json", env=env_with(tmp_path))
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert rows["broken-gan"]["status"] == "broken"
    assert "No module named 'not_a_real_module_xyz'" in rows["broken-gan"]["error"]
    assert rows["broken-gan"]["distribution"] == "zoo-broken 1.0"
    assert (
        rows["not-a-gan"]["status"] == "broken" and "not a subclass" in rows["not-a-gan"]["error"]
    )
    assert rows["dcgan"]["status"] == "ok"
    # the healthy ones still work in the same environment
    r = run_zoo("info", "dcgan", "--json", env=env_with(tmp_path))
    assert json.loads(r.stdout)["architecture"] == "dcgan"
    r = run_zoo("info", "broken-gan", env=env_with(tmp_path), check=False)
    assert r.returncode == 2 and "installed but broken" in r.stderr


@pytest.mark.slow  # real subprocesses with plugin distributions on PYTHONPATH
def test_a_contested_name_is_refused_and_everything_else_keeps_working(tmp_path):
    make_distribution(tmp_path, "zoo-impostor", {"dcgan": "impostor:DCGAN"}, "", "impostor")
    env = env_with(tmp_path)
    r = run_zoo("list", "--architectures", "--json", env=env)
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert rows["dcgan"]["status"] == "conflict"
    assert "'dcgan' is claimed by" in rows["dcgan"]["error"]
    assert (
        "gan-zoo 0.1.0" in rows["dcgan"]["error"] and "zoo-impostor 1.0" in rows["dcgan"]["error"]
    )
    assert rows["vanilla"]["status"] == "ok" and rows["pix2pix"]["status"] == "ok"
    assert (
        "qualified name" in rows["dcgan"]["error"]
        and "zoo-impostor:dcgan" in rows["dcgan"]["error"]
    )
    r = run_zoo("sample", "dcgan-mnist", "-o", tmp_path / "d.png", env=env, check=False)
    assert r.returncode == 2 and "claimed by" in r.stderr and "Traceback" not in r.stderr
    run_zoo("sample", "vanilla-mnist", "-n", "4", "-o", tmp_path / "v.png", env=env)
    code = (
        "import zoo; print(type(zoo.create('vanilla')).__name__)\n"
        "m = zoo.create('gan-zoo:dcgan', image_size=28, g_width=4, d_width=4)\n"
        "print(type(m).__name__, m.architecture)\n"  # the qualified name picks the built-in
        "m.save_pretrained('qualified')\n"
        "print(zoo.load('qualified').architecture)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        text=True,
        capture_output=True,
        check=True,
        cwd=tmp_path,  # it writes the folder 'qualified'
    )
    assert r.stdout.split("\n")[:3] == ["VanillaGAN", "DCGAN gan-zoo:dcgan", "gan-zoo:dcgan"]


def test_plugins_that_break_the_contract_are_reported_at_discovery(tmp_path):
    head = (
        "import dataclasses, zoo\n@dataclasses.dataclass(frozen=True)\nclass Cfg(zoo.ArchConfig):\n"
    )
    bad_default = head + (
        "    size: int = zoo.choice(30, (28, 32))\n"
        "class Bad(zoo.UnconditionalGAN):\n    Config = Cfg\n"
    )
    string_task = head + (
        "    size: int = 28\nclass Cond(zoo.GAN):\n    Config = Cfg\n    task = 'conditional'\n"
    )
    make_distribution(
        tmp_path, "zoo-bad", {"bad-default": "bad_default:Bad"}, bad_default, "bad_default"
    )
    make_distribution(tmp_path / "b", "zoo-cond", {"cond": "cond:Cond"}, string_task, "cond")
    env = {
        "PYTHONPATH": os.pathsep.join(
            [str(tmp_path), str(tmp_path / "b"), os.environ.get("PYTHONPATH", "")]
        )
    }
    rows = {
        r["name"]: r
        for r in json.loads(run_zoo("list", "--architectures", "--json", env=env).stdout)
    }
    assert rows["bad-default"]["status"] == "broken"
    assert "size=30 is not valid" in rows["bad-default"]["error"]
    assert rows["cond"]["status"] == "broken" and "not a zoo.tasks.Task" in rows["cond"]["error"]
    assert "unconditional, conditional, image-to-image" in rows["cond"]["error"]


@pytest.mark.slow  # real subprocesses with plugin distributions on PYTHONPATH
def test_a_users_own_plugins_package_shadows_nothing(tmp_path):
    """A folder with its own plugins/ package next to the user's script (very common)."""
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "__init__.py").write_text("raise ImportError('my own plugins')\n")
    (tmp_path / "plugins" / "dcgan.py").write_text("x = 1\n")
    code = (
        "import zoo\n"
        "print(len(zoo.list_models()), len(zoo.list_architectures()))\n"
        "m = zoo.load('dcgan-mnist')\n"
        "m.save_pretrained('saved')\n"
        "print(zoo.load('saved').sample(2, seed=0).shape)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    models, architectures = map(int, r.stdout.split("\n")[0].split())
    assert models >= 5 and architectures >= 5
    assert "torch.Size([2, 1, 28, 28])" in r.stdout
    r = run_zoo("sample", "dcgan-mnist", "-n", "4", "-o", "s.png", cwd=tmp_path)
    assert (tmp_path / "s.png").is_file()


@pytest.mark.slow  # real subprocesses with plugin distributions on PYTHONPATH
def test_third_party_architecture_is_trainable_by_name(tmp_path):
    """A distribution declaring only an entry point appears, trains and samples."""
    module = (
        "import dataclasses, torch, zoo\n"
        "from zoo.nn import conv_generator, conv_discriminator\n"
        "from zoo.losses import nonsaturating_d_loss, nonsaturating_g_loss\n"
        "@dataclasses.dataclass(frozen=True)\n"
        "class Cfg(zoo.ArchConfig):\n"
        "    image_size: int = zoo.choice(28, (28,))\n"
        "    channels: int = 1\n"
        "    latent_dim: int = 8\n"
        "class TinyGAN(zoo.UnconditionalGAN):\n"
        "    Config = Cfg\n"
        "    def __init__(self, config=None, **kw):\n"
        "        super().__init__(config, **kw)\n"
        "        self.generator = conv_generator(8, 28, 1, 4)\n"
        "        self.discriminator = conv_discriminator(28, 1, 4, 'batch')\n"
        "    def optimizers(self):\n"
        "        return {n: zoo.OptimizerSpec((n,)) for n in ('generator', 'discriminator')}\n"
        "    def discriminator_loss(self, real):\n"
        "        fake = self.generator(self.latent(len(real))).detach()\n"
        "        return zoo.LossOutput(nonsaturating_d_loss(self.discriminator(real),"
        " self.discriminator(fake)))\n"
        "    def generator_loss(self, real):\n"
        "        fake = self.generator(self.latent(len(real)))\n"
        "        return zoo.LossOutput(nonsaturating_g_loss(self.discriminator(fake)))\n"
    )
    make_distribution(tmp_path, "zoo-tiny", {"tiny": "tinygan:TinyGAN"}, module, "tinygan")
    env = env_with(tmp_path)
    rows = json.loads(run_zoo("list", "--architectures", "--json", env=env).stdout)
    assert {"name": "tiny", "status": "ok"}.items() <= next(
        r for r in rows if r["name"] == "tiny"
    ).items()
    run_zoo(
        "train",
        "tiny",
        "--data",
        "mnist",
        "--out",
        tmp_path / "run",
        "--steps",
        "3",
        "--batch-size",
        "8",
        "--no-progress",
        env=env,
    )
    run_zoo("sample", tmp_path / "run", "-n", "4", "-o", tmp_path / "s.png", env=env)
    assert (tmp_path / "s.png").stat().st_size > 0


def test_an_architecture_registers_in_the_running_process():
    """No package needed: a subclass of a built-in, registered by decorator, is created by
    name, round-tripped through a weights file and named in its config errors;
    names that are taken and classes that break the contract are refused by name."""
    import torch

    from zoo.models import _registry
    from zoo_builtin.dcgan import DCGAN

    try:

        @zoo.register_architecture(name="notebook-lsgan")
        class LSGAN(DCGAN):
            def generator_loss(self, real: torch.Tensor) -> zoo.LossOutput:
                fake = self.generator(self.latent(real.shape[0]))
                return zoo.LossOutput(0.5 * ((self.discriminator(fake) - 1) ** 2).mean())

        assert "notebook-lsgan" in zoo.list_architectures()
        small = {"image_size": 28, "channels": 1, "latent_dim": 8, "g_width": 4, "d_width": 4}
        model = zoo.create("notebook-lsgan", **small)
        assert type(model) is LSGAN and model.architecture == "notebook-lsgan"
        assert DCGAN.architecture == "dcgan"  # the parent keeps its name and config
        with pytest.raises(zoo.ConfigError, match="^notebook-lsgan config: image_size=30"):
            zoo.create("notebook-lsgan", image_size=30)
        with pytest.raises(zoo.ConfigError, match="^dcgan config: image_size=30"):
            zoo.create("dcgan", image_size=30)
        path = model.save_pretrained(Path(__import__("tempfile").mkdtemp()) / "m")
        assert type(zoo.load(path)) is LSGAN
        with pytest.raises(zoo.PluginError, match="'dcgan' is installed by gan-zoo"):
            zoo.register_architecture(LSGAN, name="dcgan")
        with pytest.raises(zoo.PluginError, match="registered to .*LSGAN"):
            zoo.register_architecture(DCGAN, name="notebook-lsgan")
        with pytest.raises(zoo.PluginError, match="cannot be registered: .*not a subclass"):
            zoo.register_architecture(dict, name="not-a-gan")  # type: ignore[arg-type]
        with pytest.raises(zoo.PluginError, match="'Bad Name': use lowercase"):
            zoo.register_architecture(LSGAN, name="Bad Name")
    finally:
        _registry._REGISTERED.pop("notebook-lsgan", None)
        _registry._info.cache_clear()


def test_weights_name_the_plugin_to_install_when_it_is_missing(tmp_path):
    """Weights files and run.json record the distribution that provides the architecture;
    loading weights whose plugin is gone names the `pip install` that brings it back."""
    from zoo.models._weights import read_weights, save_weights

    small = {"image_size": 28, "channels": 1, "latent_dim": 8, "g_width": 4, "d_width": 4}
    saved = zoo.create("dcgan", **small).save_pretrained(tmp_path / "m") / "model.safetensors"
    tensors, meta = read_weights(saved)
    assert meta["plugin"] == f"gan-zoo=={zoo.__version__}"
    config = json.loads(meta["config"])
    save_weights(
        tmp_path / "gone.safetensors", tensors, "gone-gan", config, {"plugin": "zoo-gone==1.0"}
    )
    with pytest.raises(
        zoo.PluginError,
        match="an architecture of zoo-gone==1.0, which is not "
        "installed: pip install 'zoo-gone==1.0'",
    ):
        zoo.load(tmp_path / "gone.safetensors")
    save_weights(tmp_path / "anon.safetensors", tensors, "gone-gan", config)
    with pytest.raises(zoo.UnknownNameError):  # no record: the plain unknown-name error
        zoo.load(tmp_path / "anon.safetensors")

"""Discovery through real entry points: distributions on sys.path with their own metadata."""

import json
import os
from pathlib import Path

import zoo
from zoo.model import GAN
from zoo.registry import discover


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


def test_broken_plugin_is_listed_with_its_error_and_others_still_work(tmp_path, zoo_cli):
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
    r = zoo_cli("list", "--architectures", "--json", env=env_with(tmp_path))
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert rows["broken-gan"]["status"] == "broken"
    assert "No module named 'not_a_real_module_xyz'" in rows["broken-gan"]["error"]
    assert rows["broken-gan"]["distribution"] == "zoo-broken 1.0"
    assert (
        rows["not-a-gan"]["status"] == "broken" and "not a subclass" in rows["not-a-gan"]["error"]
    )
    assert rows["dcgan"]["status"] == "ok"
    # the healthy ones still work in the same environment
    r = zoo_cli("info", "dcgan", "--json", env=env_with(tmp_path))
    assert json.loads(r.stdout)["architecture"] == "dcgan"
    r = zoo_cli("info", "broken-gan", env=env_with(tmp_path), check=False)
    assert r.returncode == 2 and "installed but broken" in r.stderr


def test_two_plugins_claiming_one_name_is_an_error_naming_both(tmp_path, zoo_cli):
    make_distribution(tmp_path, "zoo-impostor", {"dcgan": "impostor:DCGAN"}, "", "impostor")
    r = zoo_cli("list", "--architectures", env=env_with(tmp_path), check=False)
    assert r.returncode == 2
    assert "'dcgan' is claimed by two plugins" in r.stderr
    assert "gan-zoo 0.1.0" in r.stderr and "zoo-impostor 1.0" in r.stderr


def test_third_party_architecture_is_trainable_by_name(tmp_path, zoo_cli):
    """A distribution declaring only an entry point appears, trains and samples."""
    module = (
        "import dataclasses, torch, zoo\n"
        "from zoo.layers import conv_generator, conv_discriminator\n"
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
    rows = json.loads(zoo_cli("list", "--architectures", "--json", env=env).stdout)
    assert {"name": "tiny", "status": "ok"}.items() <= next(
        r for r in rows if r["name"] == "tiny"
    ).items()
    zoo_cli(
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
    zoo_cli("sample", tmp_path / "run", "-n", "4", "-o", tmp_path / "s.png", env=env)
    assert (tmp_path / "s.png").stat().st_size > 0

"""The real `zoo` command in subprocesses."""

import json

import pytest
from PIL import Image

SUBCOMMANDS = ["list", "info", "sample", "train", "eval", "pull", "push", "new-plugin"]


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_help_explains_each_command(zoo_cli, command):
    r = zoo_cli(command, "--help")
    assert r.stdout.startswith("usage: zoo " + command)
    assert len(r.stdout.splitlines()) > 5


def test_top_level_help_lists_commands(zoo_cli):
    out = zoo_cli("--help").stdout
    for command in SUBCOMMANDS:
        assert command in out


def test_list_table_and_json(zoo_cli):
    table = zoo_cli("list").stdout.splitlines()
    assert table[0].split()[:5] == ["NAME", "ARCHITECTURE", "WEIGHTS", "LICENSE", "DATASET"]
    rows = {line.split()[0]: line.split() for line in table[1:]}
    assert {"vanilla-mnist", "dcgan-mnist", "wgan-gp-mnist"} <= set(rows)
    # trained here: shipped, MIT; the authors' R3GAN weights: their Hub repo, converted
    assert rows["dcgan-mnist"][2:4] == ["bundled", "MIT"]
    assert rows["r3gan-cifar10"][2:6] == ["hub", "+", "network-pickle", "unstated"]
    rows = json.loads(zoo_cli("list", "--json").stdout)
    dcgan = next(r for r in rows if r["name"] == "dcgan-mnist")
    assert dcgan["architecture"] == "dcgan" and dcgan["metrics"]["classes_covered"] == 10
    assert dcgan["weights"] == ["bundled (zoo_builtin.dcgan:weights/dcgan-mnist.safetensors)"]
    archs = zoo_cli("list", "--architectures").stdout
    assert "wgan-gp" in archs and "ok" in archs


def test_info_on_model_and_architecture(zoo_cli):
    out = zoo_cli("info", "dcgan-mnist").stdout
    assert "sha256:" in out and "zoo train dcgan" in out and "fid" in out
    assert "from:         bundled (zoo_builtin.dcgan:weights/" in out
    assert "not published on the Hub" in out and "revision" not in out
    info = json.loads(zoo_cli("info", "wgan-gp", "--json").stdout)
    fields = {row["name"]: row for row in info["config"]}
    assert fields["critic_norm"]["rule"] == "one of none, layer"
    assert fields["n_critic"]["default"] == 5


def test_unknown_names_suggest_the_closest(zoo_cli, tmp_path):
    r = zoo_cli("sample", "dcgan-mnst", "-o", tmp_path / "x.png", check=False)
    assert r.returncode == 2
    assert "unknown model 'dcgan-mnst'. Did you mean 'dcgan-mnist'" in r.stderr
    assert "Traceback" not in r.stderr
    r = zoo_cli("info", "wgan", check=False)
    assert r.returncode == 2 and "wgan-gp" in r.stderr
    r = zoo_cli("train", "dcgam", "--data", "mnist", "--out", tmp_path / "r", check=False)
    assert r.returncode == 2 and "Did you mean 'dcgan'" in r.stderr


def test_sample_writes_a_deterministic_png_grid(zoo_cli, tmp_path):
    a, b, c = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.png"
    zoo_cli("sample", "dcgan-mnist", "-n", "16", "--seed", "0", "-o", a)
    zoo_cli("sample", "dcgan-mnist", "-n", "16", "--seed", "0", "-o", b)
    zoo_cli("sample", "dcgan-mnist", "-n", "16", "--seed", "1", "-o", c)
    img = Image.open(a)
    assert img.size == (4 * 30 + 2, 4 * 30 + 2) and img.mode == "L"  # 4x4 grid, 2px padding
    assert a.read_bytes() == b.read_bytes() and a.read_bytes() != c.read_bytes()


def test_sample_rejects_bad_output_and_count(zoo_cli, tmp_path):
    r = zoo_cli("sample", "dcgan-mnist", "-o", tmp_path / "x.txt", check=False)
    assert r.returncode != 0 and ".png" in r.stderr
    r = zoo_cli("sample", "dcgan-mnist", "-n", "0", "-o", tmp_path / "x.png", check=False)
    assert r.returncode != 0 and "0 is not a positive integer" in r.stderr


def test_train_then_sample_and_eval_the_run(zoo_cli, tmp_path):
    run = tmp_path / "run"
    zoo_cli(
        "train",
        "dcgan",
        "--data",
        "mnist",
        "--out",
        run,
        "--steps",
        "3",
        "--batch-size",
        "8",
        "--set",
        "image_size=28",
        "--set",
        "channels=1",
        "--set",
        "g_width=8",
        "--set",
        "d_width=8",
        "--no-progress",
    )
    info = json.loads((run / "run.json").read_text())
    assert info["command"].startswith("zoo train dcgan --data mnist")
    zoo_cli("sample", run, "-n", "4", "-o", tmp_path / "s.png")
    result = json.loads(zoo_cli("eval", run, "--samples", "50", "--json").stdout)
    assert result["samples"] == 50 and sum(result["class_histogram"]) == 50
    assert "catalog" not in result


def test_set_values_parse_as_literals_and_booleans():
    from zoo.cli._util import assignment

    items = ["a=1", "b=0.5", "c=(64,128)", "d=unet_32", "e=false", "f=True", " g = 2 "]
    values = dict(assignment(item) for item in items)
    assert values == {
        "a": 1,
        "b": 0.5,
        "c": (64, 128),
        "d": "unet_32",
        "e": False,
        "f": True,
        "g": 2,
    }

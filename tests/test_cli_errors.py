"""Every command, walked with bad values: a user's mistake ends in a `zoo: error:` line naming
the bad value and exit status 2, never a Python traceback: in-process in the fast tier, in
real subprocesses in the slow one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import run_zoo, zoo_main

FIXTURE = "tests/fixtures/reference/pix2pix_unet256_latest_net_G.pth"

#: (arguments, text the error must contain)
BAD = [
    (["sample", "dcgan-mnist", "-n", "0"], "0 is not a positive integer"),
    (["sample", "dcgan-mnist", "-n", "-3"], "-3 is not a positive integer"),
    (["sample", "dcgan-mnist", "-n", "many"], "'many' is not a positive integer"),
    (["sample", "dcgan-mnist", "--seed", "-1"], "-1 is not an integer >= 0"),
    (["sample", "dcgan-mnist", "-o", "grid.txt"], "'grid.txt': give an image path"),
    (["sample", "dcgan-mnist", "--nrow", "0"], "0 is not a positive integer"),
    (["sample", "dcgan-mnist", "--device", "gpu0"], "'gpu0' is not a torch device"),
    (["sample", "dcgan-mnst"], "Did you mean 'dcgan-mnist'"),
    (["sample", "pix2pix-mnist-repair"], "use `zoo translate`"),
    (["sample", "no/such/folder/model.safetensors"], "weights file not found"),
    (["sample", "dcgan-mnist", "--class", "3"], "is not class-conditional"),
    (["sample", "dcgan-mnist", "--grid", "classes"], "is not class-conditional"),
    (["sample", "dcgan-mnist", "--truncation", "0"], "0.0 is not a positive number"),
    # resource probes: each was a hang or an allocation traceback
    (["sample", "dcgan-mnist", "--truncation", "1e-30"], "1e-30 is below 0.05"),
    (["sample", "dcgan-mnist", "-n", "100000000"], "100000000 is more than 4,096"),
    (["sample", "dcgan-mnist", "--seed", str(2**64)], "is more than 18,446,744,073,709,551,615"),
    (["interpolate", "dcgan-mnist", "--rows", "100000000"], "is more than 2,048"),
    (["interpolate", "dcgan-mnist", "--rows", "64", "--steps", "100"], "6,400 images; at most"),
    (["interpolate", "dcgan-mnist", "--ms", "100000000000"], "is more than 60,000"),
    (["interpolate", "dcgan-mnist", "--truncation", "0.001"], "0.001 is below 0.05"),
    (["sample", "cgan-mnist", "--class", "12"], "label 12 is out of range; valid: 0..9"),
    (["sample", "cgan-mnist", "--class", "horse"], "unknown class 'horse'"),
    (["sample", "cgan-mnist", "--class", "1", "--class", "2", "-n", "1"], "fewer than the 2"),
    (["interpolate", "dcgan-mnist", "--steps", "1"], "at least 2 steps"),
    (["interpolate", "dcgan-mnist", "-o", "walk.txt"], "give a path ending in .gif"),
    (["interpolate", "dcgan-mnist", "--class", "3"], "is not class-conditional"),
    (["interpolate", "pix2pix-mnist-repair"], "use `zoo translate`"),
    (["translate", "pix2pix-mnist-repair", "missing.png", "-o", "o.png"], "does not exist"),
    (["translate", "dcgan-mnist", "notes.txt", "-o", "o.png"], "use `zoo sample`"),
    (["translate", "pix2pix-mnist-repair", "notes.txt", "-o", "out"], "give an image path"),
    (["upscale", "srgan-photos-x4", "notes.txt", "-o", "o.png"], "cannot read image notes.txt"),
    (["upscale", "srgan-photos-x4", "notes.txt", "-o", "o.png", "--tile", "0"], "0 is not a"),
    (["upscale", "pix2pix-mnist-repair", "notes.txt", "-o", "o.png"], "use `zoo translate`"),
    (["segment", "pix2pix-emoji-seg", "notes.txt", "-o", "out"], "give an image path"),
    (["segment", "srgan-photos-x4", "notes.txt", "-o", "m.png"], "use `zoo upscale`"),
    (["inpaint", "srgan-photos-x4", "notes.txt", "--random-mask", "0", "-o", "m.png"], "upscale`"),
    (["inpaint", "srgan-photos-x4", "notes.txt", "--random-mask", "-2", "-o", "m.png"], "-2 is"),
    (["inpaint", "srgan-photos-x4", "notes.txt", "--mask", "nope.png", "-o", "m.png"], "nope.png"),
    (["restore", "srgan-photos-x4", "notes.txt", "-o", "f.png"], "use `zoo upscale`"),
    (["restore", "srgan-photos-x4", "notes.txt", "--compare", "-1", "-o", "f.png"], "-1 is"),
    (["train", "pix2pix-seg", "--data", "emoji-scenes:all", "--out", "r"], "train and test"),
    (["train", "srgan", "--data", "photos", "--out", "r", "--set", "image_size=30"], "scale 4"),
    (["train", "dcgan", "--data", "mnist", "--out", "r", "--steps", "0"], "0 is not a positive"),
    (["train", "dcgan", "--data", "mnist", "--out", "r", "--batch-size", "x"], "'x' is not a"),
    (["train", "dcgan", "--data", "mnist", "--out", "r", "--precision", "fp8"], "invalid choice"),
    (["train", "dcgan", "--data", "mnist", "--out", "r", "--lr", "generator"], "KEY=VALUE"),
    (["train", "dcgan", "--data", "mnist", "--out", "r", "--lr", "g=abc"], "must be a positive"),
    (["train", "dcgan", "--data", "mnist", "--out", "r", "--ema-decay", "1.5"], "ema_decay=1.5"),
    (["train", "dcgan", "--data", "mnist", "--out", "r", "--set", "image_size=30"], "image_size"),
    (["train", "dcgan", "--data", "mnist", "--out", "r", "--set", "nope"], "KEY=VALUE"),
    (["train", "dcgan", "--data", "no-such-data", "--out", "r"], "no-such-data"),
    (["train", "dcgan", "--data", "mnist", "--out", "r", "--eval-samples", "5"], ">= 20"),
    (["train", "dcgan", "--data", "mnist-repair", "--out", "r"], "paired"),
    (["train", "pix2pix", "--data", "mnist-repair", "--out", "r", "--load-size", "0"], "0 must"),
    (["train", "dcgan", "--data", ".", "--out", "r", "--eval-every", "5"], "'.' is not one"),
    (["train", "cgan", "--data", "mnist:val", "--out", "r"], "split 'val'"),
    (["train", "cgan", "--data", "mnist", "--out", "r", "--set", "num_classes=5"], "10 classes"),
    (["eval", "cgan-mnist", "--samples", "100"], "at least 20 per class"),
    (["eval", "cgan-mnist", "--data", "mnist-repair"], "paired data"),
    (["eval", "cgan-mnist", "--data", "fashion-mnist"], "are not those of 'fashion-mnist'"),
    (["eval", "dcgan-mnist", "--samples", "0"], "0 is not a positive integer"),
    (["eval", "dcgan-mnist", "--features", "vgg"], "invalid choice"),
    (["eval", "dcgan-mnist", "--samples", "10"], "at least 20"),
    (["info", "wgan"], "wgan-gp"),
    (["info"], "needs NAME"),
    (["pull", "dcgan-mnst"], "Did you mean"),
    (["push", "dcgan-mnist", "--repo", "not a repo"], "malformed repo id"),
    (["push", "dcgan-mnist"], "push needs SOURCE and --repo"),
    (["push", "--catalog"], "push --catalog takes --org ORG"),
    (["push", "--catalog", "--org", "o", "--repo", "o/x"], "no SOURCE, --repo"),
    (["push", "--catalog", "--org", "o", "--registry", "missing.yaml"], "no such file"),
    (["bench", "dcgan", "--batch", "0"], "0 is not a positive integer"),
    (["bench", "dcgan", "--compare", "missing.json"], "'missing.json' does not exist"),
    (["bench", "dcgn"], "Did you mean 'dcgan'"),
    (["bench", "dcgan", "--min-time", "-1"], "-1.0 is not a positive number"),
    (["eval", "badrun"], "run.json is not the JSON a training writes"),
    (["bench", "dcgan", "--profile", "--kinds", "inference"], "--kinds inference has no train"),
    (["import-checkpoint", "missing.pth", "-o", "out"], "'missing.pth' does not exist"),
    (["import-checkpoint", FIXTURE, "-o", "held"], "already holds a model (model.safetensors"),
    (["import-checkpoint", "notes.txt", "-o", "imp"], "notes.txt as a PyTorch state dict"),
    (["new-plugin", "a" * 300], "plugin name of 300 characters; use at most 64"),
    (["sample", "dcgan-mnist", "-o", "folder.png"], "'folder.png' is a folder"),
    (["sample", "dcgan-mnist", "--device", "cuda:99"], "'cuda:99': this machine has"),
    (["segment", "pix2pix-emoji-seg", "notes.txt", "-o", "m.jpg"], "masks are palette PNGs"),
    (["import-checkpoint", FIXTURE, FIXTURE, FIXTURE, "-o", "out"], "3 reference generator"),
    (["new-plugin", "Bad_Name"], "is not valid"),
    (["new-plugin", "x", "--task", "segmentation"], "invalid choice"),
    (["list", "--bogus"], "unrecognized arguments: --bogus"),
    (["list", "--task", "generation"], "unknown task 'generation'; valid: conditional"),
    (["export", "dcgan-mnist", "-o", "no/such/dir/m.onnx"], "output folder no/such/dir does"),
    (["export", "dcgan-mnist", "-o", "m.onnx", "--format", "tflite"], "invalid choice"),
    (["export", "dcgan-mnist"], "needs NAME and -o FILE"),
    (["export", "--check", "notes.txt"], "fails the onnx checker"),
    (["export", "cyclegan-mnist2digits", "-o", "m.onnx", "--direction", "up"], "AtoB, BtoA"),
    (["demo", "dcgan-mnist", "--port", "0"], "0 is not a positive integer"),
    (["demo", "dcgan-mnst"], "Did you mean 'dcgan-mnist'"),
    (["demo", "--port", "70000"], "70000 is not a port (1 to 65535)"),
    (["demo", "--time-limit", "0"], "0.0 is not a positive number"),
    # outputs that cannot be written: refused before any work (bench --json and export
    # failed only after the whole measurement or export)
    (["bench", "dcgan", "--json", "notes.txt/r.json"], "notes.txt is a file, not a folder"),
    (["export", "dcgan-mnist", "-o", "notes.txt/m.onnx"], "notes.txt is a file, not a folder"),
    (["eval", "dcgan-mnist", "--plot", "notes.txt/h.png"], "notes.txt is a file, not a folder"),
    (["train", "dcgan", "--data", "mnist", "--out", "notes.txt/r"], "is a file, not a folder"),
    (["translate", "pix2pix-mnist-repair", "in", "-o", "notes.txt/o"], "is a file, not a"),
    (["sample", "dcgan-mnist", "-o", "notes.txt/deeper/s.png"], "is a file, not a folder"),
    (["interpolate", "dcgan-mnist", "-o", "notes.txt/w.gif"], "is a file, not a folder"),
    (["interpolate", "dcgan-mnist", "-o", "notes.txt/w.png"], "is a file, not a folder"),
    (["import-checkpoint", FIXTURE, "-o", "notes.txt/imp"], "is a file, not a folder"),
]


def walk(tmp_path, run, cases=BAD) -> list[str]:
    """``cases`` (by default every case of :data:`BAD`) run by ``run`` (like :func:`run_zoo`)
    in ``tmp_path``; the cases that did not end in exit status 2 with the expected
    ``error:`` line."""
    from .conftest import REPO

    def attempt(case):
        args, expected = case
        args = [str(REPO / a) if a == FIXTURE else a for a in args]
        return case, run(*args, cwd=tmp_path, check=False)

    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "in").mkdir(exist_ok=True)
    (tmp_path / "held").mkdir(exist_ok=True)
    (tmp_path / "folder.png").mkdir(exist_ok=True)
    if not (tmp_path / "badrun").exists():  # a run folder whose run.json is garbage
        import zoo

        small = {"image_size": 28, "channels": 1, "latent_dim": 8, "g_width": 4, "d_width": 4}
        zoo.create("dcgan", **small).save_pretrained(tmp_path / "badrun")
        (tmp_path / "badrun" / "run.json").write_text("{garbage")
    (tmp_path / "held" / "model.safetensors").write_bytes(b"a run's weights")
    if run is run_zoo:  # subprocesses: two at a time
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(attempt, cases))
    else:
        results = [attempt(case) for case in cases]
    failures = []
    for (args, expected), r in results:
        ok = r.returncode == 2 and "error:" in r.stderr and expected in r.stderr
        if not ok or "Traceback" in r.stderr:
            failures.append(f"zoo {' '.join(args)} -> {r.returncode}: {r.stderr[-400:]}")
    return failures


def test_every_command_is_walked():
    from zoo.cli import COMMANDS

    assert {args[0] for args, _ in BAD} == set(COMMANDS)


def test_every_command_reports_bad_values_in_process(tmp_path):
    assert walk(tmp_path, zoo_main) == []


@pytest.mark.slow
def test_every_command_reports_a_bad_value_in_a_real_process(tmp_path, monkeypatch):
    """The first case of each command again in a real process: the exit status and stderr
    a shell sees."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    first = {}
    for case in BAD:
        first.setdefault(case[0][0], case)
    assert walk(tmp_path, run_zoo, list(first.values())) == []


@pytest.mark.parametrize("n", ["0", "-1"])
def test_sample_n_zero_is_a_usage_error(zoo_cli, tmp_path, n):
    r = zoo_cli("sample", "dcgan-mnist", "-n", n, "-o", tmp_path / "x.png", check=False)
    assert r.returncode == 2
    assert "zoo sample: error: argument -n" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.png").exists()

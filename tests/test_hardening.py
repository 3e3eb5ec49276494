"""Bad files and hostile conditions end in one clear error, never a crash or a lost run."""

import random
import resource
import subprocess

import pytest

import zoo
from zoo.constants import CHECKPOINT_NAME
from zoo.errors import ZooError

from .conftest import SMALL, ZOO, zoo_main


def test_fuzzed_weights_files_give_only_zoo_errors(tmp_path):
    source = zoo.load("dcgan-mnist").save_pretrained(tmp_path / "src") / "model.safetensors"
    original = source.read_bytes()
    header_len = int.from_bytes(original[:8], "little")
    rng = random.Random(0)
    outcomes = {"loaded": 0, "rejected": 0}
    for i in range(300):
        data = bytearray(original)
        kind = i % 4
        if kind == 0:  # flip bytes in the JSON header
            for _ in range(rng.randint(1, 4)):
                data[8 + rng.randrange(header_len)] ^= 1 << rng.randrange(8)
        elif kind == 1:  # truncate anywhere
            data = data[: rng.randrange(len(data))]
        elif kind == 2:  # a lying header length
            data[:8] = rng.randrange(2**63).to_bytes(8, "little")
        else:  # flip bytes anywhere
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] ^= 0xFF
        path = tmp_path / f"f{i}.safetensors"
        path.write_bytes(bytes(data))
        try:
            zoo.load(path)
            outcomes["loaded"] += 1  # e.g. a flipped bit inside a weight
        except ZooError:
            outcomes["rejected"] += 1
    assert outcomes["rejected"] > 150  # truncations and bad lengths are all rejected


def _train_args(out, sets: dict, *extra: str) -> list[str]:
    """A short dcgan run with a checkpoint every 2 steps."""
    return [
        "train",
        "dcgan",
        "--data",
        "mnist",
        "--out",
        str(out),
        "--steps",
        "4",
        "--batch-size",
        "8",
        "--checkpoint-every",
        "2",
        "--no-progress",
        *[f"--set={k}={v}" for k, v in sets.items()],
        *extra,
    ]


def _train(out, *extra, **kw):
    return zoo_main(*_train_args(out, SMALL["dcgan"], *extra), **kw)


def test_temp_files_of_a_killed_write_are_never_resumed(tmp_path):
    run = tmp_path / "run"
    _train(run)
    (run / f".{CHECKPOINT_NAME}.x1.tmp").write_bytes(b"half a checkpoint")
    _train(run, "--resume", "--steps", "6")
    assert '"step": 6' in (run / "run.json").read_text()
    assert not list(run.rglob(".*.tmp"))  # the leftover is removed on resume


def test_a_run_folder_takes_one_training_at_a_time(tmp_path):
    """Two trainings into one --out: the second is refused, naming the first's PID (the
    lock is the operating system's, so a killed run never leaves a stale one)."""
    import os

    from zoo.train.run import RunFolder

    run = tmp_path / "run"
    first = RunFolder(run)
    first.prepare(resume=False)  # as a training that has started and not written yet
    r = _train(run, check=False)
    assert (
        r.returncode == 2 and f"being written by another training (PID {os.getpid()})" in r.stderr
    )
    assert not (run / CHECKPOINT_NAME).exists()
    first.release()
    _train(run)  # free again
    assert (run / CHECKPOINT_NAME).exists()


def test_a_corrupt_checkpoint_is_refused_by_name(tmp_path):
    run = tmp_path / "run"
    _train(run)
    ckpt = run / CHECKPOINT_NAME
    ckpt.write_bytes(ckpt.read_bytes()[:1000])
    r = _train(run, "--resume", "--steps", "6", check=False)
    assert r.returncode == 2 and f"cannot resume from {ckpt}" in r.stderr
    assert "Traceback" not in r.stderr


def test_disk_full_keeps_the_previous_checkpoint(tmp_path):
    """RLIMIT_FSIZE makes writes past 1 MB fail as a full disk would."""
    run = tmp_path / "run"
    limit = 1_000_000

    def small_disk():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    sets = {"image_size": 28, "channels": 1, "g_width": 48, "d_width": 8}  # > 1 MB weights
    args = [str(ZOO), *_train_args(run, sets)]
    r = subprocess.run(args, capture_output=True, text=True, preexec_fn=small_disk)
    assert r.returncode == 2, r.stderr
    assert "cannot write the checkpoint" in r.stderr and "File too large" in r.stderr
    assert "Traceback" not in r.stderr
    assert not list(run.glob(".*.tmp"))  # no torn temporary files left behind


def _claiming(path, architecture: str, tensors: dict, config: dict):
    """A weights file of ``tensors`` whose header claims ``config``."""
    from zoo.models._weights import save_weights

    save_weights(path, tensors, architecture, config)
    return path


def test_a_header_cannot_make_the_zoo_build_a_model_its_file_does_not_hold(tmp_path):
    """The probes of #37: small files whose headers declare huge models are refused before
    the model is built (on the meta device: shapes, no memory), naming what does not fit."""
    small = zoo.create("cgan", image_size=28, channels=1, latent_dim=8, g_width=8, d_width=8)
    tensors = small.inference_state_dict()
    # a cgan header with num_classes=100000 over the tensors of a 10-class one (was: 54 GB)
    config = {**small.config.to_dict(), "num_classes": 100_000, "class_names": ()}
    path = _claiming(tmp_path / "classes.safetensors", "cgan", tensors, config)
    with pytest.raises(zoo.WeightsError, match="header describes a cgan whose weights are not"):
        zoo.load(path)
    # the largest DCGAN the config allows over a small DCGAN's tensors (was: 8.3 GB, 24 s)
    dcgan = zoo.create("dcgan", image_size=28, channels=1, latent_dim=8, g_width=4, d_width=4)
    big = {**dcgan.config.to_dict(), "image_size": 64, "latent_dim": 4096, "g_width": 1024}
    path = _claiming(tmp_path / "dcgan.safetensors", "dcgan", dcgan.inference_state_dict(), big)
    with pytest.raises(zoo.WeightsError, match="not the file's tensors"):
        zoo.load(path)
    # published weights that fit, with a 15 GB discriminator beside them
    g = zoo.create("pix2pix", ngf=1, generator="unet_256", norm="instance", ndf=4)
    huge_d = {**g.config.to_dict(), "ndf": 1024, "n_layers_d": 6}
    path = _claiming(tmp_path / "d.safetensors", "pix2pix", g.inference_state_dict(), huge_d)
    with pytest.raises(zoo.WeightsError, match=r"builds 14977 MiB of networks beside 0\.1 MiB"):
        zoo.load(path)
    # a header config that is no object
    for bad in ("null", "[1, 2]"):
        from safetensors.torch import save_file

        from zoo.constants import WEIGHTS_FORMAT

        meta = {"format": WEIGHTS_FORMAT, "architecture": "dcgan", "config": bad}
        save_file(tensors, tmp_path / "bad.safetensors", metadata=meta)
        with pytest.raises(zoo.WeightsError, match="not an object of config fields"):
            zoo.load(tmp_path / "bad.safetensors")


def test_negative_steps_file_modes_and_non_finite_weights(tmp_path):
    """A checkpoint saying step -5 is refused (it resumed); weights and checkpoints get the
    user's umask like any file (they were 0600); weights holding NaN load with a warning."""
    import os
    import re

    from safetensors.torch import save_file

    from zoo.models._weights import read_weights

    run = tmp_path / "run"
    _train(run)
    mask = os.umask(0o022)
    os.umask(mask)
    for name in ("model.safetensors", CHECKPOINT_NAME, "run.json"):
        assert (run / name).stat().st_mode & 0o777 == 0o666 & ~mask, name
    ckpt = run / CHECKPOINT_NAME
    tensors, meta = read_weights(ckpt)
    meta["state"] = re.sub(r'\["step", \d+\]', '["step", -5]', meta["state"], count=1)
    save_file(tensors, ckpt, metadata=meta)
    r = _train(run, "--resume", "--steps", "6", check=False)
    assert r.returncode == 2 and "says step -5" in r.stderr

    weights, meta = read_weights(run / "model.safetensors")
    first = next(k for k, t in weights.items() if t.is_floating_point())
    weights[first][0] = float("nan")
    save_file(weights, tmp_path / "nan.safetensors", metadata=meta)
    with pytest.warns(UserWarning, match=f"1 tensor.* hold NaN or infinite values \\({first}"):
        zoo.load(tmp_path / "nan.safetensors")

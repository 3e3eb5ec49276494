"""Bad files and hostile conditions end in one clear error, never a crash or a lost run."""

import random
import resource
import subprocess

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

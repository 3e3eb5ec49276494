"""What the command line and ``import zoo`` load: `zoo --help` and `zoo list` never import
torch, ``import zoo`` imports nothing heavy, and inference never loads the trainer's timm,
torch-fidelity or matplotlib (real subprocesses; the times are in benchmarks/)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import run_zoo

HEAVY = ("torch", "timm", "torch_fidelity", "matplotlib", "gradio", "onnx")


def loaded_after(code: str) -> set[str]:
    """The heavy top-level modules in sys.modules after ``code`` runs in a new interpreter."""
    probe = (
        f"import sys, json\ntry:\n    exec({code!r})\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(set(m.split('.')[0] for m in sys.modules) & {set(HEAVY)!r})))"
    )
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(r.stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["list"], ["list", "cgan-*"], ["sample", "--help"], ["export", "--help"]],
)
def test_light_commands_import_no_torch(argv):
    code = f"from zoo.cli import main\nmain({argv!r})"
    assert loaded_after(code) == set()


def test_import_zoo_is_light_and_inference_loads_no_training_stack():
    assert loaded_after("import zoo") == set()
    code = "import zoo\nzoo.load('dcgan-mnist').sample(2)\nzoo.load('srgan-photos-x4')"
    assert loaded_after(code) == {"torch"}


def test_help_still_lists_every_command_and_train_keeps_its_options():
    from zoo.cli import COMMANDS

    listed = run_zoo("--help").stdout
    assert all(name in listed for name in COMMANDS)
    assert "train an architecture on a data set" in listed
    train = run_zoo("train", "--help").stdout
    assert "--lr-schedule" in train and "--preprocess" in train  # built in full when asked
    r = run_zoo("trian", check=False)
    assert r.returncode == 2 and "invalid choice: 'trian'" in r.stderr

"""What the command line and ``import zoo`` load: `zoo --help` and `zoo list` never import
torch, ``import zoo`` imports nothing heavy, and loading and running a model never loads the
trainer's timm, torch-fidelity or matplotlib, nor torchvision and the compiler stack it pulls
in (torch._dynamo, inductor, sympy) (real subprocesses; the times are in benchmarks/)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import run_zoo

HEAVY = (
    "torch",
    "timm",
    "torch_fidelity",
    "matplotlib",
    "gradio",
    "onnx",
    "torchvision",
    "sympy",
    "torch._dynamo",
    "torch._inductor",
    "zoo.tasks.segmentation",
    "zoo.train.trainer",
)


def loaded_after(code: str) -> set[str]:
    """The :data:`HEAVY` modules in sys.modules after ``code`` runs in a new interpreter."""
    probe = (
        f"import sys, json\ntry:\n    exec({code!r})\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(set(sys.modules) & {set(HEAVY)!r})))"
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
    code = (
        "import zoo, torch\n"
        "zoo.load('dcgan-mnist').sample(2)\n"
        "zoo.load('cgan-mnist').sample(2, labels=3)\n"
        "zoo.load('pix2pix-mnist-repair').translate(torch.rand(1, 1, 32, 32))\n"
        "zoo.load('srgan-photos-x4').upscale(torch.rand(1, 3, 16, 16))\n"
        "from zoo.images import save_grid\n"
        "import tempfile, os\n"
        "save_grid(torch.rand(4, 1, 8, 8), os.path.join(tempfile.mkdtemp(), 'g.png'))"
    )
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

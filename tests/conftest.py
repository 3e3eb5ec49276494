from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import torch
import yaml

from zoo.data import noto

REPO = Path(__file__).resolve().parents[1]


def load_script(name: str, folder: str = "benchmarks/studies"):
    """The module of ``FOLDER/NAME.py`` (the scripts and studies are not packages)."""
    spec = importlib.util.spec_from_file_location(name, REPO / folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ZOO = Path(sys.executable).with_name("zoo")  # the installed console script

#: tests that read Noto Color Emoji's bitmaps (Debian's font; .ci/run installs it)
needs_noto = pytest.mark.skipif(
    not any(p.is_file() for p in noto.FONT_PATHS),
    reason="Noto Color Emoji not installed (apt-get install fonts-noto-color-emoji)",
)


def run_zoo(*args: str, env: dict | None = None, check: bool = True, cwd=None, timeout=600):
    """Run the real `zoo` command in a subprocess; returns CompletedProcess (text)."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    result = subprocess.run(
        [str(ZOO), *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"zoo {' '.join(map(str, args))} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def zoo_main(*args: str, check: bool = True, cwd=None) -> subprocess.CompletedProcess:
    """Run `zoo ARGS` in this process through :func:`zoo.cli.main`, as :func:`run_zoo` does in
    a subprocess but without starting Python and importing torch again: the same exit status
    (argparse's usage errors included) and the text written to stdout and stderr. An
    unexpected exception propagates (a subprocess would end in a traceback)."""
    from zoo.cli import main

    argv = [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(argv) or 0
            except SystemExit as exc:  # argparse: --help (0) and usage errors (2)
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    finally:
        os.chdir(here)
    result = subprocess.CompletedProcess(["zoo", *argv], code, out.getvalue(), err.getvalue())
    if check and code != 0:
        raise AssertionError(
            f"zoo {' '.join(argv)} exited {code}\nstdout:\n{result.stdout}\n"
            f"stderr:\n{result.stderr}"
        )
    return result


@pytest.fixture
def zoo_cli():
    """`zoo ARGS` run in-process (:func:`zoo_main`); tests whose point is the real process
    (its environment, its exit, what it imports) call :func:`run_zoo`."""
    return zoo_main


SMALL = {
    "vanilla": {
        "image_size": 28,
        "channels": 1,
        "latent_dim": 8,
        "g_hidden": (32, 64),
        "d_hidden": (64, 32),
    },
    "dcgan": {"image_size": 28, "channels": 1, "latent_dim": 8, "g_width": 8, "d_width": 8},
    "wgan-gp": {"image_size": 28, "channels": 1, "latent_dim": 8, "g_width": 8, "d_width": 8},
}


#: shipped models whose whole-model checks take many seconds (their networks at 64x64 in
#: colour, or two directions): those checks run in the slow tier
LARGE_MODELS = (
    "cyclegan-mnist2digits",
    "cyclegan-twemoji2noto",
    "pix2pix-emoji-seg",
    "pix2pix-inpaint-photos",
)


def large_models_slow(names: list[str]) -> list:
    """``names`` as parameters, those of :data:`LARGE_MODELS` marked slow."""
    return [pytest.param(n, marks=pytest.mark.slow) if n in LARGE_MODELS else n for n in names]


@pytest.fixture
def small_configs():
    return SMALL


def catalog_plugin(root: Path, name: str, entry: dict) -> dict:
    """A catalog plugin ``hubcat`` with one entry, installed through PYTHONPATH (a
    dist-info with its entry point): the environment that makes it visible."""
    info = root / "hubcat-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hubcat\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[zoo.catalogs]\nhubcat = hubcat:path\n")
    (root / "hubcat.yaml").write_text(yaml.safe_dump({"models": {name: entry}}))
    (root / "hubcat.py").write_text(
        "from pathlib import Path\n"
        "def path():\n    return Path(__file__).with_name('hubcat.yaml')\n"
    )
    return {"PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}


def reference(model, inputs):
    """The model's own inference call, exact fp32, on the same inputs as the file."""
    task = model.task.name
    with torch.no_grad():
        if task == "unconditional":
            return model.sample(latents=inputs[0], fast=False)
        if task == "conditional":
            return model.sample(latents=inputs[0], labels=inputs[1], fast=False)
        if task == "segmentation":
            return model.segment(inputs[0], probabilities=True, fast=False)
        if task == "inpainting":
            return model.inpaint(inputs[0], inputs[1], fast=False)
        return model.translate(inputs[0], fast=False)


def inputs_for(model, side: int | None = None) -> tuple[torch.Tensor, ...]:
    """A batch of 3 (exports trace with 2): latent codes (and labels), or images of an odd
    size (``side`` high, ``side`` + 7 wide), with masks of holes for inpainters."""
    gen = torch.Generator().manual_seed(1)
    if model.task.name in ("unconditional", "conditional"):
        z = torch.randn(3, model.latent_dim, generator=gen)
        return (
            (z, torch.tensor([0, 1, model.num_classes - 1]))
            if hasattr(model, "num_classes")
            else (z,)
        )
    c = model.config
    channels = getattr(c, "input_nc", getattr(c, "channels", 3))
    side = side or max(c.image_size // getattr(c, "scale", 1), 16) + 5
    images = torch.rand(3, channels, side, side + 7, generator=gen)
    if model.task.name == "inpainting":
        from zoo.data.inpainting import free_form_mask

        holes = torch.stack([free_form_mask(side, side + 7, seed) for seed in range(3)])
        return images, holes[:, None]
    return (images,)

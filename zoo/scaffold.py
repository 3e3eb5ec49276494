"""`zoo new-plugin NAME`: scaffold an installable architecture plugin package.

The package declares its architecture in the entry-point group ``zoo.architectures`` (nothing
else is needed for `zoo list --architectures`, `zoo train` and `zoo.create` to find it),
ships a working least-squares GAN skeleton written against zoo's public API (unconditional;
class-conditional with ``--task conditional``; a paired translator with ``--task
image-to-image``), and a test that runs the conformance kit. tests/test_scaffold.py checks
each skeleton's networks weight for weight against the built-in it is written from.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from zoo.errors import ConfigError
from zoo.models._registry import declared_architectures

NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
#: the longest plugin name (its package, folder and module names derive from it)
MAX_NAME = 64

PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.21"]
build-backend = "hatchling.build"

[project]
name = "{dist}"
version = "0.1.0"
description = "The {name} GAN architecture for gan-zoo"
readme = "README.md"
requires-python = ">=3.10"
dependencies = ["gan-zoo"]

[project.optional-dependencies]
test = ["pytest>=8"]

# This line is the whole registration: gan-zoo finds the class through it.
[project.entry-points."zoo.architectures"]
{name} = "{module}:{cls}"

[tool.hatch.build.targets.wheel]
packages = ["{module}"]
"""

MODULE = '''\
"""{cls}: a gan-zoo architecture plugin (scaffolded by `zoo new-plugin {name}`).

A least-squares GAN (Mao et al., 2017) on DCGAN networks, as a starting point: change the
networks, the losses and the config; keep the contract (see zoo.GAN and docs/plugins.md).
"""

from __future__ import annotations

import dataclasses

import torch

import zoo
from zoo.nn import conv_discriminator, conv_generator, init_dcgan_weights


@dataclasses.dataclass(frozen=True)
class {cls}Config(zoo.GeneratorConfig):
    image_size: int = zoo.choice(28, (28, 32, 64), "side of the square images")
    channels: int = zoo.choice(1, (1, 3), "1 (grayscale) or 3 (RGB)")
    latent_dim: int = zoo.bounded(64, 1, 4096, "size of the latent code")
    g_width: int = zoo.bounded(32, 4, 1024, "generator channels of the last layer")
    d_width: int = zoo.bounded(32, 4, 1024, "discriminator channels of the first layer")
    lr: float = zoo.bounded(2e-4, 1e-7, 1.0, "Adam learning rate")


class {cls}(zoo.UnconditionalGAN):
    """Least-squares GAN: D pushes real to 1 and fake to 0, G pushes fake to 1."""

    Config = {cls}Config

    def __init__(self, config: {cls}Config | None = None, **overrides) -> None:
        super().__init__(config, **overrides)
        c = self.config
        self.generator = conv_generator(c.latent_dim, c.image_size, c.channels, c.g_width)
        self.discriminator = conv_discriminator(c.image_size, c.channels, c.d_width, "batch")
        init_dcgan_weights(self)

    def optimizers(self) -> dict[str, zoo.OptimizerSpec]:
        lr = self.config.lr
        return {{
            "discriminator": zoo.OptimizerSpec(("discriminator",), "adam", lr, (0.5, 0.999)),
            "generator": zoo.OptimizerSpec(("generator",), "adam", lr, (0.5, 0.999)),
        }}

    def discriminator_loss(self, real: torch.Tensor) -> zoo.LossOutput:
        with torch.no_grad():
            fake = self.generator(self.latent(real.shape[0]))
        real_out, fake_out = self.discriminator(real), self.discriminator(fake)
        loss = 0.5 * ((real_out - 1) ** 2).mean() + 0.5 * (fake_out**2).mean()
        return zoo.LossOutput(loss, {{"d_real": real_out.detach().mean()}})

    def generator_loss(self, real: torch.Tensor) -> zoo.LossOutput:
        fake = self.generator(self.latent(real.shape[0]))
        return zoo.LossOutput(0.5 * ((self.discriminator(fake) - 1) ** 2).mean())
'''

CONDITIONAL_MODULE = '''\
"""{cls}: a class-conditional gan-zoo architecture plugin (scaffolded by
`zoo new-plugin {name} --task conditional`).

A conditional least-squares GAN on the zoo's conditional networks, as a starting point: the
generator takes (codes, labels), the class through class-conditional BatchNorms and a one-hot
input; the discriminator scores (images, labels) with a projection head. Change the networks,
the losses and the config; keep the contract (see zoo.ConditionalGAN and docs/plugins.md).
The losses get {{"images": ..., "labels": ...}}.
"""

from __future__ import annotations

import dataclasses

import torch

import zoo
from zoo.nn import CBNGenerator, ProjectionDiscriminator, init_dcgan_weights


@dataclasses.dataclass(frozen=True)
class {cls}Config(zoo.ConditionalConfig):
    image_size: int = zoo.choice(28, (28, 32, 64), "side of the square images")
    channels: int = zoo.choice(1, (1, 3), "1 (grayscale) or 3 (RGB)")
    latent_dim: int = zoo.bounded(64, 1, 4096, "size of the latent code")
    g_width: int = zoo.bounded(32, 4, 1024, "generator channels of the last layer")
    d_width: int = zoo.bounded(32, 4, 1024, "discriminator channels of the first layer")
    lr: float = zoo.bounded(2e-4, 1e-7, 1.0, "Adam learning rate")


class {cls}(zoo.ConditionalGAN):
    """Conditional least-squares GAN: D pushes (real, label) to 1 and fakes to 0."""

    Config = {cls}Config

    def __init__(self, config: {cls}Config | None = None, **overrides) -> None:
        super().__init__(config, **overrides)
        c = self.config
        self.generator = CBNGenerator(
            c.latent_dim, c.num_classes, c.image_size, c.channels, c.g_width
        )
        self.discriminator = ProjectionDiscriminator(
            c.image_size, c.channels, c.d_width, c.num_classes
        )
        init_dcgan_weights(self.generator)

    def optimizers(self) -> dict[str, zoo.OptimizerSpec]:
        lr = self.config.lr
        return {{
            "discriminator": zoo.OptimizerSpec(("discriminator",), "adam", lr, (0.5, 0.999)),
            "generator": zoo.OptimizerSpec(("generator",), "adam", lr, (0.5, 0.999)),
        }}

    def discriminator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        real, labels = batch["images"], batch["labels"]
        with torch.no_grad():
            fake, fake_labels = self.fake(real.shape[0])  # classes drawn uniformly
        real_out = self.discriminator(real, labels)
        fake_out = self.discriminator(fake, fake_labels)
        loss = 0.5 * ((real_out - 1) ** 2).mean() + 0.5 * (fake_out**2).mean()
        return zoo.LossOutput(loss, {{"d_real": real_out.detach().mean()}})

    def generator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        fake, labels = self.fake(batch["images"].shape[0])
        return zoo.LossOutput(0.5 * ((self.discriminator(fake, labels) - 1) ** 2).mean())
'''

IMAGE_TO_IMAGE_MODULE = '''\
"""{cls}: an image-to-image gan-zoo architecture plugin (scaffolded by
`zoo new-plugin {name} --task image-to-image`).

Paired translation A -> B as pix2pix does it (a U-Net generator, a PatchGAN discriminator on
the (input, output) pair, the GAN loss plus 100 x L1 to the target), with a least-squares GAN
loss, as a starting point. Change the networks, the losses and the config; keep the contract
(see zoo.ImageToImageGAN and docs/plugins.md). The losses get {{"A": ..., "B": ...}} in
[-1, 1]; translate() takes any image size.
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F

import zoo
from zoo.losses import patch_gan_loss
from zoo.nn import NLayerDiscriminator, build_generator, init_normal


@dataclasses.dataclass(frozen=True)
class {cls}Config(zoo.ImageToImageConfig):
    image_size: int = zoo.choice(32, (32, 64, 128, 256), "training crop side")
    input_nc: int = zoo.choice(3, (1, 2, 3, 4), "channels of the input A")
    output_nc: int = zoo.choice(3, (1, 2, 3, 4), "channels of the output B")
    ngf: int = zoo.bounded(32, 1, 1024, "generator channels of the first layer")
    ndf: int = zoo.bounded(32, 1, 1024, "discriminator channels of the first layer")
    lambda_l1: float = zoo.bounded(100.0, 0.0, 1e4, "weight of the L1 loss to the target")
    lr: float = zoo.bounded(2e-4, 1e-7, 1.0, "Adam learning rate")


class {cls}(zoo.ImageToImageGAN):
    """Paired translation A -> B with a least-squares GAN loss and an L1 loss."""

    Config = {cls}Config
    directions = {{"AtoB": "generator"}}

    def __init__(self, config: {cls}Config | None = None, **overrides) -> None:
        super().__init__(config, **overrides)
        c = self.config
        self.generator = build_generator("unet_32", c.input_nc, c.output_nc, c.ngf, "batch", True)
        self.discriminator = NLayerDiscriminator(c.input_nc + c.output_nc, c.ndf, 3, "batch")
        init_normal(self)

    def optimizers(self) -> dict[str, zoo.OptimizerSpec]:
        lr = self.config.lr
        return {{
            "discriminator": zoo.OptimizerSpec(("discriminator",), "adam", lr, (0.5, 0.999)),
            "generator": zoo.OptimizerSpec(("generator",), "adam", lr, (0.5, 0.999)),
        }}

    def discriminator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        a, b = batch["A"], batch["B"]
        with torch.no_grad():
            fake = self.generator(a)
        fake_loss = patch_gan_loss(self.discriminator(torch.cat([a, fake], 1)), False, "lsgan")
        real_loss = patch_gan_loss(self.discriminator(torch.cat([a, b], 1)), True, "lsgan")
        return zoo.LossOutput(0.5 * (fake_loss + real_loss), {{"d_real": real_loss.detach()}})

    def generator_loss(self, batch: dict[str, torch.Tensor]) -> zoo.LossOutput:
        a, b = batch["A"], batch["B"]
        fake = self.generator(a)
        gan = patch_gan_loss(self.discriminator(torch.cat([a, fake], 1)), True, "lsgan")
        l1 = F.l1_loss(fake, b)
        return zoo.LossOutput(gan + self.config.lambda_l1 * l1, {{"g_l1": l1.detach()}})
'''


@dataclasses.dataclass(frozen=True)
class Template:
    """What `zoo new-plugin --task TASK` writes: the module, and the small config its tests
    and README use."""

    module: str
    #: config values of the scaffolded tests (small: they run in seconds)
    test_config: str
    #: the data arguments of the README's `zoo train`
    data: str


#: the template of each task `zoo new-plugin --task` scaffolds
TEMPLATES = {
    "unconditional": Template(
        MODULE, '{"image_size": 28, "channels": 1, "g_width": 8, "d_width": 8}', "mnist"
    ),
    "conditional": Template(
        CONDITIONAL_MODULE,
        '{"image_size": 28, "channels": 1, "g_width": 8, "d_width": 8}',
        "fashion-mnist",
    ),
    "image-to-image": Template(
        IMAGE_TO_IMAGE_MODULE,
        '{"image_size": 32, "input_nc": 1, "output_nc": 1, "ngf": 4, "ndf": 4}',
        "mnist-repair --set input_nc=1 --set output_nc=1",
    ),
}
#: the module template of each task
MODULES = {task: template.module for task, template in TEMPLATES.items()}

TEST = """\
import zoo
from zoo.testing import check_architecture

from {module} import {cls}

SMALL = {test_config}


def test_conformance():
    check_architecture({cls}, SMALL)


def test_registered_through_the_entry_point():
    assert "{name}" in zoo.list_architectures()
    assert type(zoo.create("{name}", **SMALL)) is {cls}
"""

README = """\
# {dist}

The `{name}` architecture for [gan-zoo](https://pypi.org/project/gan-zoo/).

```bash
pip install -e ".[test]"            # in an environment that has gan-zoo
zoo list --architectures            # shows {name}
zoo info {name}                     # its config fields
zoo train {name} --data {data} --out runs/{name} --steps 2000
python -m pytest                    # runs zoo.testing.check_architecture on it
```

The registration is one entry point in `pyproject.toml`:

```toml
[project.entry-points."zoo.architectures"]
{name} = "{module}:{cls}"
```
"""


def class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-")) + "GAN"


def scaffold(name: str, parent: str | Path = ".", task: str = "unconditional") -> Path:
    """Write the plugin package ``zoo-NAME`` of ``task`` (a key of :data:`MODULES`) under
    ``parent``; returns its folder."""
    if task not in MODULES:
        raise ConfigError(f"task {task!r}; choose one of {', '.join(MODULES)}")
    if not NAME.match(name):
        raise ConfigError(
            f"plugin name {name!r} is not valid: use lowercase letters, digits and single "
            "hyphens, starting with a letter (e.g. 'lsgan', 'my-gan')"
        )
    if len(name) > MAX_NAME:
        raise ConfigError(f"plugin name of {len(name)} characters; use at most {MAX_NAME}")
    if name in declared_architectures():
        raise ConfigError(f"an architecture named {name!r} is already installed; pick another")
    dist = f"zoo-{name}"
    module = "zoo_" + name.replace("-", "_")
    cls = class_name(name)
    root = Path(parent) / dist
    if root.exists():
        raise ConfigError(f"{root} already exists; remove it or choose another folder")
    template = TEMPLATES[task]
    values = {
        "name": name,
        "dist": dist,
        "module": module,
        "cls": cls,
        "test_config": template.test_config,
        "data": template.data,
    }
    files = {
        "pyproject.toml": PYPROJECT,
        f"{module}/__init__.py": MODULES[task],
        "tests/test_conformance.py": TEST,
        "README.md": README,
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.format(**values))
    return root

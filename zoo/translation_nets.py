"""Re-exports :mod:`zoo.nn.translation` for plugins written against the earlier layout
(``from zoo.translation_nets import UnetGenerator``). New code: ``from zoo.nn import ...``."""

from zoo.nn.init import init_normal
from zoo.nn.translation import (
    GENERATORS,
    NORMS,
    RESNET_BLOCKS,
    UNET_DEPTHS,
    NLayerDiscriminator,
    ResnetBlock,
    ResnetGenerator,
    UnetGenerator,
    UnetSkipConnectionBlock,
    build_generator,
    clean_reference_state,
    norm_factory,
)

__all__ = [
    "GENERATORS",
    "NORMS",
    "RESNET_BLOCKS",
    "UNET_DEPTHS",
    "NLayerDiscriminator",
    "ResnetBlock",
    "ResnetGenerator",
    "UnetGenerator",
    "UnetSkipConnectionBlock",
    "build_generator",
    "clean_reference_state",
    "init_normal",
    "norm_factory",
]

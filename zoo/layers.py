"""Re-exports :mod:`zoo.nn.dcgan` and the initialisers for plugins written against the earlier
layout (``from zoo.layers import conv_generator``). New code: ``from zoo.nn import ...``."""

from zoo.nn.dcgan import base_size, conv_discriminator, conv_generator
from zoo.nn.init import init_dcgan_weights, init_normal

__all__ = ["base_size", "conv_generator", "conv_discriminator", "init_dcgan_weights", "init_normal"]

"""Public building blocks for architecture plugins (in the spirit of ``timm.layers``).

* :mod:`~zoo.nn.dcgan`: DCGAN generator and discriminator builders;
* :mod:`~zoo.nn.resnet`: SNGAN's residual generator and discriminator builders;
* :mod:`~zoo.nn.translation`: U-Net and ResNet generators and the PatchGAN, in the module
  layout of the reference pix2pix/CycleGAN code, and the import of its checkpoints;
* :mod:`~zoo.nn.conditional`: class-conditional generator, projection and auxiliary-classifier
  discriminators, spectral normalisation;
* :mod:`~zoo.nn.super_resolution`: SRGAN's SRResNet generator and discriminator,
  Real-ESRGAN's U-Net discriminator;
* :mod:`~zoo.nn.image_pool`: CycleGAN's pool of past fakes;
* :mod:`~zoo.nn.init`: weight initialisation.
"""

from zoo.nn.conditional import (
    AuxiliaryClassifierDiscriminator,
    CBNGenerator,
    ConditionalBatchNorm2d,
    ConditionalGenerator,
    ProjectionDiscriminator,
    apply_spectral_norm,
)
from zoo.nn.dcgan import base_size, conv_discriminator, conv_generator
from zoo.nn.image_pool import ImagePool
from zoo.nn.init import init_dcgan_weights, init_normal
from zoo.nn.resnet import DownBlock, UpBlock, resnet_discriminator, resnet_generator
from zoo.nn.super_resolution import (
    SCALES,
    SR_NORMS,
    SRDiscriminator,
    SRResNet,
    UNetDiscriminator,
)
from zoo.nn.translation import (
    NLayerDiscriminator,
    ResnetGenerator,
    UnetGenerator,
    build_generator,
)

__all__ = [
    "base_size",
    "conv_generator",
    "conv_discriminator",
    "init_dcgan_weights",
    "resnet_generator",
    "resnet_discriminator",
    "UpBlock",
    "DownBlock",
    "init_normal",
    "ImagePool",
    "ConditionalGenerator",
    "ConditionalBatchNorm2d",
    "CBNGenerator",
    "ProjectionDiscriminator",
    "AuxiliaryClassifierDiscriminator",
    "apply_spectral_norm",
    "UnetGenerator",
    "ResnetGenerator",
    "NLayerDiscriminator",
    "build_generator",
    "SRResNet",
    "SRDiscriminator",
    "UNetDiscriminator",
    "SCALES",
    "SR_NORMS",
]

"""Tasks: the uses of GANs the zoo serves, one module each.

* :mod:`~zoo.tasks.base`: :class:`Task`, what every task provides;
* :mod:`~zoo.tasks.unconditional`: generation (``sample``), :class:`UnconditionalGAN`;
* :mod:`~zoo.tasks.conditional`: class-conditional generation (``sample(n, labels=...)``),
  :class:`ConditionalGAN`, :class:`ConditionalConfig`;
* :mod:`~zoo.tasks.image_to_image`: translation (``translate``), :class:`ImageToImageGAN`;
* :mod:`~zoo.tasks.super_resolution`: upscaling (``upscale``), :class:`SuperResolutionGAN`;
* :mod:`~zoo.tasks.segmentation`: masks of class indices (``segment``),
  :class:`SegmentationGAN`, :class:`SegmentationConfig`.

A new task is a new module here, or in a plugin: a :class:`Task` subclass and the base
class its architectures extend.
"""

from zoo.tasks.base import Task
from zoo.tasks.conditional import CONDITIONAL, Conditional, ConditionalConfig, ConditionalGAN
from zoo.tasks.image_to_image import IMAGE_TO_IMAGE, ImageToImage, ImageToImageGAN
from zoo.tasks.segmentation import (
    SEGMENTATION,
    Segmentation,
    SegmentationConfig,
    SegmentationGAN,
)
from zoo.tasks.super_resolution import SUPER_RESOLUTION, SuperResolution, SuperResolutionGAN
from zoo.tasks.unconditional import UNCONDITIONAL, Unconditional, UnconditionalGAN

#: the built-in tasks by name
BUILTIN_TASKS: dict[str, Task] = {
    t.name: t for t in (UNCONDITIONAL, CONDITIONAL, IMAGE_TO_IMAGE, SUPER_RESOLUTION, SEGMENTATION)
}

__all__ = [
    "Task",
    "Unconditional",
    "UnconditionalGAN",
    "Conditional",
    "ConditionalGAN",
    "ConditionalConfig",
    "CONDITIONAL",
    "ImageToImage",
    "ImageToImageGAN",
    "UNCONDITIONAL",
    "IMAGE_TO_IMAGE",
    "SuperResolution",
    "SuperResolutionGAN",
    "SUPER_RESOLUTION",
    "Segmentation",
    "SegmentationConfig",
    "SegmentationGAN",
    "SEGMENTATION",
    "BUILTIN_TASKS",
]

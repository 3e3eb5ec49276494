"""Tasks: the uses of GANs the zoo serves, one module each.

* :mod:`~zoo.tasks.base`: :class:`Task`, what every task provides, and
  :class:`EvalRequest`, what :meth:`Task.evaluate` is asked;
* :mod:`~zoo.tasks.latent`: latent codes and :class:`GeneratorConfig`, shared by generators;
* :mod:`~zoo.tasks.style`: :class:`StyleSampling`, sampling StyleGAN-family generators
  through w (psi truncation, noise, style mixing, walks in w);
* :mod:`~zoo.tasks.unconditional`: generation (``sample``), :class:`UnconditionalGAN`;
* :mod:`~zoo.tasks.conditional`: class-conditional generation (``sample(n, labels=...)``),
  :class:`ConditionalGAN`, :class:`ConditionalConfig`;
* :mod:`~zoo.tasks.image_to_image`: translation (``translate``), :class:`ImageToImageGAN`,
  :class:`ImageToImageConfig`;
* :mod:`~zoo.tasks.super_resolution`: upscaling (``upscale``), :class:`SuperResolutionGAN`,
  :class:`SuperResolutionConfig`;
* :mod:`~zoo.tasks.segmentation`: masks of class indices (``segment``),
  :class:`SegmentationGAN`, :class:`SegmentationConfig`;
* :mod:`~zoo.tasks.inpainting`: filling holes (``inpaint``), :class:`InpaintingGAN`,
  :class:`InpaintingConfig`;
* :mod:`~zoo.tasks.face_restoration`: restoring aligned face crops (``restore``),
  :class:`FaceRestorationGAN`, :class:`FaceRestorationConfig`.

A new task is a new module here, or in a plugin: a :class:`Task` subclass and the base
class its architectures extend. The task modules are imported on first use (PEP 562), so
that loading a generator does not import the segmentation data code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: public name -> the task module that defines it
_SOURCES = {
    **dict.fromkeys(("Task", "EvalRequest"), "base"),
    "GeneratorConfig": "latent",
    "StyleSampling": "style",
    **dict.fromkeys(("Unconditional", "UnconditionalGAN", "UNCONDITIONAL"), "unconditional"),
    **dict.fromkeys(
        ("Conditional", "ConditionalGAN", "ConditionalConfig", "CONDITIONAL"), "conditional"
    ),
    **dict.fromkeys(
        ("ImageToImage", "ImageToImageGAN", "ImageToImageConfig", "IMAGE_TO_IMAGE"),
        "image_to_image",
    ),
    **dict.fromkeys(
        ("SuperResolution", "SuperResolutionGAN", "SuperResolutionConfig", "SUPER_RESOLUTION"),
        "super_resolution",
    ),
    **dict.fromkeys(
        ("Segmentation", "SegmentationGAN", "SegmentationConfig", "SEGMENTATION"),
        "segmentation",
    ),
    **dict.fromkeys(
        ("Inpainting", "InpaintingGAN", "InpaintingConfig", "INPAINTING"), "inpainting"
    ),
    **dict.fromkeys(
        (
            "FaceRestoration",
            "FaceRestorationGAN",
            "FaceRestorationConfig",
            "FACE_RESTORATION",
        ),
        "face_restoration",
    ),
}

#: the built-in tasks' names, each with the name of its instance in this package
BUILTIN_TASK_NAMES = {
    "unconditional": "UNCONDITIONAL",
    "conditional": "CONDITIONAL",
    "image-to-image": "IMAGE_TO_IMAGE",
    "super-resolution": "SUPER_RESOLUTION",
    "segmentation": "SEGMENTATION",
    "inpainting": "INPAINTING",
    "face-restoration": "FACE_RESTORATION",
}


def builtin_tasks() -> dict[str, Task]:
    """The built-in tasks by name (imports every task module)."""
    return {name: __getattr__(instance) for name, instance in BUILTIN_TASK_NAMES.items()}


def __getattr__(name: str) -> Any:
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module 'zoo.tasks' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"zoo.tasks.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from zoo.tasks.base import EvalRequest, Task
    from zoo.tasks.conditional import CONDITIONAL, Conditional, ConditionalConfig, ConditionalGAN
    from zoo.tasks.face_restoration import (
        FACE_RESTORATION,
        FaceRestoration,
        FaceRestorationConfig,
        FaceRestorationGAN,
    )
    from zoo.tasks.image_to_image import (
        IMAGE_TO_IMAGE,
        ImageToImage,
        ImageToImageConfig,
        ImageToImageGAN,
    )
    from zoo.tasks.inpainting import INPAINTING, Inpainting, InpaintingConfig, InpaintingGAN
    from zoo.tasks.latent import GeneratorConfig
    from zoo.tasks.segmentation import (
        SEGMENTATION,
        Segmentation,
        SegmentationConfig,
        SegmentationGAN,
    )
    from zoo.tasks.style import StyleSampling
    from zoo.tasks.super_resolution import (
        SUPER_RESOLUTION,
        SuperResolution,
        SuperResolutionConfig,
        SuperResolutionGAN,
    )
    from zoo.tasks.unconditional import UNCONDITIONAL, Unconditional, UnconditionalGAN

__all__ = [
    "Task",
    "EvalRequest",
    "GeneratorConfig",
    "StyleSampling",
    "Unconditional",
    "UnconditionalGAN",
    "UNCONDITIONAL",
    "Conditional",
    "ConditionalGAN",
    "ConditionalConfig",
    "CONDITIONAL",
    "ImageToImage",
    "ImageToImageGAN",
    "ImageToImageConfig",
    "IMAGE_TO_IMAGE",
    "SuperResolution",
    "SuperResolutionGAN",
    "SuperResolutionConfig",
    "SUPER_RESOLUTION",
    "Segmentation",
    "SegmentationGAN",
    "SegmentationConfig",
    "SEGMENTATION",
    "Inpainting",
    "InpaintingGAN",
    "InpaintingConfig",
    "INPAINTING",
    "FaceRestoration",
    "FaceRestorationGAN",
    "FaceRestorationConfig",
    "FACE_RESTORATION",
    "BUILTIN_TASK_NAMES",
    "builtin_tasks",
]

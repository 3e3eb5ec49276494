"""gan-zoo: a plugin-based model zoo of generative adversarial networks for PyTorch.

The public names are here; the layout (one concern per subpackage) is in ARCHITECTURE.md:
:mod:`zoo.models` (contract, registry, catalog, weights, Hub), :mod:`zoo.tasks` (what each use
of GANs needs), :mod:`zoo.nn` and :mod:`zoo.losses` (building blocks), :mod:`zoo.data`,
:mod:`zoo.metrics`, :mod:`zoo.train`, :mod:`zoo.inference`, :mod:`zoo.cli`,
:mod:`zoo.testing` (the conformance kit). They are imported on first use: ``import zoo``
itself is cheap.
"""

import importlib
from typing import TYPE_CHECKING, Any

from zoo._version import __version__

#: public name -> the module that defines it. Imported on first use (PEP 562), so that
#: ``import zoo`` and the commands that need no model (``zoo --help``, ``zoo list``) do not
#: pay for torch.
_SOURCES = {
    "registry": "zoo.registry",
    "export": "zoo.export",
    "testing": "zoo.testing",
    "create": "zoo.models._factory",
    "load": "zoo.models._factory",
    "load_weights_file": "zoo.models._factory",
    "list_models": "zoo.models._listing",
    "list_architectures": "zoo.models._registry",
    "register_architecture": "zoo.models._registry",
    "ArchConfig": "zoo.config",
    "ImageConfig": "zoo.config",
    "bounded": "zoo.config",
    "choice": "zoo.config",
    "GAN": "zoo.models.base",
    "LossOutput": "zoo.models.base",
    "OptimizerSpec": "zoo.models.base",
    **{
        name: "zoo.tasks"
        for name in (
            "ConditionalConfig",
            "ConditionalGAN",
            "EvalRequest",
            "FaceRestorationConfig",
            "FaceRestorationGAN",
            "GeneratorConfig",
            "ImageToImageConfig",
            "ImageToImageGAN",
            "InpaintingConfig",
            "InpaintingGAN",
            "SegmentationConfig",
            "SegmentationGAN",
            "SuperResolutionConfig",
            "SuperResolutionGAN",
            "Task",
            "UnconditionalGAN",
        )
    },
    **{
        name: "zoo.errors"
        for name in (
            "CatalogError",
            "CheckpointError",
            "ConfigError",
            "DataError",
            "ExportError",
            "HubError",
            "LabelError",
            "PluginError",
            "TrainingDivergedError",
            "UnknownNameError",
            "WeightsError",
            "ZooError",
        )
    },
}


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'zoo' has no attribute {name!r}")
    module = importlib.import_module(source)
    value = module if source == f"zoo.{name}" else getattr(module, name)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_SOURCES})


if TYPE_CHECKING:  # what type checkers and IDEs see
    from zoo import registry
    from zoo.config import ArchConfig, ImageConfig, bounded, choice
    from zoo.errors import (
        CatalogError,
        CheckpointError,
        ConfigError,
        DataError,
        ExportError,
        HubError,
        LabelError,
        PluginError,
        TrainingDivergedError,
        UnknownNameError,
        WeightsError,
        ZooError,
    )
    from zoo.models._factory import create, load, load_weights_file
    from zoo.models._listing import list_models
    from zoo.models._registry import list_architectures, register_architecture
    from zoo.models.base import GAN, LossOutput, OptimizerSpec
    from zoo.tasks import (
        ConditionalConfig,
        ConditionalGAN,
        EvalRequest,
        FaceRestorationConfig,
        FaceRestorationGAN,
        GeneratorConfig,
        ImageToImageConfig,
        ImageToImageGAN,
        InpaintingConfig,
        InpaintingGAN,
        SegmentationConfig,
        SegmentationGAN,
        SuperResolutionConfig,
        SuperResolutionGAN,
        Task,
        UnconditionalGAN,
    )

__all__ = [
    "__version__",
    "registry",
    "create",
    "load",
    "load_weights_file",
    "list_models",
    "list_architectures",
    "register_architecture",
    "ArchConfig",
    "ImageConfig",
    "bounded",
    "choice",
    "GAN",
    "UnconditionalGAN",
    "GeneratorConfig",
    "ConditionalGAN",
    "ConditionalConfig",
    "ImageToImageGAN",
    "ImageToImageConfig",
    "SuperResolutionGAN",
    "SuperResolutionConfig",
    "SegmentationGAN",
    "SegmentationConfig",
    "InpaintingGAN",
    "InpaintingConfig",
    "FaceRestorationGAN",
    "FaceRestorationConfig",
    "Task",
    "EvalRequest",
    "LossOutput",
    "OptimizerSpec",
    "ZooError",
    "UnknownNameError",
    "ConfigError",
    "ExportError",
    "PluginError",
    "CatalogError",
    "WeightsError",
    "DataError",
    "HubError",
    "LabelError",
    "CheckpointError",
    "TrainingDivergedError",
]

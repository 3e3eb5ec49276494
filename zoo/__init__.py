"""gan-zoo: a plugin-based model zoo of generative adversarial networks for PyTorch.

The public names are here; the layout (one concern per subpackage) is in ARCHITECTURE.md:
:mod:`zoo.models` (contract, registry, catalog, weights, Hub), :mod:`zoo.tasks` (what each use
of GANs needs), :mod:`zoo.nn` and :mod:`zoo.losses` (building blocks), :mod:`zoo.data`,
:mod:`zoo.metrics`, :mod:`zoo.train`, :mod:`zoo.inference`, :mod:`zoo.cli`,
:mod:`zoo.testing` (the conformance kit).
"""

from zoo import registry
from zoo._version import __version__
from zoo.config import ArchConfig, bounded, choice
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
from zoo.models._factory import create, list_architectures, list_models, load, load_weights_file
from zoo.models.base import GAN, LossOutput, OptimizerSpec
from zoo.tasks import (
    ConditionalConfig,
    ConditionalGAN,
    ImageToImageGAN,
    SegmentationConfig,
    SegmentationGAN,
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
    "ArchConfig",
    "bounded",
    "choice",
    "GAN",
    "UnconditionalGAN",
    "ConditionalGAN",
    "ConditionalConfig",
    "ImageToImageGAN",
    "SuperResolutionGAN",
    "SegmentationGAN",
    "SegmentationConfig",
    "Task",
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

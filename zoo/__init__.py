"""gan-zoo: a plugin-based model zoo of generative adversarial networks for PyTorch."""

__version__ = "0.1.0"

from zoo import registry
from zoo.api import create, list_architectures, list_models, load, load_weights_file
from zoo.config import ArchConfig, bounded, choice
from zoo.errors import (
    CatalogError,
    CheckpointError,
    ConfigError,
    DataError,
    HubError,
    PluginError,
    TrainingDivergedError,
    UnknownNameError,
    WeightsError,
    ZooError,
)
from zoo.model import GAN, ImageToImageGAN, LossOutput, OptimizerSpec, UnconditionalGAN

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
    "ImageToImageGAN",
    "LossOutput",
    "OptimizerSpec",
    "ZooError",
    "UnknownNameError",
    "ConfigError",
    "PluginError",
    "CatalogError",
    "WeightsError",
    "DataError",
    "HubError",
    "CheckpointError",
    "TrainingDivergedError",
]

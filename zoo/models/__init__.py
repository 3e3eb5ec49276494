"""Models: the architecture contract and how models are found, loaded and published.

* :mod:`~zoo.models.base`: :class:`GAN`, :class:`OptimizerSpec`, :class:`LossOutput`;
* ``_registry``: architectures from the entry-point group ``zoo.architectures``;
* ``_catalog``: trained models from ``registry.yaml`` files (entry-point group ``zoo.catalogs``);
* ``_weights``: safetensors files with the model's identity in the header;
* ``_download`` / ``_publish``: Hugging Face Hub reads (cache, sha256) and writes (cards, push);
* ``_factory``: ``create`` / ``load`` / ``list_models``, above all of these.

The public names are re-exported by :mod:`zoo`; this package's ``__init__`` stays light so
that lower layers (tasks, metrics) can import :mod:`zoo.models.base` without a cycle.
"""

from zoo.models.base import GAN, LossOutput, OptimizerSpec

__all__ = ["GAN", "LossOutput", "OptimizerSpec"]

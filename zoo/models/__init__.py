"""Models: the architecture contract and how models are found, loaded and published.

* :mod:`~zoo.models.base`: :class:`GAN`, :class:`OptimizerSpec`, :class:`LossOutput`;
* ``_registry``: architectures from the entry-point group ``zoo.architectures``;
* ``_catalog``: trained models from ``registry.yaml`` files (entry-point group ``zoo.catalogs``);
* ``_weights``: safetensors files with the model's identity in the header;
* ``_download`` / ``_publish``: Hugging Face Hub reads (cache, sha256) and writes (cards, push);
* ``_factory``: ``create`` / ``load`` / ``list_models``, above all of these.

The public names are re-exported by :mod:`zoo`; this package's ``__init__`` imports nothing,
so that lower layers (tasks, metrics) can import :mod:`zoo.models.base` without a cycle and
the catalog (``_catalog``) can be read without torch.
"""

from typing import Any

__all__ = ["GAN", "LossOutput", "OptimizerSpec"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from zoo.models import base

        return getattr(base, name)
    raise AttributeError(f"module 'zoo.models' has no attribute {name!r}")

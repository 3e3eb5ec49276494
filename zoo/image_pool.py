"""Re-exports :class:`zoo.nn.image_pool.ImagePool` for plugins written against the earlier
layout. New code: ``from zoo.nn import ImagePool``."""

from zoo.nn.image_pool import ImagePool

__all__ = ["ImagePool"]

"""The image history buffer of CycleGAN (Shrivastava et al., 2017): the discriminator sees a
mix of current fakes and fakes from earlier steps, which damps oscillation."""

from __future__ import annotations

import torch
from torch import nn


class ImagePool(nn.Module):
    """Holds up to ``size`` past fakes. ``query(images)``: while filling, returns the images
    and stores them; once full, each image is, with probability 1/2, swapped for a stored one
    (which is returned) or returned as is. The pool is a buffer, so checkpoints resume it
    exactly; draws come from torch's global generator, which checkpoints also save."""

    images: torch.Tensor
    count: torch.Tensor

    def __init__(self, size: int, image_shape: tuple[int, int, int]) -> None:
        super().__init__()
        self.size = size
        self.register_buffer("images", torch.zeros(size, *image_shape))
        self.register_buffer("count", torch.zeros((), dtype=torch.long))

    @torch.no_grad()
    def query(self, images: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return images
        images = images.detach()
        out = []
        for image in images:
            if image.shape != self.images.shape[1:]:
                raise ValueError(
                    f"ImagePool holds images of shape {tuple(self.images.shape[1:])}, "
                    f"got {tuple(image.shape)}"
                )
            filled = int(self.count)
            if filled < self.size:
                self.images[filled] = image.to(self.images.dtype)
                self.count += 1
                out.append(image)
            elif torch.rand(()) > 0.5:
                slot = int(torch.randint(0, self.size, ()))
                out.append(self.images[slot].clone().to(image.dtype))
                self.images[slot] = image.to(self.images.dtype)
            else:
                out.append(image)
        return torch.stack(out)

"""Networks of class-conditional GANs (public: plugins may use them).

* :class:`ConditionalGenerator`: the DCGAN generator fed the latent code concatenated with a
  learned class embedding (Mirza and Osindero, 2014, with an embedding instead of a one-hot);
* :class:`ConditionalBatchNorm2d` and :class:`CBNGenerator`: the DCGAN generator whose
  BatchNorms take a per-class scale and shift (de Vries et al., 2017; the generator of
  Miyato and Koyama, 2018), optionally also fed the one-hot class with the code. Measured on
  MNIST (3,000 steps, cgan): a learned embedding concatenated to the code learned the classes
  but one image per class; class BatchNorms alone kept the codes' variety but reached 38%
  label accuracy; both together 90% with the variety kept;
* :class:`ProjectionDiscriminator`: a DCGAN-style discriminator with spectral normalisation
  and the projection head of Miyato and Koyama (2018): ``D(x, y) = psi(phi(x)) +
  <embed(y), phi(x)>`` with ``phi`` the sum-pooled features;
* :class:`AuxiliaryClassifierDiscriminator`: the AC-GAN discriminator (Odena et al., 2017):
  one real/fake logit and class logits from shared features.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from zoo.nn.dcgan import base_size, conv_discriminator, conv_generator

__all__ = [
    "ConditionalGenerator",
    "ConditionalBatchNorm2d",
    "CBNGenerator",
    "ProjectionDiscriminator",
    "AuxiliaryClassifierDiscriminator",
    "apply_spectral_norm",
]


def apply_spectral_norm(module: nn.Module, embeddings: bool = True) -> nn.Module:
    """Spectral normalisation (Miyato et al., 2018) on every convolution and linear layer of
    ``module`` (and embedding, with ``embeddings``), in place; returns it."""
    kinds = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear) + ((nn.Embedding,) if embeddings else ())
    for name, child in list(module.named_children()):
        if isinstance(child, kinds):
            setattr(module, name, spectral_norm(child))
        else:
            apply_spectral_norm(child, embeddings)
    return module


def _features(image_size: int, channels: int, width: int, norm: str) -> tuple[nn.Sequential, int]:
    """The DCGAN discriminator without its last convolution: (body, its output channels)."""
    layers = list(conv_discriminator(image_size, channels, width, norm))[:-2]
    out_channels = [m for m in layers if isinstance(m, nn.Conv2d)][-1].out_channels
    return nn.Sequential(*layers), out_channels


class ConditionalGenerator(nn.Module):
    """(N, latent_dim) codes and (N,) int64 labels -> (N, channels, size, size) in [-1, 1]."""

    def __init__(
        self,
        latent_dim: int,
        num_classes: int,
        embed_dim: int,
        image_size: int,
        channels: int,
        width: int,
    ) -> None:
        super().__init__()
        self.embed = nn.Embedding(num_classes, embed_dim)
        self.net = conv_generator(latent_dim + embed_dim, image_size, channels, width)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([z, self.embed(labels).to(z.dtype)], 1))


class ConditionalBatchNorm2d(nn.Module):
    """BatchNorm without its own affine, then a scale and shift looked up by class (scales
    start at 1, shifts at 0)."""

    def __init__(self, num_features: int, num_classes: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(num_features, affine=False)
        self.scale = nn.Embedding(num_classes, num_features)
        self.shift = nn.Embedding(num_classes, num_features)
        nn.init.ones_(self.scale.weight)
        nn.init.zeros_(self.shift.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        scale = self.scale(labels).to(x.dtype)[:, :, None, None]
        shift = self.shift(labels).to(x.dtype)[:, :, None, None]
        return self.norm(x) * scale + shift


class CBNGenerator(nn.Module):
    """The DCGAN generator with class-conditional BatchNorms: (N, latent_dim) codes and (N,)
    int64 labels -> (N, channels, size, size) in [-1, 1]. ``one_hot``: the first layer also
    takes the one-hot class beside the code."""

    def __init__(
        self,
        latent_dim: int,
        num_classes: int,
        image_size: int,
        channels: int,
        width: int,
        one_hot: bool = True,
    ) -> None:
        super().__init__()
        start = base_size(image_size)
        n_up = int(math.log2(image_size // start))
        ch = width * 2 ** (n_up - 1)
        self.latent_dim, self.num_classes, self.one_hot = latent_dim, num_classes, one_hot
        inputs = latent_dim + (num_classes if one_hot else 0)
        convs: list[nn.Module] = [nn.ConvTranspose2d(inputs, ch, start, 1, 0, bias=False)]
        norms = [ConditionalBatchNorm2d(ch, num_classes)]
        for _ in range(n_up - 1):
            convs.append(nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False))
            ch //= 2
            norms.append(ConditionalBatchNorm2d(ch, num_classes))
        self.convs, self.norms = nn.ModuleList(convs), nn.ModuleList(norms)
        self.out = nn.ConvTranspose2d(ch, channels, 4, 2, 1, bias=False)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if self.one_hot:
            z = torch.cat([z, F.one_hot(labels, self.num_classes).to(z.dtype)], 1)
        h = z[:, :, None, None]
        for conv, norm in zip(self.convs, self.norms):
            h = torch.relu(norm(conv(h), labels))
        return torch.tanh(self.out(h))


class ProjectionDiscriminator(nn.Module):
    """Images and labels -> one logit per image, (N,). ``phi`` is the DCGAN discriminator up to
    its last convolution, which here sees the whole feature map and gives ``features``
    channels (global features, as the DCGAN discriminator's logit does); ``norm``:
    "spectral" (every layer spectrally normalised, as the paper) or "batch" (DCGAN's)."""

    def __init__(
        self,
        image_size: int,
        channels: int,
        width: int,
        num_classes: int,
        norm: str = "spectral",
    ) -> None:
        super().__init__()
        if norm not in ("spectral", "batch"):
            raise ValueError(f"norm={norm!r}; choose 'spectral' or 'batch'")
        body, ch = _features(image_size, channels, width, "none" if norm == "spectral" else norm)
        features = 2 * ch
        self.body = nn.Sequential(
            *body,
            nn.Conv2d(ch, features, base_size(image_size)),
            nn.LeakyReLU(0.2, True),
            nn.Flatten(),
        )
        self.linear = nn.Linear(features, 1)
        self.embed = nn.Embedding(num_classes, features)
        if norm == "spectral":
            apply_spectral_norm(self)

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        phi = self.body(images)
        return self.linear(phi).squeeze(1) + (self.embed(labels) * phi).sum(1)


class AuxiliaryClassifierDiscriminator(nn.Module):
    """Images -> (real/fake logit (N,), class logits (N, num_classes))."""

    def __init__(self, image_size: int, channels: int, width: int, num_classes: int) -> None:
        super().__init__()
        body, features = _features(image_size, channels, width, "batch")
        self.body = nn.Sequential(*body, nn.Flatten())
        flat = features * base_size(image_size) ** 2
        self.source = nn.Linear(flat, 1)
        self.classes = nn.Linear(flat, num_classes)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(images)
        return self.source(h).squeeze(1), self.classes(h)

"""Sampling StyleGAN-family generators through w (Karras et al., 2019 and 2020): psi
truncation toward the average w, the noise inputs, style mixing and walks in w.

The generator is a :class:`zoo.nn.stylegan.StyleGenerator`: ``mapping`` (z [and c] -> the
``num_ws`` w vectors) and ``synthesis`` (w vectors -> image).
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from zoo.errors import ConfigError
from zoo.nn.stylegan import one_hot

#: StyleGAN2's noise modes: the stored constant buffers, fresh draws, no noise
NOISE_MODES = ("const", "random", "none")


class StyleSampling:
    """For StyleGAN-family models (a mixin before the task's base class). In ``sample``:

    * ``truncation`` is the reference's psi, w pulled toward the mapping network's average
      (``w_avg + psi (w - w_avg)``: 1 or None none, 0.7 usual, 0 the average image), not
      the redrawing of latent values beyond a threshold;
    * ``noise``: ``const`` (the default, the reference's ``noise_mode='const'``: the same
      image for the same code), ``random`` (fresh noise from torch's random state) or
      ``none``, for generators with noise inputs (StyleGAN2; StyleGAN3 has none);
    * ``mix``: codes (1 or n rows) whose w replaces each image's own from layer
      ``mix_from`` on (default: half the w vectors), the style mixing of the StyleGAN paper:
      the image's coarse layout, the mixing code's finer styles.

    ``interpolate`` walks a straight line in w.
    """

    generator: nn.Module
    architecture: str
    #: whether the synthesis network takes ``noise_mode`` (StyleGAN2 does, StyleGAN3 not)
    noise_inputs: ClassVar[bool] = True

    def latent(
        self,
        n: int,
        generator: torch.Generator | None = None,
        truncation: float | None = None,
    ) -> torch.Tensor:
        return super().latent(n, generator, None)  # type: ignore[misc]

    def sample_options(
        self,
        n: int,
        truncation: float | None = None,
        noise: str = "const",
        mix: torch.Tensor | None = None,
        mix_from: int | None = None,
    ) -> dict[str, Any]:
        psi = 1.0 if truncation is None else float(truncation)
        if not 0.0 <= psi <= 2.0:
            raise ConfigError(
                f"truncation={truncation!r}: for StyleGAN models it is psi, from 0 (the average "
                "image) to 1 (no truncation); 0.7 is usual"
            )
        if noise not in NOISE_MODES:
            raise ConfigError(f"noise={noise!r}; choose one of {', '.join(NOISE_MODES)}")
        if noise != "const" and not self.noise_inputs:
            raise ConfigError(
                f"noise={noise!r}: {self.architecture} has no noise inputs (its images depend "
                "on the code alone); leave noise at const"
            )
        options: dict[str, Any] = {"psi": psi, "noise": noise}
        num_ws = int(self.generator.num_ws)  # type: ignore[arg-type]
        if mix is None:
            if mix_from is not None:
                raise ConfigError("mix_from without mix: give the codes to mix with")
            return options
        latent_dim = int(self.generator.z_dim)  # type: ignore[arg-type]
        if not isinstance(mix, torch.Tensor) or mix.ndim != 2 or mix.shape[1] != latent_dim:
            shape = tuple(mix.shape) if isinstance(mix, torch.Tensor) else mix
            raise ConfigError(f"mix: codes of shape {shape}; expected (1 or {n}, {latent_dim})")
        if len(mix) not in (1, n):
            raise ConfigError(f"mix: {len(mix)} codes for {n} images; give 1 or {n}")
        layer = num_ws // 2 if mix_from is None else int(mix_from)
        if not 1 <= layer < num_ws:
            raise ConfigError(
                f"mix_from={mix_from}: the layer whose w the mixing code takes over, from 1 to "
                f"{num_ws - 1} ({num_ws} w vectors)"
            )
        return options | {"mix": mix.float().expand(n, -1), "mix_from": layer}

    def generate(
        self,
        generator: nn.Module,
        z: torch.Tensor,
        labels: torch.Tensor | None,
        psi: float = 1.0,
        noise: str = "const",
        mix: torch.Tensor | None = None,
        mix_from: int = 0,
    ) -> torch.Tensor:
        """One batch: codes ``z`` (N, latent_dim), or w vectors (N, num_ws, w_dim), through
        the mapping (with ``psi``) and the synthesis network."""
        ws = z if z.ndim == 3 else self.w(generator, z, labels, psi)
        if mix is not None:
            ws = ws.clone()
            ws[:, mix_from:] = self.w(generator, mix.to(z.device), labels, psi)[:, mix_from:]
        synthesis_kwargs = {"noise_mode": noise} if self.noise_inputs else {}
        return generator.synthesis(ws, **synthesis_kwargs)  # type: ignore[operator]

    @staticmethod
    def w(
        generator: nn.Module, z: torch.Tensor, labels: torch.Tensor | None, psi: float = 1.0
    ) -> torch.Tensor:
        """The w vectors (N, num_ws, w_dim) of codes ``z`` [and classes ``labels``]."""
        c = one_hot(labels, int(generator.c_dim))  # type: ignore[arg-type]
        return generator.mapping(z.float(), c, truncation_psi=psi)  # type: ignore[operator]

    def interpolate(
        self,
        start: torch.Tensor,
        end: torch.Tensor,
        steps: int,
        labels: torch.Tensor | None = None,
        truncation: float | None = None,
        fast: bool | str = True,
        batch_size: int = 256,
        **options: Any,
    ) -> torch.Tensor:
        """Walks in w, straight, from the w of each code of ``start`` to that of the same row
        of ``end``: (N * steps, C, H, W) in [0, 1], walk after walk. ``labels``: one class
        per walk; ``truncation`` (psi), ``noise`` ... as for ``sample``."""
        n = len(start) * steps
        sample_options = self.sample_options(n, truncation, **options)
        psi = sample_options["psi"]  # for the ends here, and a mixing code's w in generate
        generator = self._fast_module("generator", fast)  # type: ignore[attr-defined]
        device = next(generator.parameters()).device
        y = None if labels is None else labels.to(device)
        with torch.inference_mode():
            ends = [self.w(generator, z.to(device), y, psi) for z in (start, end)]
            t = torch.linspace(0, 1, steps, device=device)[None, :, None, None]
            path = torch.lerp(ends[0][:, None], ends[1][:, None], t).flatten(0, 1)
        per_image = None if y is None else y.repeat_interleave(steps)
        return self.render(generator, path, per_image, batch_size, sample_options)  # type: ignore[attr-defined]

"""Top-k training (Sinha et al., 2020): in each generator update, only the ``k`` fakes that
the discriminator scores as most real contribute to the generator's adversarial loss; the
others, whose gradients point away from the data the most, are dropped. ``k`` starts at the
whole batch and shrinks by a factor ``decay`` per epoch down to ``keep`` of the batch.

Architecture-agnostic: a forward hook on each discriminator keeps the rows with the highest
scores (per image: a patch discriminator's scores are averaged) while the generator is updated,
so every loss that averages D's scores of fakes (non-saturating, hinge, Wasserstein,
least-squares) averages the top k.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from zoo.errors import ConfigError


def top_k_count(batch: int, epoch: float, keep: float, decay: float) -> int:
    """k = max(ceil(batch * decay ** epoch), ceil(batch * keep)), at least 1 and at most batch."""
    k = max(math.ceil(batch * decay**epoch - 1e-9), math.ceil(batch * keep - 1e-9))
    return min(max(k, 1), batch)


def keep_top_rows(scores: torch.Tensor, k: int) -> torch.Tensor:
    """The ``k`` rows of ``scores`` (N, ...) with the highest mean score, highest first."""
    per_image = scores.detach().float().reshape(len(scores), -1).mean(1)
    return scores[per_image.topk(k).indices]


class TopK:
    """The schedule and the hook: ``k`` (None outside generator updates) rows are kept."""

    def __init__(self, keep: float, decay: float) -> None:
        self.keep, self.decay = keep, decay
        self.k: int | None = None

    def count(self, batch: int, epoch: float) -> int:
        return top_k_count(batch, epoch, self.keep, self.decay)

    def attach(self, module: nn.Module, name: str) -> torch.utils.hooks.RemovableHandle:
        """Keep the top ``k`` rows of every output of ``module`` while ``k`` is set."""

        def hook(_module: nn.Module, _args: tuple, output: object) -> object:
            if self.k is None:
                return output
            if not isinstance(output, torch.Tensor):
                raise ConfigError(
                    f"train: --top-k keeps the fakes that {name} scores highest, but {name} "
                    f"returns a {type(output).__name__}, not one tensor of scores"
                )
            return keep_top_rows(output, self.k) if len(output) > self.k else output

        return module.register_forward_hook(hook)

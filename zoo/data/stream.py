"""The order in which training batches are drawn: resumable, and the same on every rank."""

from __future__ import annotations

import torch

from zoo.errors import DataError


class BatchStream:
    """Endless shuffled batches whose order depends only on (seed, epoch), so that a resumed
    run sees exactly the batches an uninterrupted one would. ``state`` is JSON-able."""

    def __init__(self, size: int, batch_size: int, seed: int) -> None:
        if size < batch_size:
            raise DataError(f"the data set has {size} images, fewer than batch_size={batch_size}")
        self.size, self.batch_size, self.seed = size, batch_size, seed
        self.epoch, self.position = 0, 0
        self._order = self._permutation()

    def _permutation(self) -> torch.Tensor:
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        return torch.randperm(self.size, generator=gen)

    def next_index(self) -> torch.Tensor:
        if self.position + self.batch_size > self.size:  # drop the ragged tail
            self.epoch, self.position = self.epoch + 1, 0
            self._order = self._permutation()
        index = self._order[self.position : self.position + self.batch_size]
        self.position += self.batch_size
        return index

    @property
    def epochs_seen(self) -> float:
        """Passes over the data so far: whole epochs plus the share of this one's batches drawn."""
        return self.epoch + self.position / (self.size // self.batch_size * self.batch_size)

    def state(self) -> dict[str, int]:
        return {"epoch": self.epoch, "position": self.position}

    def load_state(self, state: dict[str, int]) -> None:
        self.epoch, self.position = int(state["epoch"]), int(state["position"])
        self._order = self._permutation()

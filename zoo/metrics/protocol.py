"""Which data a model is measured on (`zoo eval`, `zoo push`, scripts/ship.py): the data
given; its catalog entry's; for a run folder, what it held out of its training source, or
what it trained on; else its task's default."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from zoo.data.images import split_source
from zoo.data.sources import is_source
from zoo.errors import ConfigError
from zoo.train.run import read_run_info

if TYPE_CHECKING:
    from zoo.models._catalog import CatalogEntry
    from zoo.models.base import GAN


def evaluation_data(
    model: GAN, name: str, entry: CatalogEntry | None = None, given: str | None = None
) -> str:
    """The data ``model`` is measured on: ``given``; the catalog entry's eval data; the data
    its run folder was trained on (for generators, when a registered source); the task's
    default."""
    if given:
        return given
    if entry is not None and "data" in entry.eval:
        return entry.eval["data"]
    info = read_run_info(name) if Path(name).is_dir() else None
    source = (info or {}).get("data_source")
    if source:  # trained on a split ("mnist:train"): measured on what it held out
        source, split = split_source(source)
        if split == "train" and is_source(source) and model.task.measures_held_out_split:
            return f"{source}:test"
    default = model.task.default_eval_data()
    own_folder = model.task.evaluates_training_folder and Path(str(source)).is_dir()
    if source and (default is None or is_source(source) or own_folder):
        return source
    if default is None:
        raise ConfigError(
            f"zoo eval {name}: give --data (the test data: a built-in set or a folder)"
        )
    return default

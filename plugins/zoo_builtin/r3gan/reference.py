"""Reading brownvc/R3GAN's network pickles (``network-snapshot-*.pkl``, the released weights).

The reference's training loop pickles ``dict(G=..., D=..., G_ema=..., training_set_kwargs=...,
cur_nimg=...)``, where each network is a ``training.networks.Generator`` or ``Discriminator``
wrapping ``R3GAN.Networks``' class as ``Model``. :func:`zoo.importers.read_pickle` gives
them as records; the config is read off the tensors (widths, blocks, cardinalities,
expansion, kernel size, channels, class embeddings) and the wrappers' attributes (``z_dim``,
``c_dim``, ``img_resolution``, each stage's ``DataType``).
"""

from __future__ import annotations

import re
from typing import Any

import torch

import zoo
from zoo.importers import Record, build_model, module_state, snapshot_networks

from .networks import from_reference_names, lowpass_kernel

#: modules whose classes R3GAN's pickles hold
PICKLE_MODULES = ("R3GAN.", "training.networks")
GENERATOR = "training.networks.Generator"
#: the resampling filter of every released config (the reference's default)
TAPS = (1, 2, 1)


def is_r3gan_pickle(contents: Any) -> bool:
    """A dict whose ``G_ema`` is R3GAN's generator wrapper."""
    return (
        isinstance(contents, dict)
        and isinstance(contents.get("G_ema"), Record)
        and contents["G_ema"].qualname == GENERATOR
    )


def _stage_indices(state: dict[str, torch.Tensor], pattern: str) -> list[int]:
    return sorted({int(m.group(1)) for k in state if (m := re.match(pattern, k))})


def read_config(generator: Record, where: str) -> dict[str, Any]:
    """The zoo config of the reference generator ``generator`` (a record of
    ``training.networks.Generator``), read off its tensors and attributes."""
    state = from_reference_names(module_state(generator))
    stages = _stage_indices(state, r"main_layers\.(\d+)\.")
    widths, cardinalities, blocks, expansions, kernels = [], [], [], set(), set()
    for i in stages:
        block_ids = _stage_indices(state, rf"main_layers\.{i}\.layers\.(\d+)\.linear_layer1\.")
        if not block_ids:
            raise zoo.WeightsError(f"{where}: stage {i} of G_ema has no residual blocks")
        first = f"main_layers.{i}.layers.{block_ids[0]}"
        expanded, width = state[f"{first}.linear_layer1.layer.weight"].shape[:2]
        grouped = state[f"{first}.linear_layer2.layer.weight"]
        widths.append(width)
        cardinalities.append(expanded // grouped.shape[1])
        blocks.append(len(block_ids))
        expansions.add(expanded // width)
        kernels.add(grouped.shape[-1])
    if len(expansions) != 1 or len(kernels) != 1:
        raise zoo.WeightsError(
            f"{where}: stages differ in expansion {sorted(expansions)} or kernel size "
            f"{sorted(kernels)}; the zoo's r3gan has one of each"
        )
    model = generator.children().get("Model")
    layers = model.children().get("MainLayers") if isinstance(model, Record) else None
    dtypes = [layer.get("DataType") for layer in (layers.children().values() if layers else ())]
    c_dim = int(generator.get("c_dim") or 0)
    config: dict[str, Any] = {
        "image_size": int(generator.get("img_resolution")),
        "channels": int(state["aggregation_layer.layer.weight"].shape[0]),
        "latent_dim": int(generator.get("z_dim")),
        "widths": tuple(widths),
        "cardinalities": tuple(cardinalities),
        "blocks": tuple(blocks),
        "expansion": expansions.pop(),
        "kernel_size": kernels.pop(),
        "bf16_stages": tuple(i for i, d in enumerate(dtypes) if d == torch.bfloat16),
    }
    if c_dim:
        config |= {
            "num_classes": c_dim,
            "g_embedding": int(state["embedding_layer.weight"].shape[0]),
        }
    return config


def load_pickle(cls: Any, contents: dict, overrides: dict, discriminator: bool) -> Any:
    """A model of ``cls`` holding the pickle's ``G_ema`` (and ``D``, with ``discriminator``)."""
    where = "R3GAN pickle"
    g_ema, d = snapshot_networks(contents, discriminator, where)
    config = read_config(g_ema, where)
    if d is not None and config.get("num_classes"):
        d_state = module_state(d)
        config["d_embedding"] = int(d_state["Model.EmbeddingLayer.weight"].shape[0])
    records = {"generator": g_ema}
    if discriminator and d is not None:
        records["discriminator"] = d
    states = {}
    for name, record in records.items():
        reference = module_state(record)
        _check_filters(reference, where)
        states[name] = from_reference_names(reference)
    return build_model(cls, config, overrides, states, where)


def _check_filters(reference: dict[str, torch.Tensor], where: str) -> None:
    """The reference's resampling filters are buffers of its pickles; the zoo's r3gan builds
    the taps (1, 2, 1) of every released config. Refuse any other filter."""
    expected = lowpass_kernel(TAPS)
    for name, kernel in reference.items():
        if name.endswith("Resampler.Kernel") and (
            kernel.shape != expected.shape or not torch.allclose(kernel.float(), expected)
        ):
            raise zoo.WeightsError(
                f"{where}: {name} is a resampling filter other than the taps {TAPS} the "
                "zoo's r3gan builds"
            )

"""Reading StyleGAN2-ADA's network pickles (``network-snapshot-*.pkl`` and NVIDIA's released
``stylegan2-*.pkl``): ``dict(G, D, G_ema, augment_pipe, training_set_kwargs)`` whose networks
are NVIDIA persistent classes. :func:`zoo.importers.read_pickle` gives them as records of
their state, which holds the constructor's keyword arguments (``_init_kwargs``): the config
is read from those, the tensors load by name."""

from __future__ import annotations

from typing import Any

import zoo
from zoo.importers import Record, build_model, module_state, plain_value, snapshot_networks

#: constructor arguments of the reference the zoo's stylegan2 reproduces only at these values
FIXED = {
    "mapping_kwargs": {"embed_features": None, "layer_features": None, "activation": "lrelu"},
    "synthesis_kwargs": {
        "resample_filter": [1, 3, 3, 1],
        "use_noise": True,
        "kernel_size": 3,
        "activation": "lrelu",
    },
}


#: the generator's own arguments; the others are the synthesis network's
TOP_LEVEL = {"z_dim", "c_dim", "w_dim", "img_resolution", "img_channels", "mapping_kwargs"}
TOP_LEVEL |= {"synthesis_kwargs", "fused_modconv_default"}


def is_stylegan2_pickle(contents: Any) -> bool:
    """A dict whose ``G_ema`` is a persistent ``Generator`` with StyleGAN2's synthesis blocks
    (``synthesis.b4``; StyleGAN3's has ``synthesis.input``)."""
    g = contents.get("G_ema") if isinstance(contents, dict) else None
    if not (isinstance(g, Record) and g.name == "Generator" and isinstance(g.state, dict)):
        return False
    synthesis = g.children().get("synthesis")
    return isinstance(synthesis, Record) and "b4" in synthesis.children()


def _check_fixed(kwargs: dict[str, Any], where: str) -> None:
    for group, fixed in FIXED.items():
        given = dict(kwargs.get(group) or {})
        for key, value in fixed.items():
            if key in given and plain_value(given[key]) != plain_value(value):
                raise zoo.WeightsError(
                    f"{where}: {group}.{key}={given[key]!r}; the zoo's stylegan2 builds "
                    f"{value!r} only"
                )


def read_config(g: Record, d: Record | None, where: str) -> dict[str, Any]:
    """The zoo config of the pickle's generator ``g`` (and discriminator ``d``)."""
    kw = g.init_kwargs(where)
    mapping = dict(kw.get("mapping_kwargs") or {})
    # stylegan2-ada-pytorch nests the synthesis arguments; NVlabs/stylegan3's copy of the
    # StyleGAN2 generator takes them as keyword arguments beside z_dim and the others
    synthesis = {k: v for k, v in kw.items() if k not in TOP_LEVEL}
    synthesis |= dict(kw.get("synthesis_kwargs") or {})
    _check_fixed({"mapping_kwargs": mapping, "synthesis_kwargs": synthesis}, where)
    config: dict[str, Any] = {
        "image_size": int(kw["img_resolution"]),
        "channels": int(kw["img_channels"]),
        "latent_dim": int(kw["z_dim"]),
        "w_dim": int(kw["w_dim"]),
        "mapping_layers": int(mapping.get("num_layers", 8)),
        "mapping_lr": float(mapping.get("lr_multiplier", 0.01)),
        "channel_base": int(synthesis.get("channel_base", 32768)),
        "channel_max": int(synthesis.get("channel_max", 512)),
        "architecture": str(synthesis.get("architecture", "skip")),
        "conv_clamp": float(synthesis.get("conv_clamp") or 0),
        "num_fp16_res": int(synthesis.get("num_fp16_res", 0)),
    }
    if int(kw.get("c_dim") or 0):
        config["num_classes"] = int(kw["c_dim"])
    if d is not None:
        dk = d.init_kwargs(where)
        epilogue = dict(dk.get("epilogue_kwargs") or {})
        config["d_architecture"] = str(dk.get("architecture", "resnet"))
        config["mbstd_group_size"] = int(epilogue.get("mbstd_group_size", 4))
        if config.get("num_classes") and dk.get("cmap_dim") is not None:
            config["cmap_dim"] = int(dk["cmap_dim"])
        shared = {
            "channel_base": int(dk.get("channel_base", 32768)),
            "channel_max": int(dk.get("channel_max", 512)),
            "conv_clamp": float(dk.get("conv_clamp") or 0),
        }
        differ = {k: v for k, v in shared.items() if v != config[k]}
        if differ:
            raise zoo.WeightsError(
                f"{where}: D's {differ} differ from G's; the zoo's stylegan2 shares them"
            )
    return config


def load_pickle(cls: Any, contents: dict, overrides: dict, discriminator: bool) -> Any:
    """A model of ``cls`` holding the pickle's ``G_ema`` (and ``D``, with ``discriminator``)."""
    where = "StyleGAN2-ADA pickle"
    g_ema, d = snapshot_networks(contents, discriminator, where)
    states = {"generator": module_state(g_ema)}
    if discriminator and d is not None:
        states["discriminator"] = module_state(d)
    return build_model(cls, read_config(g_ema, d, where), overrides, states, where)

"""Reading StyleGAN3's network pickles (NVIDIA's ``stylegan3-t-*.pkl``, ``stylegan3-r-*.pkl``
and ``network-snapshot-*.pkl`` of NVlabs/stylegan3): NVIDIA persistent classes, read by
:func:`zoo.importers.read_pickle` as records whose state holds the constructor's keyword
arguments; the config is read from those, the tensors (filters included) load by name."""

from __future__ import annotations

from typing import Any

import zoo
from zoo.importers import Record, build_model, module_state, plain_value, snapshot_networks

#: the generator's own arguments; the others are the synthesis network's and its layers'
TOP_LEVEL = {"z_dim", "c_dim", "w_dim", "img_resolution", "img_channels", "mapping_kwargs"}
#: synthesis arguments the zoo's stylegan3 builds at the reference's defaults only
FIXED = {
    "first_cutoff": 2,
    "first_stopband": 2**2.1,
    "last_stopband_rel": 2**0.3,
    "output_scale": 0.25,
    "lrelu_upsampling": 2,
}


def is_stylegan3_pickle(contents: Any) -> bool:
    """A dict whose ``G_ema`` is a persistent ``Generator`` with StyleGAN3's Fourier input
    (``synthesis.input``)."""
    g = contents.get("G_ema") if isinstance(contents, dict) else None
    if not (isinstance(g, Record) and g.name == "Generator" and isinstance(g.state, dict)):
        return False
    synthesis = g.children().get("synthesis")
    return isinstance(synthesis, Record) and "input" in synthesis.children()


def read_config(g: Record, d: Record | None, where: str) -> dict[str, Any]:
    """The zoo config of the pickle's generator ``g`` (and discriminator ``d``)."""
    kw = g.init_kwargs(where)
    mapping = dict(kw.get("mapping_kwargs") or {})
    synthesis = {k: plain_value(v) for k, v in kw.items() if k not in TOP_LEVEL}
    for key, value in FIXED.items():
        if key in synthesis and abs(float(synthesis[key]) - value) > 1e-9:
            raise zoo.WeightsError(
                f"{where}: {key}={synthesis[key]!r}; the zoo's stylegan3 builds {value:g} only"
            )
    config: dict[str, Any] = {
        "image_size": int(kw["img_resolution"]),
        "channels": int(kw["img_channels"]),
        "latent_dim": int(kw["z_dim"]),
        "w_dim": int(kw["w_dim"]),
        "mapping_layers": int(mapping.get("num_layers", 2)),
        "mapping_lr": float(mapping.get("lr_multiplier", 0.01)),
        "channel_base": int(synthesis.get("channel_base", 32768)),
        "channel_max": int(synthesis.get("channel_max", 512)),
        "num_layers": int(synthesis.get("num_layers", 14)),
        "num_critical": int(synthesis.get("num_critical", 2)),
        "margin_size": int(synthesis.get("margin_size", 10)),
        "conv_kernel": int(synthesis.get("conv_kernel", 3)),
        "use_radial_filters": bool(synthesis.get("use_radial_filters", False)),
        "filter_size": int(synthesis.get("filter_size", 6)),
        "conv_clamp": float(synthesis.get("conv_clamp", 256) or 0),
        "num_fp16_res": int(synthesis.get("num_fp16_res", 4)),
        "magnitude_ema_beta": float(synthesis.get("magnitude_ema_beta", 0.999)),
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
        for key in ("channel_base", "channel_max"):  # -R doubles the generator's only
            value = int(dk.get(key, 32768 if key == "channel_base" else 512))
            if value != config[key]:
                config[f"d_{key}"] = value
    return config


def load_pickle(cls: Any, contents: dict, overrides: dict, discriminator: bool) -> Any:
    """A model of ``cls`` holding the pickle's ``G_ema`` (and ``D``, with ``discriminator``)."""
    where = "StyleGAN3 pickle"
    g_ema, d = snapshot_networks(contents, discriminator, where)
    states = {"generator": module_state(g_ema)}
    if discriminator and d is not None:
        states["discriminator"] = module_state(d)
    return build_model(cls, read_config(g_ema, d, where), overrides, states, where)

import pytest

import zoo
from zoo.models._registry import get_architecture


def test_roundtrip_and_tuple_coercion():
    cls = get_architecture("vanilla")
    cfg = cls.Config.from_dict({"g_hidden": [16, 32], "latent_dim": 5})
    assert cfg.g_hidden == (16, 32)
    assert cls.Config.from_json(cfg.to_json()) == cfg


@pytest.mark.parametrize(
    "arch, values, message",
    [
        ("dcgan", {"image_size": 30}, "image_size=30 is not valid; choose one of 28, 32, 64"),
        ("dcgan", {"channels": 2}, "channels=2 is not valid; choose one of 1, 3"),
        ("dcgan", {"latent_dim": 0}, "latent_dim=0 is too small; it must be >= 1"),
        ("dcgan", {"latent_dim": "big"}, "latent_dim='big' must be of type int"),
        ("dcgan", {"lr": True}, "lr=True must be of type float"),
        ("wgan-gp", {"critic_norm": "batch"}, "critic_norm='batch' is not valid"),
        ("vanilla", {"g_hidden": (0,)}, "g_hidden=(0,) needs positive widths"),
        ("dcgan", {"imagesize": 28}, "unknown field(s) imagesize; valid fields:"),
    ],
)
def test_invalid_values_name_the_field_and_what_is_valid(arch, values, message):
    with pytest.raises(zoo.ConfigError) as err:
        zoo.create(arch, **values)
    assert message in str(err.value)
    assert arch in str(err.value)


def test_create_is_untrained_and_configured():
    m = zoo.create("dcgan", image_size=32, channels=3, latent_dim=16, g_width=8, d_width=8)
    assert m.training and m.sample(2, seed=0).shape == (2, 3, 32, 32)


def test_cli_set_rejects_bad_values(zoo_cli, tmp_path):
    r = zoo_cli(
        "train",
        "dcgan",
        "--data",
        "mnist",
        "--out",
        tmp_path / "r",
        "--set",
        "image_size=30",
        check=False,
    )
    assert r.returncode == 2
    assert "image_size=30 is not valid; choose one of 28, 32, 64" in r.stderr
    assert not (tmp_path / "r").exists()


def test_every_numeric_field_of_the_built_ins_has_an_upper_bound():
    """A config cannot ask for an unbounded model: every number has a maximum (or a list of
    choices) shown by `zoo info`, and the tuples of widths are bounded by their config."""
    import dataclasses
    import typing

    from zoo.models._registry import get_architecture

    for name in zoo.list_architectures():
        cls = get_architecture(name).Config
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if hints[f.name] in (int, float):
                assert "choices" in f.metadata or f.metadata.get("max") is not None, (
                    f"{name}.{f.name} has no upper bound"
                )
    with pytest.raises(zoo.ConfigError, match=r"g_hidden=\(100000,\): at most 8 layers"):
        zoo.create("vanilla", g_hidden=(100_000,))
    with pytest.raises(zoo.ConfigError, match="num_classes=300 is too large; it must be <= 256"):
        zoo.create("pix2pix-seg", num_classes=300)

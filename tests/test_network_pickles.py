"""Network pickles (R3GAN's, and NVIDIA's persistent-class format) import as data: nothing
inside a file runs, and R3GAN snapshots written by the reference's own classes
(scripts/make_r3gan_fixtures.py) import with the reference's outputs."""

from __future__ import annotations

import os
import pickle
import pickletools
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import zoo
from zoo.importers import Record, import_checkpoint, module_state, read_pickle

FIXTURES = Path(__file__).parent / "fixtures" / "reference"


def _global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _body(value: object) -> bytes:
    """``value``'s pickle opcodes without the protocol header and STOP."""
    data = pickletools.optimize(pickle.dumps(value, protocol=2))
    assert data[:2] == b"\x80\x02" and data[-1:] == b"."
    return data[2:-1]


def persistent_pickle(module_src: str, state: dict) -> bytes:
    """What NVIDIA's torch_utils.persistence writes for a persistent class: a call of
    ``_reconstruct_persistent_obj(meta)``, whose reference implementation execs
    ``meta["module_src"]``."""
    meta = {"type": "class", "version": 6, "module_src": module_src, "class_name": "Net"}
    meta["state"] = state
    return (
        b"\x80\x02"
        + _global("torch_utils.persistence", "_reconstruct_persistent_obj")
        + _body(meta)
        + b"\x85R."  # TUPLE1 REDUCE STOP
    )


def test_embedded_source_is_kept_as_text_and_never_run(tmp_path):
    marker = tmp_path / "written-by-the-pickle"
    source = f"open({str(marker)!r}, 'w').write('ran')\nclass Net: pass\n"
    weight = torch.arange(6.0).view(2, 3)
    state = {"_parameters": {"weight": weight}, "_buffers": {}, "_modules": {}, "w_dim": 7}
    path = tmp_path / "network-snapshot-000000.pkl"
    path.write_bytes(persistent_pickle(source, state))
    # what loading the reference way would do (exec of the embedded source) writes the file
    exec(compile(source, "<embedded>", "exec"), {})  # noqa: S102 (the probe itself)
    assert marker.exists()
    marker.unlink()

    record = read_pickle(path)
    assert not marker.exists()
    assert isinstance(record, Record) and record.name == "Net" and record.source == source
    assert record.get("w_dim") == 7
    assert torch.equal(module_state(record)["weight"], weight)


@pytest.mark.parametrize(
    ("module", "name"),
    [("os", "system"), ("builtins", "eval"), ("subprocess", "Popen"), ("torch", "load")],
)
def test_a_global_outside_the_formats_is_refused_by_name(tmp_path, module, name):
    marker = tmp_path / "ran"
    call = _global(module, name) + _body((f"touch {marker}",)) + b"R."
    path = tmp_path / "evil.pkl"
    path.write_bytes(b"\x80\x02" + call)
    with pytest.raises(zoo.WeightsError, match=rf"refused {module}\.{name}") as e:
        read_pickle(path)
    assert "nothing was run" in str(e.value)
    assert not marker.exists()


def test_reduce_calling_os_system_through_import_checkpoint(tmp_path, zoo_cli):
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "network-snapshot-000100.pkl"
    path.write_bytes(pickle.dumps({"G_ema": Evil()}))
    result = zoo_cli("import-checkpoint", path, "-o", tmp_path / "out", check=False)
    assert result.returncode == 2, result.stderr
    assert f"refused {os.system.__module__}.system" in result.stderr
    assert "Traceback" not in result.stderr
    assert not marker.exists() and not (tmp_path / "out" / "model.safetensors").exists()


def test_tensors_and_plain_values_round_trip(tmp_path):
    data = {
        "weights": torch.nn.Parameter(torch.randn(3, 2)),
        "ints": torch.arange(5, dtype=torch.int64)[1:4],  # a view: offset and stride
        "bf16": torch.ones(2, dtype=torch.bfloat16),
        "dtype": torch.float16,
        "kwargs": {"z_dim": 512, "sizes": (4, 8), "names": {"a", "b"}},
    }
    path = tmp_path / "plain.pkl"
    path.write_bytes(pickle.dumps(data))
    back = read_pickle(path)
    for key in ("weights", "ints", "bf16"):
        assert torch.equal(back[key], data[key]) and back[key].dtype == data[key].dtype
    assert back["dtype"] is torch.float16 and back["kwargs"] == data["kwargs"]


def test_unknown_pickles_are_explained(tmp_path):
    path = tmp_path / "other.pkl"
    path.write_bytes(pickle.dumps({"G_ema": {"weights": [1, 2]}, "step": 3}))
    with pytest.raises(zoo.WeightsError, match="no installed architecture") as e:
        import_checkpoint([path])
    assert "G_ema: dict" in str(e.value) and "r3gan" in str(e.value)
    path.write_bytes(b"\x80\x02not a pickle")
    with pytest.raises(zoo.WeightsError, match="not a readable pickle"):
        import_checkpoint([path])


def _reference_outputs(case: str) -> dict[str, torch.Tensor]:
    return load_file(FIXTURES / f"r3gan_{case}.safetensors")


@pytest.mark.parametrize(("case", "tolerance"), [("uncond", 1e-4), ("cond", 1e-4), ("bf16", 3e-2)])
def test_r3gan_snapshots_import_with_the_reference_outputs(case, tolerance):
    expected = _reference_outputs(case)
    model = import_checkpoint([FIXTURES / f"r3gan_{case}.pkl"], discriminator=True)
    conditional = case == "cond"
    assert model.architecture == ("r3gan-cond" if conditional else "r3gan")
    labels = expected["labels"].long() if conditional else None
    given = {"labels": labels} if conditional else {}
    images = model.sample(latents=expected["z"], fast=False, **given)
    # G_ema, not the perturbed G beside it: the reference's G(z, c) mapped to [0, 1]
    reference = (expected["fake"] * 0.5 + 0.5).clamp(0, 1)
    assert (images - reference).abs().max() <= tolerance
    with torch.no_grad():
        logits = model.discriminator(expected["images"], labels)
    scale = max(1.0, float(expected["logits"].abs().max()))
    assert (logits - expected["logits"]).abs().max() <= tolerance * scale
    if case == "bf16":
        assert model.config.bf16_stages == (2,)  # FP16Stages [-1] of three stages


def test_cli_imports_an_r3gan_snapshot_with_its_discriminator(tmp_path, zoo_cli):
    out = tmp_path / "r3gan-cond"
    result = zoo_cli("import-checkpoint", FIXTURES / "r3gan_cond.pkl", "-o", out, "--discriminator")
    assert "r3gan-cond" in result.stdout
    assert {p.name for p in out.iterdir()} >= {
        "config.json",
        "model.safetensors",
        "discriminator.safetensors",
        "README.md",
    }
    expected = _reference_outputs("cond")
    model = zoo.load(out)  # safetensors and config; no pickle is read again
    labels = expected["labels"].long()
    images = model.sample(latents=expected["z"], labels=labels, fast=False)
    assert (images - (expected["fake"] * 0.5 + 0.5).clamp(0, 1)).abs().max() <= 1e-4
    assert "license: other" in (out / "README.md").read_text()

    from zoo.cli.train import init_from

    run = zoo.create("r3gan-cond", **model.config.to_dict())
    init_from(run, str(out))
    with torch.no_grad():
        logits = run.discriminator(expected["images"], labels)
    assert (logits - expected["logits"]).abs().max() <= 1e-4 * max(
        1.0, float(expected["logits"].abs().max())
    )


def test_state_dicts_are_not_read_as_pickles(tmp_path):
    path = tmp_path / "latest_net_G.pth"
    torch.save({"w": torch.zeros(1)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(zoo.WeightsError) as e:
        import_checkpoint([path])
    assert "pickle" not in str(e.value)  # the pix2pix reader's message, about its tensors


def test_cards_name_licences_the_hub_does_not_know(tmp_path):
    from huggingface_hub import ModelCard

    model = import_checkpoint([FIXTURES / "r3gan_uncond.pkl"])
    model.save_pretrained(tmp_path, license="NVIDIA-SCL-NC", license_note="non-commercial only")
    card = ModelCard.load(tmp_path / "README.md")
    assert card.data.license == "other" and card.data.license_name == "nvidia-scl-nc"
    assert "## Licence\n\nNVIDIA-SCL-NC: non-commercial only" in card.text
    model.save_pretrained(tmp_path / "mit", license="MIT")
    card = ModelCard.load(tmp_path / "mit" / "README.md")
    assert card.data.license == "mit" and "## Licence" not in card.text

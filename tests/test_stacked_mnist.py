"""Stacked MNIST, the mode-collapse benchmark of VEEGAN, PacGAN and R3GAN: three digits as R,
G and B (1,000 modes), read back by the zoo's digit classifier one channel at a time; zoo eval
reports modes covered and the reverse KL divergence from uniform."""

from __future__ import annotations

import math

import pytest
import torch

import zoo
from zoo.data.digits import CLASSIFIER_HOLD_OUT, mnist_digits, split, stacked_mnist
from zoo.data.sources import get_source
from zoo.metrics.classifier import load_classifier
from zoo.metrics.generation import class_probabilities, image_metrics, mode_report


def test_each_channel_is_a_digit_of_its_split_and_the_label_names_the_triple():
    images, modes = stacked_mnist("test")
    assert images.shape == (10_000, 3, 28, 28) and images.dtype == torch.uint8
    assert modes.unique().numel() == 1000
    digits, labels = split(mnist_digits(), "test", CLASSIFIER_HOLD_OUT)
    flat = digits.flatten(1)
    for i in range(5):  # every channel is one of the held-out digits, of the label's class
        for channel, place in enumerate((100, 10, 1)):
            match = (flat == images[i, channel].flatten()).all(1).nonzero().flatten()
            assert len(match) >= 1
            assert int(labels[match[0]]) == int(modes[i]) // place % 10
    again, _ = stacked_mnist("test")
    assert torch.equal(again, images)  # the same images every time
    assert get_source("stacked-mnist").classes[427] == "427"
    with pytest.raises(zoo.DataError, match="split 'val'"):
        stacked_mnist("val")


def test_the_stacked_classifier_reads_each_channel_with_the_digit_classifier():
    digit, stacked = load_classifier("mnist"), load_classifier("stacked-mnist")
    images = stacked_mnist("test")[0][:16].float() / 255
    with torch.no_grad():
        joint = stacked(images).log_softmax(1)
        per_channel = [digit(images[:, c : c + 1]).log_softmax(1) for c in range(3)]
    expected = per_channel[0][:, :, None, None] + per_channel[1][:, None, :, None]
    expected = (expected + per_channel[2][:, None, None, :]).flatten(1)
    assert torch.allclose(joint, expected, atol=1e-5)
    assert stacked.features(images).shape == (16, 3 * 128)


def test_mode_report_counts_modes_and_the_reverse_kl_from_uniform():
    one_mode = torch.zeros(50, 1000)
    one_mode[:, 7] = 1
    assert mode_report(one_mode) == {
        "modes": 1,
        "reverse_kl": round(math.log(1000), 5),
        "confidence": 1.0,
    }
    every_mode = torch.eye(1000).repeat(2, 1)
    assert mode_report(every_mode)["modes"] == 1000 and mode_report(every_mode)["reverse_kl"] == 0
    half = torch.eye(1000)[:500]
    assert mode_report(half)["reverse_kl"] == pytest.approx(math.log(2), abs=1e-5)


def test_real_stacked_digits_cover_their_modes():
    """The held-out images read back: 600 images of 457 modes, almost all found."""
    images, modes = stacked_mnist("test")
    images = images[:600].float() / 255
    truth = modes[:600]
    probs = class_probabilities(images, "stacked-mnist")
    assert float((probs.argmax(1) == truth).double().mean()) > 0.9  # three digits right
    result = image_metrics(images, images, features="stacked-mnist", classifier="stacked-mnist")
    metrics = result["metrics"]
    assert abs(metrics["modes"] - truth.unique().numel()) <= 0.1 * truth.unique().numel()
    assert "classes_covered" not in metrics and "class_histogram" not in result
    assert metrics["fid"] < 1e-6  # the same images

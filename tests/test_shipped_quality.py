"""Shipped models are measured, not eyeballed: `zoo eval` reproduces their catalog metrics."""

import json

import pytest
import torch

import zoo
from zoo.metrics.generation import compare_with_catalog, evaluate
from zoo.models._catalog import load_catalog
from zoo.tasks import EvalRequest

from .conftest import needs_noto

pytestmark = pytest.mark.slow  # full evaluations of the shipped models

DIGITS = ["vanilla-mnist", "dcgan-mnist", "wgan-gp-mnist"]
EMOJI = ["dcgan-emoji"]
#: measured on 26,000 samples, Stacked MNIST's protocol (about 3 minutes)
STACKED = ["dcgan-stackedmnist"]
SHIPPED = [*DIGITS, *EMOJI, *STACKED]


@pytest.mark.parametrize("name", SHIPPED)
def test_eval_reproduces_the_catalog_metrics(name):
    entry = load_catalog()[name]
    data = entry.eval.get("data", "mnist")
    result = evaluate(
        zoo.load(name), entry.eval["samples"], entry.eval["seed"], progress=False, data=data
    )
    verdict = compare_with_catalog(result, entry)
    assert verdict["matches"], verdict["differences"]
    assert result.get("class_histogram") == entry.eval.get("class_histogram")
    if "memorisation" in entry.eval:  # trained on the rest: held-out figures and memorisation
        assert result["memorisation"] == entry.eval["memorisation"]
        for key, value in entry.eval["train_metrics"].items():
            assert result["train_metrics"][key] == pytest.approx(value, rel=0.002, abs=1e-6)
        assert result["memorisation"]["near_copies"] <= 3


@pytest.mark.parametrize("name", DIGITS)
def test_samples_are_digits_of_all_ten_classes(name):
    metrics = load_catalog()[name].metrics
    assert metrics["classes_covered"] == 10
    # far from an untrained generator of the same architecture
    torch.manual_seed(0)
    model = zoo.load(name)
    untrained = type(model)(model.config).eval()
    floor = evaluate(untrained, samples=500, seed=0, progress=False)["metrics"]
    assert metrics["fid"] < floor["fid"] / 10 and metrics["kid"] < floor["kid"] / 10
    assert metrics["precision"] > floor["precision"] and metrics["recall"] > floor["recall"]
    assert metrics["class_balance"] > 0.8 > floor["class_balance"]


@pytest.mark.parametrize("name, times", [("dcgan-mnist", 5), ("vanilla-mnist", 10)])
def test_digit_generators_meet_the_held_out_fid_and_balance_targets(name, times):
    """#16's targets that these two meet: held-out FID within 5x (DCGAN) or 10x (MLP GAN)
    the real-vs-real floor of the same protocol, every digit 7% to 13% of the samples, and no
    sample a near-copy of a training digit."""
    from zoo.metrics.generation import real_vs_real

    entry = load_catalog()[name]
    assert entry.eval["data"] == "mnist:test"
    floor = real_vs_real(entry.eval["data"], entry.eval["samples"])
    assert entry.metrics["fid"] <= times * floor["fid"]
    histogram = entry.eval["class_histogram"]
    assert all(0.07 <= count / sum(histogram) <= 0.13 for count in histogram)
    assert entry.eval["memorisation"]["near_copies"] == 0


@pytest.mark.parametrize("name", EMOJI)
def test_emoji_samples_are_near_real_emoji_of_every_category_they_have(name):
    """#15's target: held-out FID within 10x the real-vs-real floor of the same protocol, and
    every category the emoji classifier finds among real held-out emoji drawn too."""
    from zoo.data.emoji import twemoji_images
    from zoo.metrics.generation import class_probabilities, real_vs_real

    entry = load_catalog()[name]
    floor = real_vs_real(entry.eval["data"], entry.eval["samples"])
    assert entry.metrics["fid"] <= 10 * floor["fid"]
    images, _ = twemoji_images("test")
    read = class_probabilities(images.float() / 255, "emoji").argmax(1)
    real_categories = set(read.unique().tolist())
    drawn = {c for c, count in enumerate(entry.eval["class_histogram"]) if count > 0}
    assert len(real_categories) >= 8 and real_categories <= drawn


def test_zoo_eval_cli_reports_the_match_with_floor_and_ceiling(zoo_cli, tmp_path):
    plot = tmp_path / "hist.png"
    result = json.loads(zoo_cli("eval", "wgan-gp-mnist", "--json", "--plot", plot).stdout)
    assert result["catalog"]["comparable"] and result["catalog"]["matches"]
    ceiling, floor = result["references"]["real_vs_real"], result["references"]["untrained"]
    assert ceiling["fid"] < result["metrics"]["fid"] < floor["fid"]
    assert ceiling["classes_covered"] == 10 > floor["classes_covered"]
    assert sum(result["class_histogram"]) == 1000
    from PIL import Image

    assert Image.open(plot).size[0] > 300  # the class histogram, drawn


def test_compare_detects_a_difference():
    entry = load_catalog()["dcgan-mnist"]
    fake = {"samples": 1000, "seed": 0, "metrics": {**entry.metrics, "fid": 99.0}}
    verdict = compare_with_catalog(fake, entry)
    assert not verdict["matches"] and "fid" in verdict["differences"]


TRANSLATORS = [
    "pix2pix-mnist-repair",
    "cyclegan-mnist2digits",
    pytest.param("cyclegan-twemoji2noto", marks=needs_noto),
]


@pytest.mark.parametrize("name", TRANSLATORS)
def test_eval_reproduces_the_translators_catalog_metrics(name):
    from zoo.metrics.translation import evaluate_translation

    entry = load_catalog()[name]
    result = evaluate_translation(zoo.load(name), entry.eval["data"], progress=False)
    result["seed"] = entry.eval["seed"]
    verdict = compare_with_catalog(result, entry)
    assert verdict["matches"], verdict["differences"]


def test_repair_beats_the_corrupted_input_by_a_wide_margin():
    m = load_catalog()["pix2pix-mnist-repair"].metrics
    assert m["psnr"] > m["input_psnr"] + 5 and m["ssim"] > m["input_ssim"] + 0.3
    assert m["l1"] < m["input_l1"] / 2
    assert m["digit_accuracy"] > 0.8 > 0.5 > m["input_digit_accuracy"]
    assert m["fid"] < m["input_fid"] / 100


def test_cyclegan_keeps_digits_better_than_the_untranslated_input():
    m = load_catalog()["cyclegan-mnist2digits"].metrics
    assert m["label_kept_ab"] > m["untranslated_ab"] and m["label_kept_ba"] > m["untranslated_ba"]
    assert m["round_trip_a"] > 0.9 and m["round_trip_b"] > 0.9
    assert m["fid_ab"] < m["untranslated_fid_ab"] and m["fid_ba"] < m["untranslated_fid_ba"]


def test_twemoji2noto_comes_closer_to_the_other_artist_than_its_input():
    """#15's target: nearer the true drawing of the held-out emoji by the other artist than
    the untranslated input, in L1 and SSIM both ways (and PSNR and FID)."""
    m = load_catalog()["cyclegan-twemoji2noto"].metrics
    for d in ("ab", "ba"):
        assert (
            m[f"l1_{d}"] < m[f"untranslated_l1_{d}"]
            and m[f"psnr_{d}"] > m[f"untranslated_psnr_{d}"]
        )
        assert m[f"fid_{d}"] < m[f"untranslated_fid_{d}"] / 5
        assert m[f"ssim_{d}"] > m[f"untranslated_ssim_{d}"]


BALANCED_CONDITIONAL = ["cgan-mnist", "cgan-fashion"]
CONDITIONAL = [*BALANCED_CONDITIONAL, "cgan-emoji"]


def _needs_data(name):
    from zoo.data import fashion

    data = load_catalog()[name].eval["data"]
    if data == "fashion-mnist" and not (fashion.folder() / fashion.FILES["test"][0]).is_file():
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")


@pytest.mark.parametrize("name", CONDITIONAL)
def test_eval_reproduces_the_conditional_catalog_metrics(name):
    _needs_data(name)
    entry = load_catalog()[name]
    model = zoo.load(name)
    request = EvalRequest(
        entry.eval["data"], entry.eval["samples"], entry.eval["seed"], progress=False
    )
    result = model.task.evaluate(model, request)
    verdict = compare_with_catalog(result, entry)
    assert verdict["matches"], verdict["differences"]
    per_class = {c: r["label_accuracy"] for c, r in result["per_class"].items()}
    assert per_class == entry.eval["label_accuracy"]
    assert result["class_histogram"] == entry.eval["class_histogram"]


@pytest.mark.parametrize("name", BALANCED_CONDITIONAL)
def test_conditional_models_draw_the_class_they_are_asked_for(name):
    m = load_catalog()[name].metrics
    # the targets: mean within 3 points of the classifier on real test digits, every
    # class within 10 points of the classifier's accuracy on that class
    assert m["label_accuracy"] >= m["real_label_accuracy"] - 0.03
    assert m["worst_class_gap"] <= 0.10
    assert m["classes_covered"] == 10 and m["class_balance"] > 0.99


def test_the_emoji_categories_are_drawn_far_above_chance():
    """Emoji categories are hard to read even in real emoji (the classifier: 57% on held-out
    ones); the conditional emoji model must reach two thirds of that, three times chance, and
    draw the two categories the classifier reads best (People & Body, Flags) as themselves."""
    entry = load_catalog()["cgan-emoji"]
    m, per_class = entry.metrics, entry.eval["label_accuracy"]
    assert m["label_accuracy"] >= 2 / 3 * m["real_label_accuracy"]
    assert m["label_accuracy"] >= 3 / len(per_class)
    assert per_class["People & Body"] >= 0.8 and per_class["Flags"] >= 0.8


UPSCALERS = ["srgan-photos-x4", "srresnet-photos-x4"]


@pytest.mark.parametrize("name", [*UPSCALERS, "pix2pix-emoji-seg"])
def test_eval_reproduces_the_photo_models_catalog_metrics(name):
    entry = load_catalog()[name]
    model = zoo.load(name)
    result = model.task.evaluate(model, EvalRequest(entry.eval["data"], seed=entry.eval["seed"]))
    verdict = compare_with_catalog(result, entry)
    assert verdict["matches"], verdict["differences"]


@pytest.mark.parametrize("name", UPSCALERS)
def test_upscalers_beat_bicubic_on_held_out_photographs(name):
    m = load_catalog()[name].metrics
    assert m["gain_psnr_y"] >= 1.0  # the target: at least 1 dB over bicubic
    assert m["ssim_y"] > m["bicubic_ssim_y"] and m["sharpness"] > m["bicubic_sharpness"]


def test_the_adversarial_upscaler_trades_psnr_for_sharpness():
    gan, content = (load_catalog()[n].metrics for n in UPSCALERS)
    assert gan["sharpness"] > content["sharpness"]  # the perception-distortion trade-off
    assert gan["sharpness"] < gan["original_sharpness"]


def test_the_segmenter_finds_held_out_emoji_on_held_out_photographs():
    m = load_catalog()["pix2pix-emoji-seg"].metrics
    # the target is 0.9; shipped: 0.773 (docs/metrics.md says what limits it)
    assert m["foreground_iou"] > 0.75 and m["boundary_f"] > 0.75
    assert m["miou"] > m["trivial_miou"] + 0.4
    assert m["pixel_accuracy"] > m["trivial_pixel_accuracy"] + 0.2
    assert m["trivial_boundary_f"] == 0

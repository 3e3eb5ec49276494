"""Shipped models are measured, not eyeballed: `zoo eval` reproduces their catalog metrics."""

import json

import pytest
import torch

import zoo
from zoo.catalog import load_catalog
from zoo.metrics import compare_with_catalog, evaluate

SHIPPED = ["vanilla-mnist", "dcgan-mnist", "wgan-gp-mnist"]


@pytest.mark.parametrize("name", SHIPPED)
def test_eval_reproduces_the_catalog_metrics(name):
    entry = load_catalog()[name]
    result = evaluate(zoo.load(name), entry.eval["samples"], entry.eval["seed"], progress=False)
    verdict = compare_with_catalog(result, entry)
    assert verdict["matches"], verdict["differences"]
    assert result["class_histogram"] == entry.eval["class_histogram"]


@pytest.mark.parametrize("name", SHIPPED)
def test_samples_are_digits_of_all_ten_classes(name):
    metrics = load_catalog()[name].metrics
    assert metrics["classes_covered"] == 10
    # far from an untrained generator of the same architecture
    torch.manual_seed(0)
    model = zoo.load(name)
    untrained = type(model)(model.config).eval()
    floor = evaluate(untrained, samples=500, seed=0, progress=False)["metrics"]
    assert metrics["digit_fd"] < floor["digit_fd"] / 10
    assert metrics["class_balance"] > 0.8 > floor["class_balance"]


def test_zoo_eval_cli_reports_the_match(zoo_cli):
    result = json.loads(zoo_cli("eval", "wgan-gp-mnist", "--json").stdout)
    assert result["catalog"]["comparable"] and result["catalog"]["matches"]


def test_compare_detects_a_difference():
    entry = load_catalog()["dcgan-mnist"]
    fake = {"samples": 1000, "seed": 0, "metrics": {**entry.metrics, "digit_fd": 99.0}}
    verdict = compare_with_catalog(fake, entry)
    assert not verdict["matches"] and "digit_fd" in verdict["differences"]

"""benchmarks/studies/discriminator_gap.py, the overfitting measurement of a run."""

import pytest
import torch
from sklearn.metrics import roc_auc_score

import zoo
from zoo.data.images import load_data
from zoo.train import TrainConfig, Trainer

from .conftest import SMALL, load_script

pytestmark = pytest.mark.slow  # a study's test


def test_auc_is_the_area_under_the_roc_curve():
    script = load_script("discriminator_gap")
    generator = torch.Generator().manual_seed(0)
    first = torch.randint(0, 6, (300,), generator=generator).float()  # many ties
    second = torch.randint(0, 5, (200,), generator=generator).float()
    labels = [1] * len(first) + [0] * len(second)
    expected = roc_auc_score(labels, torch.cat([first, second]).numpy())
    assert abs(script.auc(first, second) - expected) < 1e-9
    assert script.auc(first, first) == 0.5
    assert script.auc(first + 10, second) == 1.0


def test_measures_the_checkpoints_discriminator(tmp_path):
    """The scores are those of the run's trained discriminator, not of a fresh one."""
    script = load_script("discriminator_gap")
    torch.manual_seed(0)
    model = zoo.create("dcgan", **SMALL["dcgan"])
    data = load_data("mnist:train", 28, 1, progress=False)
    config = TrainConfig(steps=4, batch_size=16, progress=False, device="cpu", checkpoint_every=4)
    trainer = Trainer(model, data, config, tmp_path)
    trainer.train()
    result = script.measure(tmp_path, "mnist", samples=50)
    images = data.batch(torch.arange(len(data)))
    trained = script.scores(trainer.model.discriminator.eval(), images).mean()
    assert abs(result["mean_train"] - float(trained)) < 1e-5
    fresh = script.scores(zoo.create("dcgan", **SMALL["dcgan"]).discriminator.eval(), images)
    assert abs(result["mean_train"] - float(fresh.mean())) > 1e-3
    assert 0 <= result["auc_train_vs_heldout"] <= 1

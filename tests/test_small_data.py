"""The trainer's small-data tools: DiffAugment/ADA in training, lazy R1, spectral norm,
--keep-best, and `zoo eval`'s held-out figures and memorisation check."""

import json

import pytest
import torch
from torch import nn

import zoo
from zoo.constants import CHECKPOINT_NAME
from zoo.metrics.generation import real_images
from zoo.metrics.memorisation import memorisation

from .conftest import SMALL
from .test_trainer import assert_same_tensors, make_trainer, weights


class LinearCritic(nn.Module):
    """D(x) = <w, x> per image: grad_x D = w, so R1 = ||w||^2 exactly."""

    def __init__(self, w: torch.Tensor):
        super().__init__()
        self.w = nn.Parameter(w)

    def forward(self, x):
        return (x * self.w).flatten(1).sum(1)


def test_r1_is_gamma_over_two_times_the_squared_gradient_norm_times_the_interval(tmp_path):
    t = make_trainer("dcgan", tmp_path / "run", r1_gamma=10.0, r1_every=4)
    w = torch.randn(1, 28, 28)
    t.model.discriminator = LinearCritic(w)
    batch = torch.randn(5, 1, 28, 28)
    out = t._r1_loss(batch)
    assert float(out.logs["r1"]) == pytest.approx(float(w.square().sum()), rel=1e-5)
    assert float(out.loss.detach()) == pytest.approx(
        10.0 / 2 * float(w.square().sum()) * 4, rel=1e-5
    )
    out.loss.backward()  # differentiable in D's weights: d/dw (c ||w||^2) = 2 c w
    assert torch.allclose(t.model.discriminator.w.grad, 2 * 10.0 / 2 * 4 * w, rtol=1e-4)


def test_lazy_r1_runs_every_n_steps_and_moves_the_discriminator(tmp_path):
    t = make_trainer("dcgan", tmp_path / "run", r1_gamma=1.0, r1_every=2, log_every=1)
    calls = []
    original = t._r1_loss
    t._r1_loss = lambda batch: calls.append(t.step) or original(batch)
    t.train()
    assert calls == [2, 4, 6]
    lines = [json.loads(x) for x in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [line["step"] for line in lines if "r1" in line] == [2, 4, 6]
    assert all(line["r1"] > 0 for line in lines if "r1" in line)


def test_ada_adapts_logs_and_resumes_exactly(tmp_path):
    opts = dict(augment="color,translation,cutout", ada_target=0.6, ada_speed=200, log_every=1)
    full = make_trainer("dcgan", tmp_path / "full", **opts)
    full.train()
    lines = [json.loads(x) for x in (tmp_path / "full" / "log.jsonl").read_text().splitlines()]
    p = [line["augment_p"] for line in lines]
    assert p[0] == 0.0 and p[-1] != 0.0  # moved at steps 4 (interval) from its start at 0
    assert [line["step"] for line in lines if "ada_rt" in line] == [4]
    part = make_trainer("dcgan", tmp_path / "part", steps=3, **opts)
    part.train()
    resumed = make_trainer("dcgan", tmp_path / "part", **opts)
    resumed.train(resume=True)
    assert resumed.augment.p == full.augment.p
    for name in ("model.safetensors", CHECKPOINT_NAME):
        assert_same_tensors(weights(tmp_path / "full" / name), weights(tmp_path / "part" / name))


def test_diffaugment_changes_training_and_keeps_the_published_weights_format(tmp_path):
    plain = make_trainer("dcgan", tmp_path / "plain")
    plain.train()
    augmented = make_trainer("dcgan", tmp_path / "aug", augment="translation,cutout")
    augmented.train()
    a, b = (
        weights(tmp_path / "plain" / "model.safetensors"),
        weights(tmp_path / "aug" / "model.safetensors"),
    )
    assert a.keys() == b.keys()
    assert any(not torch.equal(a[k], b[k]) for k in a)
    assert zoo.load(tmp_path / "aug").sample(2, seed=0).shape == (2, 1, 28, 28)


def test_spectral_norm_normalises_every_discriminator_layer(tmp_path):
    t = make_trainer("dcgan", tmp_path / "run", spectral_norm=True, steps=3)
    t.train()
    layers = [m for m in t.model.discriminator.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert layers and all(hasattr(m, "parametrizations") for m in layers)
    for m in layers:  # the largest singular value of each normalised weight is about 1
        sigma = torch.linalg.matrix_norm(m.weight.detach().flatten(1), ord=2)
        assert float(sigma) == pytest.approx(1.0, abs=0.1)
    assert not any(hasattr(m, "parametrizations") for m in t.model.generator.modules())


def test_keep_best_keeps_the_weights_of_the_best_evaluation(tmp_path):
    from zoo.data.images import load_data
    from zoo.train import TrainConfig, Trainer

    scripted, seen, trainer = iter([5.0, 3.0, 4.0]), {}, []

    def evaluator(model):  # FIDs 5, 3, 4 at steps 2, 4, 6: step 4 is the best
        seen[trainer[0].step] = {k: v.clone() for k, v in model.inference_state_dict().items()}
        return {"fid": next(scripted)}

    model = zoo.create("dcgan", **SMALL["dcgan"])
    cfg = TrainConfig(
        steps=6, batch_size=16, progress=False, device="cpu", eval_every=2, keep_best="fid"
    )
    trainer.append(
        Trainer(model, load_data("mnist", 28, 1, False), cfg, tmp_path / "run", evaluator=evaluator)
    )
    trainer[0].train()
    best = json.loads((tmp_path / "run" / "best.json").read_text())
    assert best["step"] == 4 and best["value"] == 3.0 and best["metric"] == "fid"
    assert_same_tensors(weights(tmp_path / "run" / "best.safetensors"), seen[4])
    assert any(not torch.equal(seen[4][k], seen[6][k]) for k in seen[4])
    assert zoo.load(tmp_path / "run" / "best.safetensors").sample(1, seed=0).shape[1] == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--keep-best", "fid"], "keep_best needs --eval-every"),
        (["--eval-every", "2", "--keep-best", "sharpness"], "choose one of fid, kid"),
        (["--augment", "zoom"], "unknown zoom; choose from color, translation, cutout"),
        (["--ada-target", "0.6"], "give --augment"),
        (["--r1-gamma", "-1"], "r1_gamma=-1.0 must be >= 0"),
        (["--top-k", "0"], "top_k=0.0 must be in (0, 1]"),
        (["--top-k", "0.5", "--top-k-decay", "1.5"], "top_k_decay=1.5 must be in (0, 1]"),
    ],
)
def test_bad_small_data_options_are_named(tmp_path, zoo_cli, args, message):
    sets = [f"--set={k}={v}" for k, v in SMALL["dcgan"].items()]
    result = zoo_cli(
        "train",
        "dcgan",
        "--data",
        "mnist",
        "--out",
        tmp_path / "run",
        *sets,
        "--steps",
        "1",
        *args,
        check=False,
    )
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_r1_names_architectures_without_a_single_discriminator(tmp_path):
    from zoo.models._registry import get_architecture
    from zoo.train import TrainConfig, Trainer

    cls = get_architecture("cyclegan")
    model = cls(**(cls.small_config or {}))
    with pytest.raises(zoo.errors.ConfigError, match="cyclegan has none"):
        Trainer(model, None, TrainConfig(r1_gamma=1.0, device="cpu"), tmp_path / "run")


def test_memorisation_tells_a_copier_from_new_real_images():
    train, held_out = real_images("mnist:train"), real_images("mnist:test")
    # both splits are sorted by class: halves by parity keep every class in each
    copier = memorisation(train[::8], train, held_out[::2], "mnist")
    assert copier["near_copies"] == 500 and copier["nn_train_median"] == 0
    assert copier["nn_ratio"] == 0
    fresh = memorisation(held_out[1::2], train, held_out[::2], "mnist")
    assert fresh["near_copies"] <= 5  # about 1 expected: 500 draws against 500 held out
    assert 0.8 < fresh["nn_ratio"] < 1.25
    blurred = torch.nn.functional.avg_pool2d(held_out[1::2], 5, 1, 2)
    assert memorisation(blurred, train, held_out[::2], "mnist")["nn_ratio"] > 1.5


def test_eval_of_a_run_trained_on_a_split_reports_held_out_figures(tmp_path, zoo_cli):
    out = tmp_path / "run"
    sets = [f"--set={k}={v}" for k, v in SMALL["dcgan"].items()]
    zoo_cli(
        "train",
        "dcgan",
        "--data",
        "mnist:train",
        "--out",
        out,
        *sets,
        "--steps",
        "2",
        "--batch-size",
        "8",
        "--no-progress",
    )
    near = tmp_path / "near.png"
    result = zoo_cli(
        "eval", out, "--samples", "100", "--no-references", "--json", "--nearest", near
    )
    report = json.loads(result.stdout)
    assert report["data"] == "mnist:test"
    assert set(report["train_metrics"]) >= {"fid", "precision", "recall"}
    assert report["train_metrics"]["fid"] != report["metrics"]["fid"]
    assert set(report["memorisation"]) == {
        "near_copies",
        "nn_ratio",
        "nn_heldout_median",
        "nn_train_median",
        "nn_real_median",
    }
    from PIL import Image

    assert Image.open(near).size[0] > 16 * 28
    text = zoo_cli("eval", out, "--samples", "100", "--no-references").stdout
    assert "VS TRAIN" in text and "memorisation:" in text


@pytest.mark.parametrize("warmup", [True, False])
def test_ema_warmup_follows_the_documented_decay(tmp_path, warmup):
    t = make_trainer("vanilla", tmp_path / "run", ema_decay=0.5, ema_warmup=warmup, steps=2)
    t.train_step()  # timm copies the live weights at the first update
    first = {k: v.clone() for k, v in t.ema.module.state_dict().items()}
    t.train_step()
    live = {f"generator.{k}": v for k, v in t.model.generator.state_dict().items()}
    # second update: warm-up decay min(0.5, 1 - (1 + 1)^(-2/3)) = 0.37; without it 0.5
    decay = min(0.5, 1 - 2 ** (-2 / 3)) if warmup else 0.5
    for key, value in t.ema.module.state_dict().items():
        if value.is_floating_point():
            expected = decay * first[key] + (1 - decay) * live[key]
            assert torch.allclose(value, expected, atol=1e-6), key

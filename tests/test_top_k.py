"""Top-k training (Sinha et al., 2020): the schedule of k, the rows kept, and the trainer's
generator updates learning from the k fakes the discriminator scores highest."""

import json

import pytest
import torch
import torch.nn.functional as F

import zoo
from zoo.train.top_k import keep_top_rows, top_k_count

from .test_conditional import make_trainer as make_conditional_trainer
from .test_trainer import make_trainer


@pytest.mark.parametrize(
    "epoch, keep, decay, k",
    [
        (0, 0.5, 0.99, 64),  # the whole batch at the start
        (10, 0.5, 0.99, 58),  # ceil(64 * 0.99**10 = 57.88)
        (1000, 0.5, 0.99, 32),  # never below keep * batch
        (1000, 0.001, 0.99, 1),  # at least one fake
        (3.5, 0.5, 0.9, 45),  # ceil(64 * 0.9**3.5 = 44.3), fractional epochs
        (5, 1.0, 0.5, 64),  # keep 1: every fake, whatever the decay
    ],
)
def test_k_shrinks_by_decay_per_epoch_down_to_keep_times_the_batch(epoch, keep, decay, k):
    assert top_k_count(64, epoch, keep, decay) == k


def test_the_rows_kept_are_those_scored_highest_patches_averaged():
    scores = torch.tensor([0.1, 3.0, -2.0, 2.0, 0.5])
    assert torch.equal(keep_top_rows(scores, 2), torch.tensor([3.0, 2.0]))
    patches = torch.zeros(3, 1, 2, 2)
    patches[0] = torch.tensor([[5.0, -5.0], [-5.0, -5.0]])  # mean -2.5, one high patch
    patches[1] = 1.0
    patches[2] = torch.tensor([[0.0, 0.0], [0.0, 0.4]])  # mean 0.1
    kept = keep_top_rows(patches, 2)
    assert torch.equal(kept, patches[[1, 2]])


def test_generator_updates_learn_from_the_top_k_fakes_only(tmp_path):
    # batch 16, keep 0.25 with decay 0.5 per epoch: k = 16 at step 0, 4 once epochs pass
    t = make_trainer("dcgan", tmp_path / "run", top_k=0.25, top_k_decay=0.5, log_every=1)
    full, kept = [], []
    d = t.model.discriminator
    d.register_forward_hook(lambda m, a, out: full.append(out.detach().clone()), prepend=True)
    d.register_forward_hook(lambda m, a, out: kept.append(out.detach().clone()))

    t.train_step()  # step 0: all 16 fakes, in the D update and the G update alike
    assert [len(x) for x in full] == [16, 16, 16] and [len(x) for x in kept] == [16, 16, 16]
    full.clear(), kept.clear()
    t.stream.load_state({"epoch": 10, "position": 0})  # k = max(ceil(16 * 0.5**10), 4) = 4
    _, g_out = t.train_step()
    # D's update scores 16 reals and 16 fakes; the G update keeps the 4 highest of 16
    assert [len(x) for x in full] == [16, 16, 16] and [len(x) for x in kept] == [16, 16, 4]
    top = full[2].flatten().sort(descending=True).values[:4]
    assert torch.equal(kept[2].flatten(), top)
    # the non-saturating G loss is the mean over those 4
    assert float(g_out.loss.detach()) == pytest.approx(
        float(F.softplus(-top.float()).mean()), rel=1e-5
    )
    # outside generator updates nothing is cut: R1 and evaluation see every image
    assert t.top_k.k is None and len(d(torch.zeros(7, 1, 28, 28))) == 7


def test_top_k_is_logged_and_changes_training(tmp_path):
    plain = make_trainer("dcgan", tmp_path / "plain", log_every=1)
    plain.train()
    cut = make_trainer("dcgan", tmp_path / "cut", top_k=0.25, top_k_decay=1e-6, log_every=1)
    cut.train()
    lines = [json.loads(x) for x in (tmp_path / "cut" / "log.jsonl").read_text().splitlines()]
    per_epoch = len(cut.data) // 16 * 16  # the stream drops the ragged tail
    expected = [top_k_count(16, step * 16 / per_epoch, 0.25, 1e-6) for step in range(6)]
    assert [line["top_k"] for line in lines] == expected and expected[0] == 16 > expected[-1]
    a = zoo.load(tmp_path / "plain").sample(4, seed=0, fast=False)
    b = zoo.load(tmp_path / "cut").sample(4, seed=0, fast=False)
    assert not torch.allclose(a, b)


def test_top_k_epochs_count_every_batch_the_critic_draws(tmp_path):
    # WGAN-GP draws 5 critic batches a step: after 3 steps, 15 batches of the data have passed
    t = make_trainer(
        "wgan-gp", tmp_path / "run", steps=4, top_k=0.25, top_k_decay=1e-3, log_every=1
    )
    t.train()
    lines = [json.loads(x) for x in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    per_epoch = len(t.data) // 16 * 16
    expected = [top_k_count(16, step * 5 * 16 / per_epoch, 0.25, 1e-3) for step in range(4)]
    assert [line["top_k"] for line in lines] == expected
    assert expected[-1] < top_k_count(16, 3 * 16 / per_epoch, 0.25, 1e-3)  # not one per step


@pytest.mark.slow
def test_compiled_top_k_training_matches_eager(tmp_path):
    # k changes every step (16, 13, 11, ...): the compiled discriminator must cut to it, not
    # to the first k it was traced with, nor skip the cut (G's loss then drifts by 0.5-2%)
    logs = {}
    for name, compile_ in (("eager", False), ("compiled", True)):
        t = make_trainer(
            "vanilla",
            tmp_path / name,
            steps=5,
            top_k=0.25,
            top_k_decay=1e-30,
            log_every=1,
            compile=compile_,
        )
        t.train()
        lines = (tmp_path / name / "log.jsonl").read_text().splitlines()
        logs[name] = [(x["top_k"], x["g_loss"]) for x in map(json.loads, lines)]
    eager, compiled = logs["eager"], logs["compiled"]
    assert [k for k, _ in compiled] == [k for k, _ in eager] and len(set(eager)) == 5
    assert [g for _, g in compiled] == pytest.approx([g for _, g in eager], rel=1e-4)


def test_a_discriminator_returning_a_tuple_is_named(tmp_path):
    t = make_conditional_trainer(tmp_path / "run", arch="acgan", top_k=0.5, top_k_decay=0.01)
    t.stream.load_state({"epoch": 100, "position": 0})  # k = 8 of 16: rows would be cut
    with pytest.raises(zoo.errors.ConfigError, match="discriminator returns a tuple"):
        t.train_step()

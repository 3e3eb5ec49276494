import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
import torch

import zoo
from zoo.constants import CHECKPOINT_NAME
from zoo.data.images import load_data
from zoo.models._registry import get_architecture
from zoo.models._weights import read_weights
from zoo.train import TrainConfig, Trainer, seed_everything

from .conftest import SMALL, ZOO


def make_trainer(arch, out, **train):
    seed_everything(0)
    model = zoo.create(arch, **SMALL[arch])
    data = load_data("mnist", 28, 1, progress=False)
    cfg = TrainConfig(
        **{
            "steps": 6,
            "batch_size": 16,
            "progress": False,
            "device": "cpu",
            "checkpoint_every": 3,
            "sample_every": 3,
            **train,
        }
    )
    return Trainer(model, data, cfg, out)


def weights(path: Path) -> dict:
    return read_weights(path)[0]


def assert_same_tensors(a: dict, b: dict):
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert different == []


def test_run_folder_contents(tmp_path):
    t = make_trainer("dcgan", tmp_path / "run")
    t.train()
    run = tmp_path / "run"
    info = json.loads((run / "run.json").read_text())
    assert info["architecture"] == "dcgan" and info["step"] == 6
    assert info["config"] == zoo.create("dcgan", **SMALL["dcgan"]).config.to_dict()
    assert sorted(p.name for p in (run / "samples").iterdir()) == [
        "latest.png",
        "step_000003.png",
        "step_000006.png",
    ]
    lines = [json.loads(x) for x in (run / "log.jsonl").read_text().splitlines()]
    assert lines[-1]["step"] == 6 and {"d_loss", "g_loss", "d_real", "d_fake"} <= set(lines[-1])
    loaded = zoo.load(run)
    assert not loaded.training


def test_ema_weights_are_published(tmp_path):
    t = make_trainer("vanilla", tmp_path / "run", ema_decay=0.5)
    t.train()
    published = weights(tmp_path / "run" / "model.safetensors")
    assert_same_tensors(published, dict(t.ema.module.state_dict()))
    raw = t.model.inference_state_dict()
    assert any(not torch.equal(published[k], raw[k]) for k in raw if raw[k].is_floating_point())


def test_wgan_gp_takes_five_critic_steps_per_generator_step(tmp_path):
    t = make_trainer("wgan-gp", tmp_path / "run", steps=2)
    calls = []
    for name in ("discriminator_loss", "generator_loss"):
        original = getattr(t.model, name)
        setattr(t.model, name, lambda b, o=original, n=name: calls.append(n) or o(b))
    t.train()
    assert calls == (["discriminator_loss"] * 5 + ["generator_loss"]) * 2
    assert t.stream.state() == {"epoch": 0, "position": 2 * 5 * 16}  # 10 batches consumed


@pytest.mark.parametrize("arch", ["vanilla", "dcgan", "wgan-gp"])
def test_resume_continues_the_same_run(tmp_path, arch):
    make_trainer(arch, tmp_path / "full").train()
    part = make_trainer(arch, tmp_path / "part", steps=3)
    part.train()
    resumed = make_trainer(arch, tmp_path / "part")
    resumed.train(resume=True)
    assert resumed.step == 6
    for name in ("model.safetensors", CHECKPOINT_NAME):
        assert_same_tensors(weights(tmp_path / "full" / name), weights(tmp_path / "part" / name))


def test_training_time_adds_up_across_resumes(tmp_path, monkeypatch):
    """A resumed run reports the time of every step once: the segments up to the checkpoint
    it resumed from plus its own (a clock that advances 10 s per step shows it exactly)."""
    import types

    from zoo.train import trainer as trainer_module

    clock = [0.0]
    monkeypatch.setattr(
        trainer_module, "time", types.SimpleNamespace(perf_counter=lambda: clock[0])
    )

    def ticking(t):
        step = t.train_step

        def train_step():
            clock[0] += 10.0
            return step()

        t.train_step = train_step
        return t

    ticking(make_trainer("dcgan", tmp_path / "run", steps=3)).train()
    assert json.loads((tmp_path / "run" / "run.json").read_text())["train_time_s"] == 30.0
    clock[0] += 1000.0  # time between the sessions is not training
    ticking(make_trainer("dcgan", tmp_path / "run", steps=6)).train(resume=True)
    assert json.loads((tmp_path / "run" / "run.json").read_text())["train_time_s"] == 60.0


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_trains(tmp_path, precision):
    t = make_trainer("dcgan", tmp_path / "run", precision=precision, steps=3)
    before = {k: v.clone() for k, v in t.model.generator.state_dict().items()}
    t.train()
    after = t.model.generator.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)
    assert all(torch.isfinite(v).all() for v in after.values() if v.is_floating_point())
    if precision == "fp16":
        assert t.scalers["generator"].is_enabled()


@pytest.mark.slow
def test_wgan_gp_compiles_its_generator_only(tmp_path):
    t = make_trainer("wgan-gp", tmp_path / "run", steps=1, compile=True)
    t.train()
    assert (
        t.step == 1
        and torch.isfinite(
            weights(tmp_path / "run" / "model.safetensors")["generator.1.weight"]
        ).all()
    )


@pytest.mark.slow
def test_compiled_training_matches_eager(tmp_path):
    eager = make_trainer("vanilla", tmp_path / "eager", steps=2)
    eager.train()
    compiled = make_trainer("vanilla", tmp_path / "compiled", steps=2, compile=True)
    compiled.train()
    a, b = (
        weights(tmp_path / "eager" / "model.safetensors"),
        weights(tmp_path / "compiled" / "model.safetensors"),
    )
    assert all(torch.allclose(a[k].float(), b[k].float(), atol=1e-4) for k in a)


@pytest.mark.slow
def test_compiled_training_with_r1_matches_eager(tmp_path):
    """R1's double backward runs the discriminator uncompiled (AOTAutograd has no double
    backward: `--compile --r1-gamma` used to stop at the first R1 step)."""
    runs = {}
    for name, compile in (("eager", False), ("compiled", True)):
        t = make_trainer("vanilla", tmp_path / name, steps=2, compile=compile, r1_gamma=1.0)
        t.r1_every = 1  # an R1 step every step
        t.train()
        runs[name] = weights(tmp_path / name / "model.safetensors")
        assert t.model.discriminator._compiled_call_impl is not None or not compile
    a, b = runs["eager"], runs["compiled"]
    assert all(torch.allclose(a[k].float(), b[k].float(), atol=1e-4) for k in a)


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    base = get_architecture("vanilla")

    class Diverging(base):
        calls = 0

        def generator_loss(self, real):
            Diverging.calls += 1
            out = super().generator_loss(real)
            if Diverging.calls == 5:
                out.loss = out.loss * float("nan")
            return out

    Diverging.architecture = "vanilla"
    seed_everything(0)
    model = Diverging(Diverging.Config.from_dict(SMALL["vanilla"]))
    data = load_data("mnist", 28, 1, progress=False)
    cfg = TrainConfig(steps=10, batch_size=8, progress=False, device="cpu", checkpoint_every=3)
    with pytest.raises(zoo.TrainingDivergedError) as err:
        Trainer(model, data, cfg, tmp_path / "run").train()
    message = str(err.value)
    assert "generator loss became nan at step 5" in message
    assert "checkpoint.safetensors, step 3" in message
    _, meta = read_weights(tmp_path / "run" / CHECKPOINT_NAME)
    assert json.loads(meta["state"])  # a readable checkpoint of step 3
    resumed = make_trainer("vanilla", tmp_path / "run", steps=4, batch_size=8, checkpoint_every=3)
    resumed.train(resume=True)
    assert resumed.step == 4


def test_refuses_to_overwrite_or_mix_runs(tmp_path, zoo_cli):
    run = tmp_path / "run"
    args = ["--data", "mnist", "--out", run, "--steps", "2", "--batch-size", "8", "--no-progress"]
    zoo_cli("train", "vanilla", *args, "--set", "latent_dim=8")
    r = zoo_cli("train", "vanilla", *args, "--set", "latent_dim=8", check=False)
    assert r.returncode == 2 and "already holds a run" in r.stderr and "--resume" in r.stderr
    r = zoo_cli("train", "dcgan", *args, "--set", "image_size=28", "--resume", check=False)
    assert r.returncode == 2
    assert "checkpoint of architecture 'vanilla'; this run trains 'dcgan'" in r.stderr
    r = zoo_cli("train", "vanilla", *args, "--set", "latent_dim=9", "--resume", check=False)
    assert r.returncode == 2 and "latent_dim" in r.stderr and "different config" in r.stderr
    r = zoo_cli("train", "vanilla", *args[:2], "--out", tmp_path / "empty", "--resume", check=False)
    assert r.returncode == 2 and "no checkpoint" in r.stderr


def test_unwritable_output_folder_is_a_clear_error(tmp_path, zoo_cli):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = zoo_cli(
        "train",
        "vanilla",
        "--data",
        "mnist",
        "--out",
        blocker / "run",
        "--steps",
        "1",
        "--no-progress",
        check=False,
    )
    assert r.returncode == 2 and f"{blocker} is a file, not a folder" in r.stderr


def _train_cmd(out: Path, *extra: str) -> list[str]:
    return [
        str(ZOO),
        "train",
        "dcgan",
        "--data",
        "mnist",
        "--out",
        str(out),
        "--steps",
        "24",
        "--batch-size",
        "16",
        "--checkpoint-every",
        "4",
        "--sample-every",
        "100",
        "--lr-schedule",
        "linear",
        "--no-progress",
        *[f"--set={k}={v}" for k, v in SMALL["dcgan"].items()],
        *extra,
    ]


def _checkpoint_step(out: Path) -> int:
    try:
        return json.loads(read_weights(out / CHECKPOINT_NAME)[1]["state"])["__dict__"][0][1]
    except Exception:
        return -1


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
def test_killed_process_resumes_to_identical_weights(tmp_path, sig):
    subprocess.run(_train_cmd(tmp_path / "full"), check=True, capture_output=True)
    proc = subprocess.Popen(
        _train_cmd(tmp_path / "cut"), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.time() + 300
    while _checkpoint_step(tmp_path / "cut") < 8 and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    step = _checkpoint_step(tmp_path / "cut")
    assert 8 <= step < 24, f"the run was not cut mid-way (checkpoint at step {step})"
    if sig in (signal.SIGINT, signal.SIGTERM):  # stopped after a step, checkpoint written
        assert proc.returncode == 130 and b"continue with --resume" in err
        info = json.loads((tmp_path / "cut" / "run.json").read_text())
        assert info["step"] == step  # run.json says how far it got
    else:
        assert proc.returncode == -signal.SIGKILL
    subprocess.run(_train_cmd(tmp_path / "cut", "--resume"), check=True, capture_output=True)
    for name in ("model.safetensors", CHECKPOINT_NAME):
        assert_same_tensors(weights(tmp_path / "full" / name), weights(tmp_path / "cut" / name))
    steps = [
        json.loads(x)["step"] for x in (tmp_path / "cut" / "log.jsonl").read_text().splitlines()
    ]
    assert steps == sorted(set(steps))  # no duplicated log lines after the resume


def test_eval_curve_is_written_and_resumes(tmp_path, zoo_cli):
    out = tmp_path / "run"
    sets = [f"--set={k}={v}" for k, v in SMALL["dcgan"].items()]
    common = ["train", "dcgan", "--data", "mnist", "--out", out, *sets, "--batch-size", "16"]
    common += ["--checkpoint-every", "2", "--eval-every", "2", "--eval-samples", "40"]
    zoo_cli(*common, "--steps", "4", "--no-progress")
    records = [json.loads(x) for x in (out / "eval.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [2, 4]
    assert {"fid", "kid", "precision", "recall", "classes_covered"} <= set(records[0])
    assert records[0] != records[1]  # the metrics follow the training
    from PIL import Image

    assert Image.open(out / "eval.png").size[0] > 300
    zoo_cli(*common, "--steps", "6", "--resume", "--no-progress")
    steps = [json.loads(x)["step"] for x in (out / "eval.jsonl").read_text().splitlines()]
    assert steps == [2, 4, 6]


def test_adam_updates_run_fused_and_match_the_reference_loop(tmp_path):
    """One fused kernel per optimizer step (CHANGELOG.md: the largest single win in
    training on the CPU), with the same updates as torch's default per-tensor Adam."""
    t = make_trainer("dcgan", tmp_path / "run", ema_decay=0.0)
    assert all(o.defaults["fused"] for o in t.optimizers.values())
    start = {k: v.clone() for k, v in t.model.generator.state_dict().items()}
    batch = t.data.batch(torch.arange(16))
    t.model.train()
    torch.manual_seed(0)  # the same latent codes for both
    t._update("generator", t.model.generator_loss, batch)
    fused = {k: v.clone() for k, v in t.model.generator.state_dict().items()}

    t.model.generator.load_state_dict(start)
    spec = t.model.optimizers()["generator"]
    reference = torch.optim.Adam(t.params["generator"], lr=spec.lr, betas=spec.betas)
    torch.manual_seed(0)
    reference.zero_grad()
    t.model.generator_loss(batch).loss.backward()
    reference.step()
    moved = [k for k in start if not torch.equal(start[k], fused[k])]
    assert moved  # the update did change the weights
    for k, v in t.model.generator.state_dict().items():
        torch.testing.assert_close(fused[k], v, atol=1e-6, rtol=1e-5)


def test_run_info_is_read_from_run_json_or_a_legacy_config_json(tmp_path):
    from zoo.train.run import read_run_info

    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "config.json").write_text(json.dumps({"train": {}, "data_source": "mnist"}))
    assert read_run_info(legacy)["data_source"] == "mnist"
    published = tmp_path / "published"  # a save_pretrained folder's config.json is not run info
    published.mkdir()
    (published / "config.json").write_text(json.dumps({"architecture": "dcgan", "config": {}}))
    assert read_run_info(published) is None


def _drop_saved_field(checkpoint: Path, section: str, field: str) -> None:
    """Rewrite ``checkpoint`` as one written before ``field`` existed."""
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    with safe_open(str(checkpoint), "pt") as f:
        meta = f.metadata()
    config = json.loads(meta["config"])
    del config[section][field]
    save_file(load_file(checkpoint), checkpoint, {**meta, "config": json.dumps(config)})


def test_a_checkpoint_from_before_a_new_field_resumes_if_the_field_keeps_its_default(tmp_path):
    run = tmp_path / "run"
    make_trainer("vanilla", run, steps=3).train()
    _drop_saved_field(run / CHECKPOINT_NAME, "model", "lr")  # SMALL keeps the default lr
    resumed = make_trainer("vanilla", run, steps=4)
    resumed.train(resume=True)
    assert resumed.step == 4
    _drop_saved_field(run / CHECKPOINT_NAME, "model", "latent_dim")  # SMALL's is not default
    with pytest.raises(zoo.CheckpointError, match="different config.*latent_dim"):
        make_trainer("vanilla", run, steps=5).train(resume=True)

"""`zoo bench --kinds train --profile`: where a training step's time goes."""

import json
import time

import pytest

from zoo.train.phases import OTHER, PHASES, StepPhases

from .conftest import run_zoo
from .test_trainer import make_trainer


def test_phases_accumulate_and_other_is_the_rest_of_the_step():
    phases = StepPhases(enabled=True)
    start = time.perf_counter()
    for _ in range(2):
        with phases("forward"):
            time.sleep(0.02)
        with phases("backward"):
            time.sleep(0.01)
        time.sleep(0.01)  # outside every phase: "other"
    elapsed = time.perf_counter() - start
    ms = phases.breakdown(2, elapsed)
    assert ms["forward"] >= 20 and ms["backward"] >= 10 and ms["forward"] > ms["backward"]
    assert ms["data"] == ms["optimizer"] == ms["ema"] == 0
    assert ms[OTHER] >= 10
    assert sum(ms[p] for p in (*PHASES, OTHER)) == pytest.approx(ms["step"])
    with pytest.raises(ValueError, match="phase='fwd'; choose one of"):
        phases("fwd")
    with pytest.raises(ValueError, match="steps=0"):
        phases.breakdown(0, 1.0)


def test_disabled_phases_time_nothing():
    phases = StepPhases()
    with phases("forward"):
        time.sleep(0.01)
    assert set(phases.seconds.values()) == {0.0}


def test_trainer_marks_every_phase_of_its_step(tmp_path):
    trainer = make_trainer("dcgan", tmp_path / "run")
    trainer.train_step()  # warm-up, unprofiled
    trainer.phases.enabled = True
    start = time.perf_counter()
    for _ in range(3):
        trainer.train_step()
    ms = trainer.phases.breakdown(3, time.perf_counter() - start)
    assert all(ms[p] > 0 for p in PHASES), ms  # data, forward, backward, optimizer, ema
    assert sum(ms[p] for p in PHASES) <= ms["step"]


def test_zoo_bench_profile_breaks_down_the_reference_loop_and_the_trainer(tmp_path):
    out = tmp_path / "profile.json"
    r = run_zoo(
        "bench", "dcgan", "--kinds", "train", "--profile", "--variants", "eager", "--quick",
        "--set", "image_size=28", "--set", "channels=1", "--set", "g_width=8",
        "--set", "d_width=8", "--batch", "8", "--json", str(out),
    )  # fmt: skip
    for column in ("STEP MS", "DATA", "FORWARD", "BACKWARD", "OPTIMIZER", "EMA", "OTHER"):
        assert column in r.stdout
    rows = {p["variant"]: p for p in json.loads(out.read_text())["profiles"]}
    assert set(rows) == {"baseline", "eager"}
    assert rows["baseline"]["ms"]["ema"] == 0  # the reference loop keeps no EMA
    assert rows["eager"]["ms"]["ema"] > 0
    for row in rows.values():
        assert row["batch"] == 8 and row["steps"] >= 1
        ms = row["ms"]
        assert all(ms[p] > 0 for p in ("data", "forward", "backward", "optimizer"))
        assert sum(ms[p] for p in (*PHASES, OTHER)) == pytest.approx(ms["step"], rel=1e-6)

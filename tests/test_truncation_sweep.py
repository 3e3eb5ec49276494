"""benchmarks/studies/truncation_sweep.py, behind docs/metrics.md's truncation table."""

import pytest

from .conftest import load_script

pytestmark = pytest.mark.slow  # a study's test


def test_sweep_measures_a_held_out_catalog_model():
    """dcgan-mnist's catalog data is the held-out split ('mnist:test'): the sweep measures
    against it, one row per threshold, and truncating hard costs variety (recall)."""
    script = load_script("truncation_sweep")
    rows = script.sweep("dcgan-mnist", samples=200)
    assert [r["truncation"] for r in rows] == ["none", 2.0, 1.5, 1.0, 0.5]
    by_threshold = {r["truncation"]: r for r in rows}
    assert by_threshold[0.5]["recall"] < by_threshold["none"]["recall"] - 0.2
    assert len({round(r["fid"], 6) for r in rows}) == len(rows)

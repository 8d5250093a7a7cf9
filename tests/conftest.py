"""Shared fixtures: the seed (a committed copy under tests/fixtures, never the live seeds/ folder, which
holds the user's own articles), the gold annotation and the benchmark data in ../shared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
SEED = SEEDS / "000_ae33d785d9baa15f.txt"


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text("utf-8")


@pytest.fixture(scope="session")
def seed_gold() -> dict:
    path = SHARED / "gold" / "seed-000.json"
    if not path.exists():
        pytest.skip(f"{path} not available")
    return json.loads(path.read_text("utf-8"))


@pytest.fixture(scope="session")
def polnear_dev() -> list[dict]:
    path = SHARED / "bench" / "polnear" / "dev.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not available")
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def analyst_outputs(tmp_path_factory) -> Path:
    """`python -m pipeline run` on the seed fixture into a temporary WORK/outputs folder (run once per test session)."""
    from pipeline.cli import main

    out = tmp_path_factory.mktemp("analyst") / "outputs"
    code = main(["run", "--seeds", str(SEEDS), "--out", str(out), "--params", str(ROOT / "params.yaml")])
    assert code == 0, "the pipeline failed on the seed"
    return out

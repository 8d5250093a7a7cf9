"""Parallel runs write the same tables as a one-process run: local workers and a Dask cluster."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from articles import article, run

TABLES = ["clean/documents", "entities/mentions", "entities/entities", "quotes/quotes"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path]:
    """Twelve articles and their one-process run."""
    root = tmp_path_factory.mktemp("scale")
    seeds = root / "seeds"
    seeds.mkdir()
    for i in range(12):
        (seeds / f"s{i:02d}.txt").write_text(article(i), encoding="utf-8")
    result = run(["run", "--seeds", str(seeds), "--out", "single", "--workers", "1"], root)
    assert result.returncode == 0, result.stderr
    return root, seeds


def assert_same_tables(one: Path, other: Path) -> None:
    for name in TABLES:
        assert pq.read_table(one / f"{name}.parquet").equals(pq.read_table(other / f"{name}.parquet")), name


def test_two_local_workers_write_the_same_tables(corpus):
    root, seeds = corpus
    result = run(["run", "--seeds", str(seeds), "--out", "two", "--workers", "2"], root)
    assert result.returncode == 0, result.stderr
    assert_same_tables(root / "single", root / "two")


def test_dask_local_cluster_writes_the_same_tables(corpus):
    pytest.importorskip("distributed")
    root, seeds = corpus
    result = run(["run", "--seeds", str(seeds), "--out", "dask", "--executor", "dask", "--workers", "2"], root)
    assert result.returncode == 0, result.stderr
    assert_same_tables(root / "single", root / "dask")


def test_separate_stages_match_the_single_pass_run(corpus):
    """`dvc repro` runs the stages one by one: the quote stage then reads the stored parses."""
    root, seeds = corpus
    for stage in (["clean", "--seeds", str(seeds)], ["entities"], ["quotes"]):
        result = run([*stage, "--out", "staged"], root)
        assert result.returncode == 0, result.stderr
    assert "0 reused, 12 processed" in result.stderr
    assert_same_tables(root / "single", root / "staged")


def test_stored_selective_parse_serves_the_quote_stage_as_in_the_single_pass(corpus):
    """With `entities.selective_parse`, `dvc repro`'s quote stage reads the partial parses and finds
    the quotes the whole-pipeline run found in the same pass."""
    root, seeds = corpus
    params = root / "selective.yaml"
    params.write_text("entities:\n  selective_parse: true\n", encoding="utf-8")
    result = run(["run", "--seeds", str(seeds), "--out", "selective", "--params", str(params), "--workers", "2"], root)
    assert result.returncode == 0, result.stderr
    for stage in (["clean", "--seeds", str(seeds)], ["entities"], ["quotes"]):
        result = run([*stage, "--out", "selective_staged", "--params", str(params)], root)
        assert result.returncode == 0, result.stderr
    assert "0 reused, 12 processed" in result.stderr
    assert_same_tables(root / "selective", root / "selective_staged")

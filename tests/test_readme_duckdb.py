"""Every ```sql block of README.md runs as written with DuckDB, from a folder holding outputs/."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

duckdb = pytest.importorskip("duckdb")

SQL_BLOCKS = re.findall(r"^```sql\n(.*?)^```", (ROOT / "README.md").read_text("utf-8"), flags=re.S | re.M)


def test_readme_has_sql_examples_including_a_speaker_join():
    assert len(SQL_BLOCKS) >= 2
    joins = [sql for sql in SQL_BLOCKS if "quotes.parquet" in sql and "entities.parquet" in sql
             and "speaker_entity_id" in sql]
    assert joins, "the README should show a join of quotes to their speakers' entities"


@pytest.mark.parametrize("sql", SQL_BLOCKS, ids=[f"block{i + 1}" for i in range(len(SQL_BLOCKS))])
def test_readme_sql_runs_over_outputs(sql, analyst_outputs, monkeypatch):
    monkeypatch.chdir(analyst_outputs.parent)  # the README's paths are relative: 'outputs/...'
    con = duckdb.connect()
    try:
        statements = con.extract_statements(sql)
        assert statements
        for statement in statements:
            result = con.execute(statement)
            rows = result.fetchall()
            columns = [d[0] for d in result.description]
            assert rows, f"no rows from:\n{sql}"
            assert all(len(row) == len(columns) for row in rows)
    finally:
        con.close()


def test_speaker_join_counts_agree_with_pandas(analyst_outputs, monkeypatch):
    """The first example's counts are the quotes per speaker entity that pandas finds."""
    import pandas as pd

    monkeypatch.chdir(analyst_outputs.parent)
    first = SQL_BLOCKS[0]
    got = {(speaker, kind): n for speaker, kind, n in duckdb.sql(first).fetchall()}
    quotes = pd.read_parquet("outputs/quotes/quotes.parquet")
    entities = pd.read_parquet("outputs/entities/entities.parquet")
    expected = (quotes.merge(entities, left_on="speaker_entity_id", right_on="entity_id")
                      .groupby(["canonical_name", "type"]).size())
    assert got == {key: n for key, n in expected.sort_values(ascending=False).head(10).items()}

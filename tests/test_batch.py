"""Scheduled batch reruns: bad input, incremental reruns, atomic tables, locking, determinism."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from articles import article, run
from filelock import FileLock

TABLES = ["clean/documents", "clean/removed_lines", "clean/rejected", "entities/mentions", "entities/entities",
          "quotes/quotes", "quotes/quote_groups"]
def tables(out: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(out / f"{name}.parquet") for name in TABLES}


def metrics(out: Path) -> dict:
    return json.loads((out / "metrics.json").read_text())


@pytest.fixture()
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    for i in range(6):
        (folder / f"a{i:02d}.txt").write_text(article(i), encoding="utf-8")
    return folder


def test_bad_inputs_are_rejected_one_line_each_and_good_ones_kept(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "good.txt").write_text(article(1), encoding="utf-8")
    (seeds / "empty.txt").write_bytes(b"")
    (seeds / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (seeds / "windows.txt").write_bytes(article(2).replace("Paris", "Par\u00eds").encode("cp1252"))
    (seeds / "latin.txt").write_bytes("Caf\u00e9 owners protest\n\nThe caf\u00e9 owners of S\u00e3o Paulo marched on "
                                       "Tuesday against the new tax on terraces and outdoor seating.\n".encode("latin-1"))
    good = json.dumps({"id": "j1", "text": article(3)})
    (seeds / "rows.jsonl").write_text(f"{good}\n{{not json at all\n" + json.dumps({"id": "j2", "text": article(4)})
                                      + "\n" + json.dumps({"id": "j1", "text": article(5)}) + "\n", encoding="utf-8")
    (seeds / "notext.csv").write_text("id,body\n1,hello\n", encoding="utf-8")
    pq.write_table(pa.table({"id": ["p1"], "content": ["x"]}), seeds / "notext.parquet")
    (seeds / "huge.txt").write_text("word " * 300_000, encoding="utf-8")
    (seeds / "unbalanced.txt").write_text(
        "Row over \u201cstray marks\u201d\n\nOne stray \u201c mark opens here and never closes in this paragraph.\n\n"
        "\u201cThe rest still counts,\u201d said Maria Lopez, the mayor.\n", encoding="utf-8")
    result = run(["run", "--seeds", str(seeds), "--out", "out"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = tmp_path / "out"
    rejected = pd.read_parquet(out / "clean/rejected.parquet")
    reasons = dict(zip(rejected.source, rejected.reason))
    assert set(reasons) == {"empty.txt", "binary.txt", "rows.jsonl:2", "rows.jsonl:4", "notext.csv", "notext.parquet",
                            "huge.txt"}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "line 2" in reasons["rows.jsonl:2"]
    assert "duplicate id 'j1'" in reasons["rows.jsonl:4"]
    assert "no 'text' column" in reasons["notext.csv"] and "body" in reasons["notext.csv"]
    assert "no 'text' column" in reasons["notext.parquet"]
    assert "too long" in reasons["huge.txt"]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == len(rejected)
    docs = pd.read_parquet(out / "clean/documents.parquet").set_index("doc_id")
    assert sorted(docs.index) == ["good", "j1", "j2", "latin", "unbalanced", "windows"]
    assert "Par\u00eds" in docs.loc["windows", "text"] and "\u201cWe will not accept" in docs.loc["windows", "text"]
    assert "S\u00e3o Paulo" in docs.loc["latin", "text"]
    quotes = pd.read_parquet(out / "quotes/quotes.parquet")
    assert "The rest still counts," in set(quotes[quotes.doc_id == "unbalanced"].text)

    strict = run(["run", "--seeds", str(seeds), "--out", "out2", "--strict"], tmp_path)
    assert strict.returncode != 0 and "--strict" in strict.stderr


def test_nothing_readable_is_an_error(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "empty.txt").write_text("")
    result = run(["run", "--seeds", str(seeds), "--out", "out"], tmp_path)
    assert result.returncode != 0
    assert "no article could be read" in result.stderr and "Traceback" not in result.stderr
    missing = run(["run", "--seeds", str(tmp_path / "nowhere"), "--out", "out"], tmp_path)
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr


def test_rerun_processes_only_new_articles_and_matches_a_fresh_run(tmp_path: Path, seeds: Path):
    assert run(["run", "--seeds", str(seeds), "--out", "out"], tmp_path).returncode == 0
    for i in range(6, 8):
        (seeds / f"a{i:02d}.txt").write_text(article(i), encoding="utf-8")
    (seeds / "a00.txt").unlink()
    assert run(["run", "--seeds", str(seeds), "--out", "out"], tmp_path).returncode == 0
    summary = metrics(tmp_path / "out")
    for stage in ("clean", "entities"):
        assert (summary[stage]["processed"], summary[stage]["reused"]) == (2, 5), stage
    # the two new articles' quotes were found in this run (in the entity stage's spaCy pass), all others were cached
    assert (summary["quotes"]["processed"], summary["quotes"]["reused"]) == (2, 5)
    assert run(["run", "--seeds", str(seeds), "--out", "fresh"], tmp_path).returncode == 0
    again, fresh = tables(tmp_path / "out"), tables(tmp_path / "fresh")
    for name in TABLES:
        pd.testing.assert_frame_equal(again[name], fresh[name], obj=name)
    assert "a00" not in set(again["clean/documents"].doc_id) and "a00" not in set(again["quotes/quotes"].doc_id)
    assert {"a06", "a07"} <= set(again["quotes/quotes"].doc_id)


def test_two_runs_give_identical_tables(tmp_path: Path, seeds: Path):
    for out in ("one", "two"):
        assert run(["run", "--seeds", str(seeds), "--out", out], tmp_path).returncode == 0
    for name in TABLES:
        one, two = (tmp_path / d / f"{name}.parquet" for d in ("one", "two"))
        assert pq.read_table(one).equals(pq.read_table(two)), name


def test_second_run_on_the_same_folder_stops_at_once(tmp_path: Path, seeds: Path):
    (tmp_path / "out").mkdir()
    with FileLock(tmp_path / "out" / ".pipeline.lock"):
        started = time.monotonic()
        result = run(["run", "--seeds", str(seeds), "--out", "out"], tmp_path)
    assert result.returncode == 2
    assert "another pipeline run is using" in result.stderr
    assert time.monotonic() - started < 30


def test_sigkill_leaves_previous_tables_readable_and_next_run_completes(tmp_path: Path, seeds: Path):
    assert run(["run", "--seeds", str(seeds), "--out", "out"], tmp_path).returncode == 0
    before = tables(tmp_path / "out")
    for i in range(6, 40):
        (seeds / f"a{i:02d}.txt").write_text(article(i), encoding="utf-8")
    assert run(["run", "--seeds", str(seeds), "--out", "expected"], tmp_path).returncode == 0
    expected = tables(tmp_path / "expected")
    for delay in (0.3, 1.0, 2.0, 3.0):
        process = subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--seeds", str(seeds), "--out", "out"],
                                   cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        now = tables(tmp_path / "out")  # every table readable
        for name in TABLES:
            assert now[name].equals(before[name]) or now[name].equals(expected[name]), (delay, name)
    final = run(["run", "--seeds", str(seeds), "--out", "out"], tmp_path)
    assert final.returncode == 0, final.stderr
    for name, frame in tables(tmp_path / "out").items():
        pd.testing.assert_frame_equal(frame, expected[name], obj=name)
    assert not list((tmp_path / "out").rglob(".*.tmp"))

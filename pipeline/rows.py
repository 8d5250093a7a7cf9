"""Table rows from records and back: field-relative offsets, paragraph and sentence indexes."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from pipeline.fields import Layout, analysis_text
from pipeline.records import Mention, Quote


def layout_of(document: dict) -> tuple[str, Layout]:
    """The analysis text of a documents-table row, and its layout."""
    return analysis_text(headline=document["headline"], standfirst=document["standfirst"], text=document["text"])


def paragraph_index(body: str, field_name: str, start: int) -> int:
    """0-based body paragraph of a field-relative offset; -1 outside the body."""
    return body.count("\n\n", 0, start) if field_name == "text" else -1


def mention_rows(doc_id: str, body: str, layout: Layout, sentence_starts: list[int],
                 found: Iterable[Mention]) -> list[dict]:
    """Table rows of one document's mentions, with field-relative offsets."""
    rows = []
    for m in found:
        where = layout.locate(m.start, m.end)
        if where is None:
            continue
        field_name, start, end = where
        rows.append({
            "doc_id": doc_id,
            "mention_id": f"{doc_id}/{field_name}/{start}",
            "field": field_name, "start": start, "end": end,
            "text": m.text, "label": m.label, "spacy_label": m.spacy_label,
            "entity_id": m.entity_id, "canonical_name": m.canonical_name,
            "country_code": m.country_code, "demonym_of": m.demonym_of, "metonym": m.metonym, "title": m.title,
            "mention_kind": m.kind, "gender": m.gender, "gender_source": m.gender_source,
            "paragraph": paragraph_index(body, field_name, start),
            "sentence": bisect.bisect_right(sentence_starts, m.start) - 1,
        })
    return rows


def mentions_from_rows(rows: Iterable[dict], layout: Layout | None) -> list[Mention]:
    """Mention records from table rows; offsets into the analysis text when `layout` is given."""
    base = {name: start for name, start, _ in layout.spans} if layout else {}
    return [
        Mention(base.get(r["field"], 0) + r["start"], base.get(r["field"], 0) + r["end"], r["text"], r["label"],
                r["spacy_label"], r["entity_id"], r["canonical_name"], r["country_code"], r["demonym_of"], r["metonym"],
                r["title"], r["mention_kind"], r["gender"], r["gender_source"])
        for r in rows
    ]


def quote_rows(doc_id: str, body: str, layout: Layout, found: Iterable[Quote]) -> list[dict]:
    """Table rows of one document's quotes, with field-relative offsets."""
    rows = []
    for q in found:
        where = layout.locate(q.start, q.end)
        if where is None:
            continue
        field_name, start, end = where
        speaker_where = (layout.locate(q.speaker_mention_start, q.speaker_mention_end)
                         if q.speaker_mention_start is not None else None)
        context = layout.locate(q.context_start, q.context_end) if q.context_start is not None else None
        context = context if context is not None and context[0] == field_name else None
        rows.append({
            "doc_id": doc_id,
            "quote_id": f"{doc_id}/{field_name}/{start}",
            "field": field_name, "start": start, "end": end,
            "text": q.text, "kind": q.kind,
            "paragraph": paragraph_index(body, field_name, start),
            "speaker_mention": q.speaker_mention,
            "speaker_mention_field": speaker_where[0] if speaker_where else None,
            "speaker_mention_start": speaker_where[1] if speaker_where else None,
            "speaker_mention_end": speaker_where[2] if speaker_where else None,
            "speaker": q.speaker, "speaker_entity_id": q.speaker_entity_id, "speaker_type": q.speaker_type,
            "speaker_role": q.speaker_role, "speaker_affiliation_id": q.speaker_affiliation_id,
            "cue": q.cue, "rule": q.rule, "confidence": q.confidence, "cue_type": q.cue_type,
            "context_start": context[1] if context else None, "context_end": context[2] if context else None,
        })
    return rows


def quotes_from_rows(rows: Iterable[dict], layout: Layout) -> list[Quote]:
    """Quote records from table rows, offsets into the analysis text."""
    base = {name: start for name, start, _ in layout.spans}
    quotes = []
    for r in rows:
        offset = base[r["field"]]
        speaker_offset = base.get(r["speaker_mention_field"]) if r["speaker_mention_field"] else None
        quotes.append(Quote(
            offset + r["start"], offset + r["end"], r["text"], r["kind"], r["speaker_mention"],
            speaker_offset + r["speaker_mention_start"] if speaker_offset is not None else None,
            speaker_offset + r["speaker_mention_end"] if speaker_offset is not None else None,
            r["speaker"], r["speaker_entity_id"], r["speaker_type"], r["cue"], r["rule"], r["confidence"],
            r["speaker_role"], r["speaker_affiliation_id"],
            cue_type=r.get("cue_type"),
            context_start=offset + r["context_start"] if r.get("context_start") is not None else None,
            context_end=offset + r["context_end"] if r.get("context_end") is not None else None,
        ))
    return quotes

"""`quotes(doc, mentions)`: the document's quotes with their speakers, in text order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from spacy.tokens import Doc

from pipeline.quotes.attribution import attribute
from pipeline.quotes.context import Attribution, Context
from pipeline.quotes.detection import (
    clause_kind,
    name_or_title,
    quote_kind,
    quote_words,
    unreported_fragment,
)
from pipeline.quotes.lexicon import lexicon
from pipeline.quotes.marks import QuotedSpan, quoted_spans
from pipeline.quotes.reported import with_reported
from pipeline.records import Mention, Quote
from pipeline.resolve.gender import infer_genders
from pipeline.resolve.roles import speaker_details

_CONFIDENCE = {"cue": 0.9, "source_line": 0.85, "transcript": 0.85, "according_to": 0.9, "colon": 0.85, "clause_subject": 0.6,
               "previous_sentence": 0.7, "continuation": 0.75, "none": 0.3}


def quotes(doc: Doc, mentions: Sequence[Mention], *, single_quotes: str = "auto",
           keep_unattributed: bool = False, indirect: bool = True) -> Iterator[Quote]:
    """Yield the quotes of `doc` with their speakers, in text order.

    Every quote gets its `cue_type`. indirect: also yield reported speech (kind "indirect",
    `pipeline.quotes.reported`), and give a partial quote its reported clause as context.
    """
    direct = _direct_quotes(doc, mentions, single_quotes=single_quotes, keep_unattributed=keep_unattributed)
    if indirect:
        yield from with_reported(doc, mentions, list(direct), single_quotes=single_quotes)
        return
    lex = lexicon()
    for quote in direct:
        yield replace(quote, cue_type=lex.cue_type(quote.cue))


def _direct_quotes(doc: Doc, mentions: Sequence[Mention], *, single_quotes: str = "auto",
                   keep_unattributed: bool = False) -> Iterator[Quote]:
    """The quotes in quotation marks, in text order (see `quotes`).

    single_quotes: "auto" (single marks quote wherever they pair and are not apostrophes) or
    "never" (double marks only).
    keep_unattributed: also yield quoted text that no rule attributes (no reporting verb, no
    lead-in, no speaker in context; speaker None, rule "none"). Off by default: on PolNeAR dev
    such rows are unannotated text (e2e F1 0.936 -> 0.933) and on the annotated pages they add two
    quotes of 214 without a speaker (e2e F1 0.700 -> 0.696).
    """
    spans = list(quoted_spans(doc.text, single_quotes=single_quotes))
    if not spans:
        return
    ctx = Context(doc, mentions, spans)
    infer_genders(ctx)
    state: dict = {}
    found: list[tuple[QuotedSpan, str, Attribution]] = []
    for span in spans:
        if name_or_title(ctx, span):
            continue
        kind = clause_kind(ctx, span, quote_kind(ctx.text, span))
        att = attribute(ctx, span, kind, state)
        if unreported_fragment(ctx, span) and not (att.rule in _SOURCED and att.mention_text):
            continue  # a word or three in marks that no reporting verb or source line gives to anyone
        if att.mention_text:
            state["prev_att"] = att
            state["prev_para"] = ctx.para_of(span.open_start)
            state["prev_end"] = span.close_end
        if att.speaker is not None:
            state["last"] = att.speaker
            state["last_para"] = ctx.para_of(span.open_start)
        found.append((span, kind, att))
    for span, kind, att in _share_within_chains(found):
        if att.rule == "none" and not keep_unattributed:
            continue
        if kind == "partial" and att.mention_text is None and len(quote_words(ctx.text[span.start:span.end])) <= 3:
            continue  # a word or two in quotes that nobody is said to have said
        who = att.speaker
        role, affiliation, certainty = speaker_details(ctx, att)
        yield Quote(
            start=span.start, end=span.end, text=ctx.text[span.start:span.end], kind=kind,
            speaker_mention=att.mention_text, speaker_mention_start=att.mention_start,
            speaker_mention_end=att.mention_end,
            speaker=who.canonical_name if who else None,
            speaker_entity_id=who.entity_id if who else None,
            speaker_type=who.label if who else None,
            cue=att.cue, rule=att.rule,
            confidence=_CONFIDENCE[att.rule] * (1.0 if who is not None or att.rule == "none" else 0.8) * certainty,
            speaker_role=role, speaker_affiliation_id=affiliation,
        )


_DIRECT_RULES = ("cue", "according_to", "colon", "transcript", "source_line")
_SOURCED = ("cue", "source_line")  # rules that make a short fragment someone's words


def _share_within_chains(found: list[tuple[QuotedSpan, str, Attribution]]):
    """The paragraphs of one multi-paragraph quote share one speaker: the one attributed in the
    nearest paragraph before (at its start; in a transcript, the last label), else the one named
    where it ends ("...," she said)."""
    out, chain = [], []
    for item in found:
        chain.append(item)
        if not item[0].open_ended:
            out += _settle(chain)
            chain = []
    return out + _settle(chain)


def _settle(chain: list[tuple[QuotedSpan, str, Attribution]]) -> list[tuple[QuotedSpan, str, Attribution]]:
    if len(chain) < 2:
        return chain
    direct = [att for _, _, att in chain if att.rule in _DIRECT_RULES]
    if not direct:
        return chain
    out, before = [], None
    for n, (span, kind, att) in enumerate(chain):
        if att.rule in _DIRECT_RULES:
            before = att
            out.append((span, kind, att))
            continue
        # the nearest paragraph before with its own attribution (a transcript's last label),
        # else the first one after ("...," she said at the end)
        head = before or next(a for _, _, a in chain[n + 1:] if a.rule in _DIRECT_RULES)
        out.append((span, kind, Attribution("continuation", head.cue, head.mention_text, head.mention_start,
                                            head.mention_end, head.speaker)))
    return out

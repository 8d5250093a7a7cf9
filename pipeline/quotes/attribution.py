"""The attribution rules: the first that fires names a quote's speaker (see `pipeline.quotes`)."""

from __future__ import annotations

import re

from spacy.tokens import Token

from pipeline.entities import entity_id
from pipeline.quotes.context import (
    SPEAKER_LABELS,
    Attribution,
    Context,
    speaker_type_ok,
)
from pipeline.quotes.cues import (
    adjacent_subject,
    best_cue,
    clause_subject,
    cue_candidates,
    reporting_subject,
    sentence_range,
)
from pipeline.quotes.marks import QuotedSpan
from pipeline.records import Mention
from pipeline.resolve.pronouns import pronoun_antecedent
from pipeline.resolve.speakers import resolve_speaker


def from_cue(ctx: Context, tok: Token, lemma: str, rule: str, state: dict) -> Attribution | None:
    """The attribution through reporting verb `tok` (lemma `lemma`): its subject, resolved; None when it has none."""
    subj = reporting_subject(ctx, tok)
    if subj is not None and ctx.para_of(subj.idx) != ctx.para_of(tok.idx):
        subj = None  # the parser ran a sentence over a paragraph break
    subj = subj or adjacent_subject(ctx, tok)
    if subj is not None and subj.lower_ in ("him", "her", "them", "me", "us", "whom"):
        return None  # "made him fume": an object, not someone reporting
    if subj is None:
        return None
    text, start, end, who = resolve_speaker(ctx, subj, state)
    cue = "according to" if lemma == "according" else (lemma or None)
    return Attribution("according_to" if lemma == "according" else rule, cue, text, start, end, who)


_WORD_RE = re.compile(r"[A-Za-z][\w'\u2019.-]*")


def _text_cue(ctx: Context, span: QuotedSpan, state: dict) -> Attribution | None:
    """ "X said" / "said X" read from the raw words next to the quote, for text the tokenizer
    glued together (said,"Look)."""
    text, lex = ctx.text, ctx.lex
    ps, pe = ctx.paras[ctx.para_of(span.open_start)]
    windows = []
    after_end = min(pe, span.close_end + 80)
    for mark in "\u201c\"":
        k = text.find(mark, span.close_end, after_end)
        if k >= 0:
            after_end = k
    windows.append((span.close_end, after_end))
    windows.append((max(ps, span.open_start - 60), span.open_start))
    for lo, hi in windows:
        for w in _WORD_RE.finditer(text, lo, hi):
            word = w.group().rstrip(".").lower()
            verb = lex.verbs.get(word)
            if verb is None or verb.cls == "belief" or verb.needs:
                continue
            # the nearest name or pronoun next to the verb, same window
            best = None
            for m in ctx.mentions:
                if m.start >= hi or m.end <= lo:
                    continue
                gap = w.start() - m.end if m.end <= w.start() else m.start - w.end()
                if 0 <= gap <= 3 and (best is None or gap < best[0]):
                    best = (gap, m)
            if best is not None:
                m = best[1]
                return Attribution("cue", verb.lemma, m.text, m.start, m.end, m)
            for p in _WORD_RE.finditer(text, max(lo, w.start() - 5), min(hi, w.end() + 5)):
                if p.group().lower() in ("he", "she"):
                    t = ctx.doc[ctx._tok(p.start())]
                    if t.idx == p.start():
                        who = pronoun_antecedent(ctx, t, state)
                        return Attribution("cue", verb.lemma, t.text, t.idx, t.idx + len(t.text), who)
    return None


def _glued(ctx: Context, lo: int, hi: int) -> bool:
    """A token with a quotation mark stuck inside it (said,"Look): the parse missed the cue."""
    marks = "\u201c\u201d\""
    return any(len(t.text) > 1 and any(m in t.text for m in marks)
               for t in ctx.doc[max(0, lo - 1):min(len(ctx.doc), hi + 1)])


def _name_line(ctx: Context, para: int) -> Mention | None:
    """A short paragraph that only names a person (with an age, a place, a title):
    '- Hillary Clinton.', 'Maria Lopez, 34, Phoenix'."""
    s, e = ctx.paras[para]
    text = ctx.text[s:e]
    dash = text[:1] in "-\u2014\u2013"
    if len(text.split()) > (20 if dash else 14):
        return None
    lead = s + (1 if dash else 0)
    while lead < e and ctx.text[lead] in " \u00a0":
        lead += 1
    m = ctx.mention_at(lead, min(e, lead + 25))
    if m is None or m.label != "PERSON" or len(ctx.text[lead:m.start].split()) > 2:
        return None
    if not dash:  # a sentence about the person is not a name line
        for t in ctx.doc[ctx._tok(s):ctx._tok(e - 1) + 1]:
            if t.tag_ in ("VBD", "VBZ", "VBP", "MD") and not ctx.in_quote[t.i]:
                return None
    return m


_DASH_NAME = re.compile(r"[-\u2014\u2013]\s*((?:[A-Z][\w.'\u2019-]*\s?){1,4})(?=[,.]|$)")


def _source_line(ctx: Context, span: QuotedSpan) -> Attribution | None:
    """A quote-only paragraph with its source on a line of its own, after or before it."""
    para = ctx.para_of(span.open_start)
    ps, pe = ctx.paras[para]
    if span.close_end < pe - 2 or span.open_start > ps + 2:
        return None
    for other in (para + 1, para - 1):
        if 0 <= other < len(ctx.paras) and other >= 2:
            m = _name_line(ctx, other)
            if m is not None:
                return Attribution("source_line", None, m.text, m.start, m.end, m)
    if para + 1 < len(ctx.paras):  # '-Jane Doe, Ohio.' with a name the entity rules missed
        ns, ne = ctx.paras[para + 1]
        found = _DASH_NAME.match(ctx.text, ns, ne)
        if found is not None and len(ctx.text[ns:ne].split()) <= 20:
            name = found.group(1).strip()
            start = found.start(1)
            who = speaker_type_ok(ctx.mention_at(start, start + len(name)))
            return Attribution("source_line", None, name, start, start + len(name), who)
    return None


_LABEL = re.compile(r"\s*([A-Z][A-Za-z.'\u2019-]+(?: [A-Z][A-Za-z.'\u2019-]+){0,2}):\s")


def _transcript_label(ctx: Context, span: QuotedSpan) -> Attribution | None:
    """Transcripts: 'PENCE: ...' at the start of the quote, or 'PENCE: "..."' before it."""
    text = ctx.text
    m = _LABEL.match(text, span.start, min(span.end, span.start + 40))
    if m is None:
        ps, _ = ctx.paras[ctx.para_of(span.open_start)]
        lead = text[ps:span.open_start]
        m2 = re.fullmatch(r"\s*([A-Z][A-Za-z.'\u2019-]+(?: [A-Z][A-Za-z.'\u2019-]+){0,2})\s*:\s*", lead)
        if m2 is None:
            return None
        label, start = m2.group(1), ps + m2.start(1)
    else:
        label, start = m.group(1), m.start(1)
    if label.upper() != label and " " not in label:
        return None  # "Note:", "Update:" are not speakers; transcripts write the name in capitals
    if label.lower() in ("q", "a", "note", "update", "editor's note", "video", "audio", "correction"):
        return None
    end = start + len(label)
    who = ctx.mention_at(start, end)
    if who is None or who.label not in SPEAKER_LABELS:
        last = label.split()[-1].lower()
        who = next((x for x in ctx.mentions if x.label == "PERSON"
                    and (x.canonical_name or x.text).split()[-1].lower() == last), None)
    return Attribution("transcript", None, label, start, end, who)


_TRAILING_SOURCE = re.compile(r"[ \t\u00a0]*[\u2015\u2014\u2013-]+[ \t\u00a0]*"
                              r"([A-Z][\w.'\u2019-]*(?:[ \t][A-Z][\w.'\u2019-]*){0,4})[ \t.\u00a0]*(?=[,\n]|$)")


def _trailing_source(ctx: Context, span: QuotedSpan) -> Attribution | None:
    """A source after a dash closing the quote's line: '"..." \u2015 Jane Doe' or '"..." - Jane Doe,
    34, Phoenix' (lists of reader or voter comments)."""
    found = _TRAILING_SOURCE.match(ctx.text, span.close_end)
    if found is None:
        return None
    line_end = ctx.text.find("\n", found.end())
    line_end = len(ctx.text) if line_end < 0 else line_end
    if len(ctx.text[found.end():line_end].split()) > 12:
        return None
    name = found.group(1).rstrip(".")
    start = found.start(1)
    end = start + len(name)
    who = speaker_type_ok(ctx.mention_at(start, end))
    if who is None:
        label = "PERSON" if len(name.split()) > 1 else "ORGANIZATION"
        who = Mention(start, end, name, label, "", entity_id(label, name), name)
    return Attribution("source_line", None, name, start, end, who)


_COLON_SOURCE = re.compile(r"[ \t\u00a0]*:[ \t\u00a0]*((?:[A-Z][\w.'\u2019-]*[ \t]?){1,4})$")


def _colon_source(ctx: Context, span: QuotedSpan, state: dict) -> Attribution | None:
    """A headline's source after a colon closing it: '‘...’: Jane Doe'."""
    ps, pe = ctx.paras[ctx.para_of(span.open_start)]
    found = _COLON_SOURCE.match(ctx.text, span.close_end, pe)
    if found is None or len(ctx.text[ps:pe].split()) > 25:
        return None
    name = found.group(1).rstrip()
    text, start, end, who = resolve_speaker(ctx, ctx.doc[ctx._tok(found.start(1) + len(name) - 1)], state)
    return Attribution("source_line", None, text, start, end, who)


def attribute(ctx: Context, span: QuotedSpan, kind: str, state: dict) -> Attribution:
    lo, hi = sentence_range(ctx, span)
    a = _trailing_source(ctx, span) or _colon_source(ctx, span, state)
    if a is not None:
        return a
    found = best_cue(ctx, span, lo, hi, kind)
    if found is not None:
        a = from_cue(ctx, *found, "cue", state)
        if a is not None:
            return a
    if _glued(ctx, lo, hi):
        a = _text_cue(ctx, span, state)
        if a is not None:
            return a
    a = _transcript_label(ctx, span) or _source_line(ctx, span)
    if a is not None:
        return a
    text = ctx.text
    para = ctx.para_of(span.open_start)
    ps, pe = ctx.paras[para]
    # colon lead-in: "X said:" / "X:" right before the quote (or ending the previous paragraph)
    i = span.open_start - 1
    while i >= 0 and text[i].isspace():
        i -= 1
    if i >= 0 and text[i] == ":":
        ct = ctx._tok(i)
        s_lo = ctx.sents[ctx.sent_of(ct)][0]
        cand = best_cue(ctx, span, s_lo, ct)
        if cand is not None:
            a = from_cue(ctx, *cand, "colon", state)
            if a is not None:
                return a
        if ct > 0:
            prev = ctx.doc[ct - 1]
            m = speaker_type_ok(ctx.mention_at(prev.idx, prev.idx + len(prev.text)))
            if m is None and ct - s_lo <= 12 and prev.text == ")":
                # "Rep. Jane Roe (R-Ohio):" -- a name and its bracket before the colon
                m = speaker_type_ok(ctx.mention_at(max(ps, prev.idx - 30), prev.idx))
                m = m if m is not None and ctx.text.find("(", m.end, prev.idx) >= 0 else None
            if m is None and len(ctx.text[ps:i].split()) <= 12:
                # "Maria Lopez, 34, a nurse from Phoenix: '...'"
                first = ctx.mention_at(ps, i)
                if first is not None and first.label == "PERSON" and len(ctx.text[ps:first.start].split()) <= 2:
                    m = first
            if m is not None:
                return Attribution("colon", None, m.text, m.start, m.end, m)
            # "He then listed the qualities:", "As Professor Foner put it:" -> the lead-in's subject
            for j in range(ct - 1, s_lo - 1, -1):
                v = ctx.doc[j]
                if v.pos_ in ("VERB", "AUX") and not ctx.in_quote[j]:
                    subj = reporting_subject(ctx, v)
                    if subj is not None and subj.lower_ not in ("it", "there", "this", "that", "what"):
                        t, st, en, who = resolve_speaker(ctx, subj, state)
                        return Attribution("colon", None, t, st, en, who)
    # a lead-in clause in the quote's own sentence: "As X put it, '...'", "X riffed, '...'"
    qs_tok = ctx._tok(span.open_start)
    k = span.open_start - 1
    while k >= 0 and ctx.text[k] in " \t\u00a0":
        k -= 1
    if kind == "full" and k >= 0 and ctx.text[k] in ",:" and qs_tok - lo <= 40:
        for j in range(qs_tok - 1, lo - 1, -1):
            v = ctx.doc[j]
            if v.pos_ == "VERB" and not ctx.in_quote[j] and ctx.doc[j].idx >= ps:
                subj = reporting_subject(ctx, v)
                if subj is not None and subj.i < v.i and not ctx.in_quote[subj.i] and subj.idx >= ps \
                        and subj.lower_ not in ("it", "there", "this", "that", "which", "what"):
                    t, st, en, who = resolve_speaker(ctx, subj, state)
                    return Attribution("clause_subject", None, t, st, en, who)
                break
    if kind == "partial":
        cs = clause_subject(ctx, span)
        if cs is not None:
            verb, subj = cs
            t, s, e, who = resolve_speaker(ctx, subj, state)
            return Attribution("clause_subject", None, t, s, e, who)
    # the quote before it in the same paragraph ("A," X said. "B.")
    prev_att = state.get("prev_att")
    prev_para = state.get("prev_para")
    if lo > 0 and prev_att is not None and prev_para == para:
        # '"A," X said. Y disagreed. "B."': a sentence after the last quote names a new speaker
        p0, p1 = ctx.sents[ctx.sent_of(lo - 1)]
        if ctx.doc[p0].idx >= state.get("prev_end", 0) and not any(ctx.in_quote[k] for k in range(p0, p1)):
            a = _previous_sentence(ctx, span, p0, p1, state)
            if a is not None and a.speaker is not None:
                return a
    if prev_att is not None and prev_para == para and prev_att.mention_text:
        return Attribution("continuation", prev_att.cue, prev_att.mention_text, prev_att.mention_start,
                           prev_att.mention_end, prev_att.speaker)
    # a speaker named with a reporting verb in the sentence just before, same paragraph
    if lo > 0:
        p0, p1 = ctx.sents[ctx.sent_of(lo - 1)]
        if ctx.doc[p0].idx >= ps or ctx.doc[max(p0, p1 - 1)].idx >= ps:
            a = _previous_sentence(ctx, span, p0, lo, state)
            if a is not None:
                return a
    if para > 0 and lo > 0 and prev_para == para - 1:
        # the previous paragraph ends with a sentence after its quote: a new speaker there
        # ('"...," Trump said. Clinton shot back.') outranks the last speaker
        p0, p1 = ctx.sents[ctx.sent_of(lo - 1)]
        if ctx.para_of(ctx.doc[p0].idx) == para - 1 and ctx.doc[p0].idx >= state.get("prev_end", 0) \
                and not any(ctx.in_quote[k] for k in range(p0, p1)):
            a = _previous_sentence(ctx, span, p0, p1, state)
            if a is not None and a.speaker is not None:
                return a
    if prev_att is not None and prev_para is not None and para - prev_para <= 1 and prev_att.mention_text:
        return Attribution("continuation", prev_att.cue, prev_att.mention_text, prev_att.mention_start,
                           prev_att.mention_end, prev_att.speaker)
    if para > 0 and lo > 0:
        p0, p1 = ctx.sents[ctx.sent_of(lo - 1)]
        if ctx.para_of(ctx.doc[p0].idx) == para - 1:
            a = _previous_sentence(ctx, span, p0, p1, state)
            if a is not None:
                return a
    return Attribution("none", None, None, None, None, None)


def _previous_sentence(ctx: Context, span: QuotedSpan, lo: int, hi: int, state: dict) -> Attribution | None:
    """A speaker introduced in the sentence before a quote-only sentence: through a reporting
    verb ("X said on Monday."), else a named subject ("X defended the cuts.")."""
    best = None
    for tok, lemma in cue_candidates(ctx, lo, hi):
        verb = ctx.lex.verbs.get(tok.lower_)
        if verb is not None and verb.cls == "belief":
            continue
        a = from_cue(ctx, tok, lemma, "previous_sentence", state)
        if a is not None and a.mention_text and a.mention_text.lower() not in ("i", "we"):
            best = a
    if best is not None:
        return best
    for t in ctx.doc[lo:hi]:
        if t.dep_ == "ROOT" and t.pos_ in ("VERB", "AUX") and not ctx.in_quote[t.i]:
            subj = reporting_subject(ctx, t)
            if subj is None or ctx.in_quote[subj.i]:
                return None
            text, start, end, who = resolve_speaker(ctx, subj, state)
            if who is not None and who.label in ("PERSON", "ORGANIZATION"):
                return Attribution("previous_sentence", None, text, start, end, who)
            return None
    return None

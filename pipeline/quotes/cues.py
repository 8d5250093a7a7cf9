"""Reporting verbs near a quote and the token that speaks through them (subject, agent,
inverted "said X", "according to X")."""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.quotes.context import CLOSING_MARKS, SPEAKER_LABELS, SUBJECTS, Context
from pipeline.quotes.marks import QuotedSpan


def is_cue(ctx: Context, tok: Token) -> str | None:
    lex = ctx.lex
    if tok.lower_ == "according" and tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].lower_ == "to":
        return "according"
    v = lex.verbs.get(tok.lower_)
    if v is None:
        return None
    if not (tok.pos_ in ("VERB", "AUX") or tok.tag_.startswith("VB")):
        # '"...," the editorial read.' -- mistagged as a noun, but the root right after a quote
        if not (tok.dep_ == "ROOT" and any(ctx.in_quote[k] for k in range(max(0, tok.i - 4), tok.i))):
            return None
    if v.needs:
        if not any((c.lower_, c.dep_) in v.needs for c in tok.children):
            return None
    return v.lemma


def cue_candidates(ctx: Context, lo: int, hi: int) -> list[tuple[Token, str]]:
    out = []
    for i in range(lo, hi):
        if ctx.in_quote[i]:
            continue
        t = ctx.doc[i]
        lemma = is_cue(ctx, t)
        if lemma:
            out.append((t, lemma))
    return out


def reporting_subject(ctx: Context, verb: Token, depth: int = 0) -> Token | None:
    """The speaker token of a reporting verb: its subject, through relative pronouns, conjoined
    verbs and participles ("..., adding"); "according to X" -> X."""
    if verb.lower_ == "according":
        for c in verb.children:
            if c.lower_ == "to":
                for p in c.children:
                    if p.dep_ == "pobj":
                        return p
        nxt = verb.doc[verb.i + 1] if verb.i + 1 < len(verb.doc) else None
        if nxt is not None:
            for p in nxt.children:
                if p.dep_ == "pobj":
                    return p
        return None
    for c in verb.children:  # passive "was called '...' by X", "was asked by X"
        if c.dep_ == "agent":
            for p in c.children:
                if p.dep_ == "pobj" and not ctx.in_quote[p.i]:
                    return p
    if any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children):
        for t in verb.subtree:  # "by X" hung lower in the parse
            if t.i > verb.i and t.lower_ == "by" and t.dep_ in ("prep", "agent") and not ctx.in_quote[t.i]:
                for p in t.children:
                    if p.dep_ == "pobj" and not ctx.in_quote[p.i]:
                        return p
    for c in verb.children:
        if c.dep_ in SUBJECTS and not ctx.in_quote[c.i]:
            if c.lower_ in ctx.lex.relative_pronouns and verb.dep_ == "relcl":
                return verb.head
            if 0 < depth < 4 and c.lower_ in ("it", "there", "this", "that", "which") and verb.head.i != verb.i:
                # "Pence said it takes time but added, '...'": past the embedded clause
                return reporting_subject(ctx, verb.head, depth + 1) or c
            return c
    if depth < 4 and verb.dep_ in ("conj", "xcomp", "advcl", "acl", "relcl", "ccomp", "pcomp", "prep", "pobj") \
            and verb.head.i != verb.i:
        head = verb.head
        if verb.dep_ in ("acl", "relcl") and head.pos_ in ("NOUN", "PROPN"):
            lex = ctx.lex
            speakerlike = (head.lower_ in lex.source_nouns or head.lower_ in lex.group_heads or head.pos_ == "PROPN"
                           or lex.role_aliases.get(head.lower_, head.lower_) in lex.roles
                           or ctx.mention_at(head.idx, head.idx + len(head.text)) is not None)
            if speakerlike or verb.dep_ == "relcl":
                return head
            # "adopted a resolution by consensus condemning ...": the governing clause's subject
            while head.dep_ in ("pobj", "prep", "dobj", "npadvmod") and head.head.i != head.i:
                head = head.head
                if head.pos_ in ("VERB", "AUX"):
                    return reporting_subject(ctx, head, depth + 1)
            return None
        return reporting_subject(ctx, head, depth + 1)
    return None


def np_span(ctx: Context, tok: Token) -> tuple[int, int]:
    """Char span of the noun phrase headed by `tok` (left modifiers, the head, flat names)."""
    lo = tok.i
    for c in tok.lefts:
        if c.dep_ in ("det", "amod", "compound", "poss", "nmod", "nummod", "quantmod", "case") and not ctx.in_quote[c.i]:
            lo = min(lo, c.left_edge.i)
    hi = tok.i
    for c in tok.rights:
        if c.dep_ in ("compound", "flat") or (c.dep_ == "case" and c.i == tok.i + 1):
            hi = max(hi, c.i)
    while lo < tok.i and (ctx.doc[lo].is_punct or ctx.in_quote[lo]):
        lo += 1
    start = ctx.doc[lo].idx
    end = ctx.doc[hi].idx + len(ctx.doc[hi].text)
    return start, end


def _verb_after(ctx: Context, span: QuotedSpan, hi: int) -> list[tuple[Token, str]]:
    """ "...!" beamed X / "...?" X pressed: any verb right after a quote that ends like speech."""
    inner = ctx.text[span.start:span.end].rstrip().rstrip(CLOSING_MARKS + "\u2018")
    if not inner.endswith((",", "?", "!", "\u2014")):
        return []
    j = ctx._tok(span.close_end)
    if j < len(ctx.doc) and ctx.doc[j].idx < span.close_end:
        j += 1
    for k in range(j, min(hi, j + 8)):
        t = ctx.doc[k]
        if ctx.in_quote[k] or (t.is_punct and t.text not in ("-", "\u2013")):
            break
        if t.pos_ == "VERB" and t.tag_ in ("VBD", "VBZ"):
            return [(t, "")]
    return []


def best_cue(ctx: Context, span: QuotedSpan, lo: int, hi: int, kind: str = "full") -> tuple[Token, str] | None:
    cands = cue_candidates(ctx, lo, hi)
    if not cands:
        cands = _verb_after(ctx, span, hi)
    if not cands:
        return None
    qs, qe = ctx._tok(span.open_start), ctx._tok(max(span.open_start, span.close_end - 1))
    i = span.open_start - 1
    while i >= 0 and ctx.text[i] in " \t\u00a0":
        i -= 1
    after_colon = i >= 0 and ctx.text[i] == ":"
    # the reporting verbs above the quote in the parse ("said he expects an 'aggressive appeal'")
    first, last = ctx._tok(span.start), ctx._tok(max(span.start, span.end - 1))
    ancestors: dict[int, int] = {}
    for k in range(first, last + 1):
        h, steps = ctx.doc[k], 0
        while h.head.i != h.i and steps < 10:
            h, steps = h.head, steps + 1
            if not first <= h.i <= last:
                ancestors[h.i] = min(steps, ancestors.get(h.i, 99))
    best, best_score = None, 1e9
    for tok, lemma in cands:
        verb = ctx.lex.verbs.get(tok.lower_)
        above = tok.i in ancestors
        if verb is not None and verb.cls == "weak" and not above and lemma:
            continue  # "shared", "found", "posted": reporting verbs only when the quote is their object
        if tok.i < qs:
            dist = qs - tok.i
            between = range(tok.i + 1, qs)
            # a cue sandwiched after an earlier quote belongs to that quote first
            if any(ctx.in_quote[j] for j in range(max(lo, tok.i - 4), tok.i)):
                dist += 6
        else:
            dist = tok.i - qe + (10 if after_colon else 0)
            between = range(qe + 1, tok.i)
        if any(ctx.in_quote[j] for j in between):
            dist += 12
        verb = ctx.lex.verbs.get(tok.lower_)
        if verb is not None and verb.cls == "belief":
            dist += 10
        if reporting_subject(ctx, tok) is None and adjacent_subject(ctx, tok) is None:
            dist += 8
        if above:  # the quote sits in the verb's subtree
            dist -= 3 if kind == "full" else 20 - ancestors[tok.i]
        if dist < best_score:
            best, best_score = (tok, lemma), dist
    return best


def clause_subject(ctx: Context, span: QuotedSpan) -> tuple[Token, Token] | None:
    """For a fragment without a reporting verb: the subject of the clause governing it."""
    first = ctx._tok(span.start)
    last = ctx._tok(max(span.start, span.end - 1))
    for i in range(first, last + 1):
        h = ctx.doc[i]
        steps = 0
        while h.i >= first and h.i <= last and h.head.i != h.i and steps < 6:
            h = h.head
            steps += 1
        if first <= h.i <= last:
            continue
        for _ in range(6):
            if h.pos_ in ("VERB", "AUX"):
                s = reporting_subject(ctx, h)
                if s is not None:
                    return h, s
            if h.head.i == h.i:
                break
            h = h.head
        return None
    return None


def sentence_range(ctx: Context, span: QuotedSpan) -> tuple[int, int]:
    """Token range of the sentences touching the quote, clipped to its paragraph."""
    qs = ctx._tok(span.open_start)
    qe = ctx._tok(max(span.open_start, span.close_end - 1))
    s0 = ctx.sents[ctx.sent_of(qs)][0]
    s1 = ctx.sents[ctx.sent_of(qe)][1]
    ps, pe = ctx.paras[ctx.para_of(span.open_start)]
    # "...," the editorial read. / "...?" he asked: the attribution after the closing mark
    # belongs to the quote even where the parser starts a new sentence there
    if s1 == qe + 1 and s1 < len(ctx.doc) and ctx.doc[s1].idx < pe and not ctx.in_quote[s1]:
        inner = ctx.text[span.start:span.end].rstrip().rstrip(CLOSING_MARKS + "\u2018")
        nxt = ctx.doc[s1]
        nxt_end = ctx.sents[ctx.sent_of(s1)][1]
        cue_early = False
        for k in range(s1, min(nxt_end, s1 + 12)):
            if ctx.in_quote[k]:
                break
            if is_cue(ctx, ctx.doc[k]):
                cue_early = True
                break
        if inner.endswith((",", "\u2014", "-")) or nxt.is_lower or (inner.endswith(("?", "!")) and (nxt_end - s1 <= 8 or cue_early)):
            s1 = nxt_end
    while s0 < qs and ctx.doc[s0].idx < ps:
        s0 += 1
    while s1 > qe + 1 and ctx.doc[s1 - 1].idx >= pe:
        s1 -= 1
    return s0, s1


def adjacent_subject(ctx: Context, verb: Token) -> Token | None:
    """ "said X" / "X said" read off the word order when the parse links the name elsewhere
    (typically a sentence the parser ran on into the next paragraph)."""
    doc, lex = ctx.doc, ctx.lex
    if verb.lower_ == "according":
        return None

    def candidate(t: Token) -> Token | None:
        if ctx.in_quote[t.i] or t.is_space:
            return None
        if t.lower_ in lex.pronouns and lex.pronouns[t.lower_].get("type") == "PERSON" and t.lower_ not in ("him", "her"):
            return t
        m = ctx.mention_at(t.idx, t.idx + len(t.text))
        if m is not None and m.label in SPEAKER_LABELS:
            return doc[ctx._tok(m.end - 1)]
        return None

    k = verb.i - 1
    while k >= 0 and doc[k].pos_ in ("ADV", "AUX", "PART") and verb.i - k <= 3:
        k -= 1
    # "...," said X / "..." -- said X: the verb right after the closing mark
    inverted = k >= 0 and (ctx.in_quote[k] or (doc[k].text in (",", "\u2014") and k > 0 and ctx.in_quote[k - 1]))
    j = verb.i + 1
    while j < len(doc) and j <= verb.i + 5 and (doc[j].pos_ in ("DET", "ADJ", "NUM", "PROPN", "NOUN")
                                                 or doc[j].dep_ in ("amod", "compound")) and not ctx.in_quote[j]:
        c = candidate(doc[j]) if inverted else None
        if c is not None:
            return c
        # "said a South Carolina Democrat": the noun phrase after an inverted reporting verb
        if inverted and doc[j].pos_ in ("NOUN", "PROPN") and (j + 1 >= len(doc) or doc[j + 1].pos_ not in ("NOUN", "PROPN")):
            return doc[j]
        j += 1
    if inverted and j < len(doc) and j == verb.i + 1:
        c = candidate(doc[j])
        if c is not None:
            return c
    if k >= 0:
        c = candidate(doc[k])
        if c is not None:
            return c
        if doc[k].pos_ in ("NOUN", "PROPN") and not ctx.in_quote[k]:
            return doc[k]
    if k >= 0 and doc[k].text == ",":
        # "X, President Obama's former chief of staff, said": a name before an appositive
        for j in range(k - 1, max(-1, k - 30), -1):
            if ctx.in_quote[j]:
                break
            m = ctx.mention_at(doc[j].idx, doc[j].idx + len(doc[j].text))
            if m is not None and m.label in SPEAKER_LABELS:
                between = ctx.text[m.end:doc[k].idx].strip()
                before = ctx.text[:m.start].rstrip()
                if between.startswith(",") and (not before or before[-1] in CLOSING_MARKS + ",\n"):
                    return doc[ctx._tok(m.end - 1)]
    return None

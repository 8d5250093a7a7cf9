"""Quotes, reported speech and their speakers from a parsed document.

`quotes(doc, mentions)` finds the quoted spans from the quotation marks, double or single
(`pipeline.quotes.marks`), drops names in marks (titles of works: the film "...", Title Case
names of books, films, operations; nicknames and labels: so-called "...", known as "...",
dubbed "...") and scare quotes (one to three words that no reporting verb or source line gives
to anyone), and attributes each quote with the first rule that fires (the `rule` field of the Quote):

- "cue"            a reporting verb in the quote's sentence(s): "X said", "said X",
                   "X, the foreign minister, said", ("A," X said, "B."), "X told Reuters",
                   "X accused Y of '...'", "X called it '...'", "was called '...' by X"; the speaker
                   is the verb's subject (through "who", conjoined and participle verbs:
                   "..., adding"), read off the word order where the parse links it elsewhere.
                   Fragments take the reporting verb above them in the parse;
- "according_to"   "according to X";
- "colon"          a colon lead-in: "X said:", "X: '...'", "As X put it:";
- "transcript"     a speaker label: 'PENCE: ...';
- "source_line"    a quote-only paragraph with its source on a line of its own ('- Jane Doe'),
                   after a dash closing the quote's line ('"..." \u2015 Jane Doe'), or after a
                   colon closing a headline ("'...': Doe");
- "clause_subject" a fragment inside the writer's sentence without a reporting verb:
                   "X pointed to reports of '...'" -> the clause's subject;
- "previous_sentence" a speaker named in the sentence just before (with a reporting verb, or
                   as the named subject: "X defended the cuts. '...'") or ending the paragraph before;
- "continuation"   the quote before it in the paragraph, a quote-only paragraph after a quote,
                   and every paragraph of a multi-paragraph quote, share one speaker.
Quoted text that no rule attributes is not reported (`keep_unattributed=True` keeps it, rule
"none").

The speaker phrase as written (`speaker_mention`) is resolved to a named entity: a mention
(PERSON, ORGANIZATION, COUNTRY) covering it; a pronoun ("he") to the most salient person of
the context (subjects of the same or previous sentence, above all of reporting verbs; the last
speaker; recency; no one of the other gender, known from titles, given names and the text's
own pronouns); a description ("the DPRK ambassador") to the person introduced with that role
("UN Ambassador Kim Song"), in a headline or standfirst to the one the body introduces; a
document ("Kim's letter", "the committee's resolution"; "the report" after "Pew released a
report") to its issuer; a campaign, its ad or the ad's narrator to "<Surname> campaign"; a proper
name the NER missed to itself (a surname to the person named in full). Unknown -> None, with
the mention kept. Language data (speech verbs, pronouns, roles, source nouns, given names)
comes from models/ via `pipeline.quotes.lexicon`.

Reported speech (kind "indirect": "X said the plan was dead", "according to X", "X's claim that
...") comes from `reported`, through the same `from_cue` attribution and speaker resolution; it
never duplicates a quote, and a partial quote inside a reported clause gets it as its context.

Modules: `marks` (quoted spans from the quotation marks), `detection` (which spans are quotes),
`cues` (reporting verbs and their subjects), `attribution` (the rules; who a speaker is comes from
`pipeline.resolve`), `extract` (the document's quotes), `reported` (reported speech), `lexicon` (the language data).
"""

from pipeline.quotes.extract import quotes

__all__ = ["quotes"]

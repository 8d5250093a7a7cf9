"""`selective_parser`: the dependency parse only where the quote and reported-speech rules can use it.

A cheap first pass over each document's tokens marks the sentences (the model's own `senter`, a
small tagger, splits them) that hold a quotation mark, a colon, or a reporting word: a form of a
speech verb or a source noun of the quote rules' lexicon (`pipeline.quotes.lexicon`: models/
speech_verbs.jsonl and models/quote_lexicon.json, so words added there are picked up), or a cue
phrase ("according to"). Those sentences and `neighbours` sentences either side are parsed by the
model's trained parser, run on the stretch alone with the tok2vec output the whole document got;
every other sentence gets a flat tree (its first token the root, the rest attached with the label
`dep`), so `doc.sents`, the entity rules and the stored parse all work as after a full parse.
`doc.user_data["parsed_stretches"]` lists the token ranges that were parsed.
NER, the tagger and everything else still see every sentence.
"""

from __future__ import annotations

import numpy as np
from spacy.attrs import DEP, HEAD
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

FLAT_LABEL = "dep"
PARSED_KEY = "parsed_stretches"  # doc.user_data: the token ranges the parser saw (not stored with the parse)
CUE_WORDS = ("according",)  # first words of the lexicon's cue phrases ("according to")


@Language.factory("selective_parser", default_config={"neighbours": 1})
def create_selective_parser(nlp: Language, name: str, neighbours: int) -> SelectiveParser:
    return SelectiveParser(nlp, neighbours=neighbours)


class SelectiveParser:
    """Parse the sentences `parse_wanted` marks (and their neighbours); flat trees elsewhere.

    `parser` and `senter` are the model's trained components, set by `use_selective_parse`.
    """

    def __init__(self, nlp: Language, *, neighbours: int):
        self.vocab = nlp.vocab
        self.neighbours = neighbours
        self.parser = None
        self.senter = None
        self.words = reporting_words()

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs, batch_size: int = 16):
        for batch in minibatch(docs, batch_size):
            forced = [[token.is_sent_start for token in doc] for doc in batch]  # paragraph_sentences' starts
            batch = list(self.senter.pipe(batch, batch_size=batch_size))
            stretches = [(n, a, b) for n, doc in enumerate(batch) for a, b in self._stretches(doc)]
            pieces = [self._piece(batch[n], a, b, forced[n]) for n, a, b in stretches]
            parsed: list[list[tuple[int, int, Doc]]] = [[] for _ in batch]
            for (n, a, b), piece in zip(stretches, self.parser.pipe(pieces, batch_size=batch_size)):
                parsed[n].append((a, b, piece))
            for doc, pieces_of_doc in zip(batch, parsed):
                _set_trees(doc, pieces_of_doc)
                doc.user_data[PARSED_KEY] = [(a, b) for a, b, _ in pieces_of_doc]
                yield doc

    def _stretches(self, doc: Doc) -> list[tuple[int, int]]:
        """Token ranges of the runs of wanted sentences (with their neighbours)."""
        sentences = [(s.start, s.end) for s in doc.sents]
        wanted = [parse_wanted(doc[a:b], self.words) for a, b in sentences]
        keep = [any(wanted[max(0, i - self.neighbours) : i + self.neighbours + 1]) for i in range(len(wanted))]
        runs: list[tuple[int, int]] = []
        for (a, b), kept in zip(sentences, keep):
            if kept:
                if runs and runs[-1][1] == a:
                    runs[-1] = (runs[-1][0], b)
                else:
                    runs.append((a, b))
        return runs

    def _piece(self, doc: Doc, a: int, b: int, preset: list[bool | None]) -> Doc:
        """Tokens a..b as a Doc of their own, with the document's tok2vec output and forced sentence starts."""
        words = [t.text for t in doc[a:b]]
        spaces = [bool(t.whitespace_) for t in doc[a:b]]
        starts = [True, *preset[a + 1 : b]]
        piece = Doc(self.vocab, words=words, spaces=spaces, sent_starts=starts)
        piece.tensor = doc.tensor[a:b]
        return piece


def reporting_words() -> frozenset[str]:
    """Lower-case words that make a sentence worth parsing: speech-verb forms, source nouns, cue words."""
    from pipeline.quotes.lexicon import lexicon

    lex = lexicon()
    return frozenset(lex.verbs) | lex.source_nouns | frozenset(CUE_WORDS)


def parse_wanted(sentence, words: frozenset[str]) -> bool:
    """A quotation mark, a colon or a reporting word in the sentence: the quote rules may read its parse."""
    return any(token.is_quote or token.text in (":", "''", "``") or token.lower_ in words for token in sentence)


def _set_trees(doc: Doc, parsed: list[tuple[int, int, Doc]]) -> None:
    """Heads and labels: the pieces' parses where parsed, a flat tree per sentence elsewhere."""
    strings = doc.vocab.strings
    flat, root = strings.add(FLAT_LABEL), strings.add("ROOT")
    heads = np.zeros(len(doc), dtype=np.int64)
    labels = np.zeros(len(doc), dtype=np.uint64)
    done = np.zeros(len(doc), dtype=bool)
    for a, b, piece in parsed:
        array = piece.to_array([HEAD, DEP]).astype(np.int64)
        heads[a:b] = array[:, 0]
        labels[a:b] = array[:, 1].astype(np.uint64)
        done[a:b] = True
    for sentence in doc.sents:
        if done[sentence.start]:
            continue
        for i in range(sentence.start, sentence.end):
            heads[i] = sentence.start - i
            labels[i] = root if i == sentence.start else flat
    doc.from_array([HEAD, DEP], np.stack([heads.astype(np.uint64), labels], axis=1))


def use_selective_parse(nlp: Language, *, neighbours: int = 1) -> None:
    """Put `selective_parser` in the parser's place, with the model's parser and senter inside it."""
    position = nlp.pipe_names.index("parser")
    _, parser = nlp.remove_pipe("parser")
    if "senter" not in nlp.component_names:
        raise ValueError("selective_parser needs the model's senter component")
    senter = nlp.get_pipe("senter")
    if "senter" in nlp.disabled:
        nlp.remove_pipe("senter")
    component = nlp.add_pipe("selective_parser", config={"neighbours": neighbours},
                             before=nlp.pipe_names[position] if position < len(nlp.pipe_names) else None)
    component.parser, component.senter = parser, senter

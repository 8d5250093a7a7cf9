"""The shape of a line of a page: normalised text, sentence or headline form, paragraph blocks."""

from __future__ import annotations

import re
import unicodedata

import ftfy

BULLETS = "•·▪●◦‣∙*-–—"
BULLET_LINE = re.compile(rf"^\s*[{re.escape(BULLETS)}]\s+(?=\S)")
_SENTENCE_END = re.compile(r"[.!?:;…][\"'“”‘’»)\]\s]*$|[\"”’»]\s*$")
_QUOTE_SOURCE = re.compile(r"[.!?,…][\"”’]\s*[―—–-]+\s*[^\s.!?][^.!?]{0,60}$")  # “...” ― Jane Doe
_TRAILING_TAG = re.compile(r"\s*[\[(][^\[\]()]{1,40}[\])]\s*$")
_INNER_SENTENCE_END = re.compile(r"\w[.!?][\"”’]?\s+[\"“‘]?[A-Z]")
# Lines ftfy leaves alone: printable ASCII without "&" (no entities) and typographic marks, none of which
# starts a mojibake sequence (those begin with a letter in Â-ô).
_PLAIN_LINE = re.compile("[\t\x20-\x25\x27-\x7e\u00a0“”‘’—–…•·°£€©®™]*")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\ufeff\u00ad]")
_GLUED = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")  # "HomeLocal News" -> "Home Local News"
_OPENING_WORDS = frozenset(["and", "but", "or", "so", "yet", "meanwhile", "however", "while", "although", "though", "because", "as", "if", "when"])
_FUNCTION_WORDS = frozenset(["a", "an", "the", "of", "to", "in", "on", "at", "for", "from", "by", "with", "and", "or", "but", "as", "that", "than"])
HEADLINE_MAX_WORDS = 30


def normalise_text(text: str) -> str:
    """Repair mojibake, NFC-normalise, unify line breaks and spaces; quotation marks stay as written.

    ftfy repairs each line on its own; lines it would leave alone (printable ASCII and typographic
    marks, without entities) skip it."""
    lines = text.replace("\r\n", "\n").split("\n")
    text = "\n".join(line if _PLAIN_LINE.fullmatch(line) else _repaired(line) for line in lines)
    text = _ZERO_WIDTH.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(lines)


def _repaired(line: str) -> str:
    return ftfy.fix_text(line, uncurl_quotes=False, fix_character_width=False, normalization="NFC")


def is_sentence_like(line: str) -> bool:
    """Ends as running text does (sentence punctuation, a colon lead-in or a closing quote),
    perhaps followed by a bracketed source tag ("... in Indiana. [538]") or a quote's
    source after a dash ("“...” ― Jane Doe")."""
    return bool(_SENTENCE_END.search(line) or _SENTENCE_END.search(_TRAILING_TAG.sub("", line))
                or _QUOTE_SOURCE.search(line))


def is_headline_like(line: str) -> bool:
    """A short line without sentence punctuation: a headline, a section label or a link to a story."""
    return not is_sentence_like(line) and len(line.split()) <= HEADLINE_MAX_WORDS


def reads_as_prose(line: str) -> bool:
    """A line without final punctuation that is still running text, not a headline or a link:
    clauses split by commas, an opening conjunction, a last word no headline ends on ("and", "of"),
    a sentence ending inside it, a quotation opening it, or a crosshead in capitals."""
    words = line.split()
    if len(words) < 6:
        return False
    letters = [ch for ch in line if ch.isalpha()]
    return (", " in line or words[0].lower().strip("\"'“‘") in _OPENING_WORDS or words[-1].lower() in _FUNCTION_WORDS
            or bool(_INNER_SENTENCE_END.search(line)) or (line[0] in "\"“‘" and len(words) >= 8)
            or (bool(letters) and all(ch.isupper() for ch in letters)))


def reads_as_sentence(line: str) -> bool:
    """A long line that opens like a sentence (article or pronoun subject, then an auxiliary verb):
    a standfirst that lost its full stop rather than a headline ("The government has said ...")."""
    words = [w.lower() for w in re.findall(r"[A-Za-z’']+", line)]
    return (len(words) >= 12 and words[0] in {"the", "a", "an", "it", "this", "he", "she", "they"}
            and any(w in {"has", "have", "had", "will", "would", "is", "are", "was", "were"} for w in words[1:8]))


def is_title_like(line: str) -> bool:
    """Headline-like, or a short line ending in a quoted phrase without sentence punctuation
    (the headline "Leeds hospital boss ‘sorry for waiting times’")."""
    return is_headline_like(line) or (bool(re.search(r"[\w)][\"”’']\s*$", line)) and len(line.split()) <= 20)


def unglue(line: str) -> str:
    """Words run together where page elements met ("HomeLocal News" -> "Home Local News")."""
    return _GLUED.sub(" ", line)


def crumbs(trail: str) -> list[str]:
    """The crumbs of a breadcrumb trail ("Home > World", "HomeLocal News"), without "Home"."""
    parts = [c.strip() for part in re.split(r"\s*[>»/|›]\s*", trail) for c in _GLUED.split(part)]
    return [c for c in parts if c and c.lower() != "home"]


def same_text(a: str, b: str) -> bool:
    """Equal after normalising case, punctuation and spaces."""
    return text_key(a) == text_key(b)


def text_key(s: str) -> str:
    return re.sub(r"\W+", " ", unicodedata.normalize("NFC", s)).strip().lower()


def blocks(lines: list[str]) -> list[tuple[int, str]]:
    """Paragraph blocks (1-based first line number, text).

    Blank lines separate blocks; inside a block each line is its own paragraph unless the
    block is hard-wrapped prose (lines of about one narrow width, most not ending a sentence),
    whose broken lines are joined, or a line breaks mid-sentence before a lower-case word.
    """
    out: list[tuple[int, str]] = []
    group: list[tuple[int, str]] = []
    for no, line in enumerate(lines + [""], start=1):
        if line:
            group.append((no, line))
            continue
        for unit in _unwrap(group):
            if (out and out[-1][0] >= group[0][0] and unit[1][0].islower() and " " in unit[1]
                    and not is_sentence_like(out[-1][1])):
                out[-1] = (out[-1][0], f"{out[-1][1]} {unit[1]}")
            else:
                out.append(unit)
        group = []
    return out


def _unwrap(group: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Join the lines of a hard-wrapped block that break mid-sentence; other lines stay apart."""
    width = _wrap_width(group)
    if width is None:
        return group
    out: list[tuple[int, str]] = []
    joining = False
    for no, line in group:
        if joining and not line.startswith("By "):
            out[-1] = (out[-1][0], f"{out[-1][1]} {line}")
        else:
            out.append((no, line))
        last_word = line.split()[-1]
        joining = not is_sentence_like(line) and (len(line) >= width - 20 or last_word.lower() in _FUNCTION_WORDS)
    return out


def _wrap_width(group: list[tuple[int, str]]) -> int | None:
    """The wrap width of a hard-wrapped block (at least three lines near one narrow width, most
    of them breaking mid-sentence, a third of them going on in lower case), or None."""
    if len(group) < 3 or any(BULLET_LINE.match(text) for _, text in group):
        return None
    width = max(len(text) for _, text in group)
    near = [text for _, text in group if len(text) >= width - 20]
    continued = sum(text[0].islower() for _, text in group[1:])
    if width > 110 or len(near) < 3 or continued * 3 < len(group) - 1:
        return None  # wrapped prose: lines of one narrow width, many going on in lower case
    return width if sum(not is_sentence_like(text) for text in near) * 2 > len(near) else None

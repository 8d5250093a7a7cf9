"""Bytes to lines of text, line by line: UTF-8 kept exact, legacy encodings and UTF-16 read, binary refused."""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from charset_normalizer import from_bytes

WESTERN_ENCODINGS = ("cp1252", "latin_1", "iso8859_15")
SURROGATE = re.compile("[\ud800-\udfff]")


@dataclasses.dataclass(frozen=True, slots=True)
class Notice:
    """Something the reader repaired on its own (a line in a legacy encoding): reported, not rejected.

    `warning` is False for a file wholly in one legacy encoding, True when it mixes encodings.
    """

    source: str
    message: str
    warning: bool = True


def decode(data: bytes) -> str:
    """Bytes to text (see `decode_lines`)."""
    return "\n".join(decode_lines(data, "")[0])


def decode_lines(data: bytes, name: str) -> tuple[list[str], Notice | None]:
    """Bytes to lines, split at line feeds only, each decoded on its own: UTF-8 where valid (exactly as
    written), the legacy encoding the other lines are in where not; UTF-16 with or without a byte-order
    mark; binary data refused. The Notice names the lines read in a legacy encoding."""
    if not data.strip():
        return [], None
    utf16 = _utf16(data)
    if utf16:
        text = data.decode(utf16)
        if _printable_share(text) < 0.95:
            raise UnicodeError(f"binary file: not text ({utf16.upper()} gives control characters)")
        return text.removeprefix("\ufeff").split("\n"), None
    if b"\x00" in data:
        raise UnicodeError("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig").split("\n"), None
    except UnicodeDecodeError:
        pass
    raw = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    lines = [line.decode("utf-8", errors="surrogateescape") for line in raw]
    mixed = any(_valid_run(line) for line in lines)
    stray = [i for i, line in enumerate(lines) if SURROGATE.search(line) and _valid_run(line)]
    legacy = [i for i, line in enumerate(lines) if SURROGATE.search(line) and i not in stray]
    for i in stray:  # UTF-8 text with a few stray bytes: the bytes are replaced, the text stays exact
        lines[i] = raw[i].decode("utf-8", errors="replace")
    encoding = _legacy_encoding(b"\n".join(raw[i] for i in legacy)) if legacy else "utf-8"
    for i in legacy:
        lines[i] = raw[i].decode(encoding, errors="replace")
    if _printable_share("\n".join(lines[i] for i in legacy)) < 0.95:
        raise UnicodeError(f"binary file: not text in any encoding (best guess {encoding})")
    parts = []
    if legacy:
        parts.append(f"line(s) {_numbers(legacy)} not valid UTF-8: read as {encoding}")
    if stray:
        parts.append(f"line(s) {_numbers(stray)} hold bytes that are not UTF-8: replaced by \ufffd")
    kept = " (the other lines are UTF-8 and kept as written)" if mixed else ""
    return lines, Notice(name, "; ".join(parts) + kept, bool(mixed or stray))


def _valid_run(line: str) -> bool:
    """A line decoded with surrogateescape holds a valid multi-byte UTF-8 character."""
    return any(not ch.isascii() and not SURROGATE.match(ch) for ch in line)


def _numbers(indexes: list[int]) -> str:
    return ", ".join(str(i + 1) for i in indexes[:10]) + (f" and {len(indexes) - 10} more" if len(indexes) > 10 else "")


def _utf16(data: bytes) -> str | None:
    """'utf-16' when the data starts with its byte-order mark; 'utf-16-le'/'-be' when every other byte is NUL."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16" if len(data) % 2 == 0 else None
    sample = data[:4096]
    if len(data) % 2 or len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.7 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.7 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _legacy_encoding(data: bytes) -> str:
    """The encoding of text that is not UTF-8. English-language news is most often Windows-1252: it wins
    unless charset-normalizer finds an encoding that reads as another script (Cyrillic, Greek, ...)."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        western = "latin_1"
    else:
        western = "cp1252"
    best = from_bytes(data).best()
    if best is not None and any(ch.isalpha() and not ch.isascii() and "LATIN" not in unicodedata.name(ch, "")
                                for ch in str(best)):
        return best.encoding
    return western


def _printable_share(text: str) -> float:
    sample = text[:10000]
    if not sample:
        return 1.0
    return sum(ch.isprintable() or ch in "\n\r\t" for ch in sample) / len(sample)

"""Text safe to print and to store: the warnings every reader and writer gives."""

from __future__ import annotations

import sys


def printable(text: str) -> str:
    """`text` with control characters, line breaks and lone surrogates escaped, safe to print and to store."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def warn(message: str) -> None:
    print(f"warning: {printable(message)}", file=sys.stderr)

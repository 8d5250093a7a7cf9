"""Bounds per article, so that no single input stalls a batch: a time limit on the rule-based work, and a
limit on the runs of characters without a space that the spaCy tokenizer takes quadratic time on."""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Iterator

ARTICLE_SECONDS = 30.0  # rule-based work (entity and quote rules) on one article
MAX_RUN_CHARS = 2_000  # characters without a space: 10,000 straight quote marks take the tokenizer 20 s, 2,000 about 1 s
_LONG_RUN = re.compile(rf"\S{{{MAX_RUN_CHARS + 1},}}")


def overlong_run(text: str) -> int | None:
    """The length of the first run of more than MAX_RUN_CHARS characters without a space, or None."""
    found = _LONG_RUN.search(text)
    return len(found.group()) if found else None


class ArticleTimeout(Exception):
    """The work on one article ran past its time bound."""


@contextlib.contextmanager
def time_limit(seconds: float | None = None) -> Iterator[None]:
    """Raise ArticleTimeout inside the block once `seconds` (default ARTICLE_SECONDS) have passed.

    Uses a real-time timer signal, so it applies in a process's main thread (the main process and
    local worker processes); elsewhere (Dask worker threads) the block runs unbounded.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    seconds = ARTICLE_SECONDS if seconds is None else seconds

    def expired(signum, frame):
        raise ArticleTimeout(f"stopped after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

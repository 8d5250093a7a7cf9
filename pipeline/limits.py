"""A time bound per article, so that no single input stalls a batch."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

ARTICLE_SECONDS = 30.0  # rule-based work (entity and quote rules) on one article


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

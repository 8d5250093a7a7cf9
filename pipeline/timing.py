"""Where a stage's time goes: seconds per phase (read, clean, parse, resolution, quotes, write, ...)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator


def lap(seconds: dict[str, float], phase: str, mark: float) -> float:
    """Add the time since `mark` to `seconds[phase]`; return the new mark."""
    now = time.perf_counter()
    seconds[phase] = seconds.get(phase, 0.0) + now - mark
    return now


def timed(items: Iterable, seconds: dict[str, float], phase: str) -> Iterator:
    """The items, adding the time spent producing each to `seconds[phase]`."""
    iterator = iter(items)
    while True:
        mark = time.perf_counter()
        try:
            item = next(iterator)
        except StopIteration:
            return
        finally:
            lap(seconds, phase, mark)
        yield item

"""Where the per-document work runs: this process, local worker processes, or a Dask cluster."""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

EXECUTORS = ("local", "dask")


@contextlib.contextmanager
def executor(kind: str, *, workers: int, scheduler: str | None = None) -> Iterator[object | None]:
    """An object with `submit(fn, *args, **kwargs) -> future`, or None to work in this process.

    local: `workers` processes on this machine (none when workers is 1).
    dask: the Dask cluster at `scheduler`, or a local cluster of `workers` single-threaded processes.
    """
    if kind not in EXECUTORS:
        raise ValueError(f"unknown executor {kind!r}: use one of {', '.join(EXECUTORS)}")
    if kind == "local":
        if workers <= 1:
            yield None
            return
        # fork: workers start with the model the parent already loaded
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            yield pool
        return
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=max(workers, 1), threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


def submit_in_chunks(pool: object | None, fn: Callable[..., list], items: list, *, chunks: int,
                     **kwargs) -> Callable[[], list]:
    """Start fn(chunk, **kwargs) over contiguous chunks of items; return a call that waits and gives the
    results concatenated in order (in this process, the work is done at once)."""
    if pool is None or len(items) < 2:
        results = fn(items, **kwargs) if items else []
        return lambda: results
    size = -(-len(items) // chunks)
    futures = [pool.submit(fn, items[i : i + size], **kwargs) for i in range(0, len(items), size)]
    return lambda: [result for future in futures for result in future.result()]

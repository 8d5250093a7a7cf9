"""Where the per-document work runs: this process, local worker processes, or a Dask cluster.

Local workers are forked processes that never outlive the run: they ignore Ctrl-C (the parent
handles it and stops them), the kernel kills them when the parent dies (Linux `PR_SET_PDEATHSIG`),
and SIGTERM to the parent stops them before it exits, so no worker keeps the caller's pipes open.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

EXECUTORS = ("local", "dask")
_PR_SET_PDEATHSIG = 1

_started: dict[int, ProcessPoolExecutor] = {}  # pools started ahead of their stage, by worker count


@contextlib.contextmanager
def executor(kind: str, *, workers: int, scheduler: str | None = None) -> Iterator[object | None]:
    """An object with `submit(fn, *args, **kwargs) -> future`, or None to work in this process.

    local: `workers` processes on this machine (none when workers is 1); a pool started by
    `started_early` is used when there is one.
    dask: the Dask cluster at `scheduler`, or a local cluster of `workers` single-threaded processes.
    """
    if kind not in EXECUTORS:
        raise ValueError(f"unknown executor {kind!r}: use one of {', '.join(EXECUTORS)}")
    if kind == "local":
        if workers <= 1:
            yield None
        elif workers in _started:
            yield _started[workers]
        else:
            with local_pool(workers) as pool:
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


@contextlib.contextmanager
def local_pool(workers: int, *, warm_up: Callable[[], object] | None = None) -> Iterator[ProcessPoolExecutor]:
    """`workers` forked processes, each running `warm_up` (e.g. loading the model) as soon as it starts.

    The pool is stopped on any exit; on an error, Ctrl-C or SIGTERM its workers are killed at once.
    """
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_worker_started, initargs=(os.getpid(), warm_up))
    previous = _stop_on_sigterm()
    try:
        for _ in range(workers):  # fork every worker now, so they warm up while this process works
            pool.submit(os.getpid)
        yield pool
    except BaseException:
        _kill_workers(pool)
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def started_early(kind: str, *, workers: int, warm_up: Callable[[], object] | None = None) -> Iterator[None]:
    """Start the local workers now (they run `warm_up` meanwhile); `executor` then uses them."""
    if kind != "local" or workers <= 1 or workers in _started:
        yield
        return
    with local_pool(workers, warm_up=warm_up) as pool:
        _started[workers] = pool
        try:
            yield
        finally:
            del _started[workers]


def _worker_started(parent: int, warm_up: Callable[[], object] | None) -> None:
    """In each worker: ignore Ctrl-C, die with the parent, then warm up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the death signal was armed
        os._exit(1)
    if warm_up is not None:
        with contextlib.suppress(Exception):  # a failure (no model) is reported by the work itself, with its message
            warm_up()


def _stop_on_sigterm():
    """Make SIGTERM raise SystemExit in the main thread, so the run cleans up; the previous handler, or None."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    return signal.signal(signal.SIGTERM, stop)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError):
            process.kill()


def in_order(pool: object | None, fn: Callable[..., tuple], chunks: Iterable[tuple[object, list]], *,
             window: int, **kwargs) -> Iterator[tuple[object, tuple]]:
    """(tag, fn(items, **kwargs)) for each (tag, items) of `chunks`, in order, with at most `window`
    chunks at work; without a pool each chunk is done here when it comes. Chunks without items are
    not sent anywhere (their result is None)."""
    if pool is None:
        for tag, items in chunks:
            yield tag, (fn(items, **kwargs) if items else None)
        return
    pending: deque = deque()
    for tag, items in chunks:
        pending.append((tag, pool.submit(fn, items, **kwargs) if items else None))
        while len(pending) > window:
            yield _collected(pending.popleft())
    while pending:
        yield _collected(pending.popleft())


def _collected(entry: tuple[object, object]) -> tuple[object, object]:
    tag, future = entry
    return tag, (future.result() if future is not None else None)

"""Worker processes die with their parent: Ctrl-C, SIGTERM or SIGKILL of a `--workers 2` run leaves
no worker behind holding the caller's pipes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from articles import article

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")


def children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(n) for n in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped has finished)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_workers_die_with_their_parent(tmp_path, signum):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i in range(80):
        (seeds / f"s{i:02d}.txt").write_text(article(i), encoding="utf-8")
    out = tmp_path / "out"
    parent = subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--seeds", str(seeds), "--out", str(out),
                               "--workers", "2"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True)  # a session of its own: Ctrl-C reaches its whole group
    try:
        wait_for(lambda: len(children(parent.pid)) >= 2 or parent.poll() is not None)
        workers = children(parent.pid)
        wait_for(lambda: (out / "clean" / "metrics.json").exists() or parent.poll() is not None)  # now parsing
        assert parent.poll() is None, parent.communicate()[1]
        if signum == signal.SIGINT:
            os.killpg(parent.pid, signum)  # what a terminal sends on Ctrl-C: the parent and its workers
        else:
            parent.send_signal(signum)
        _, stderr = parent.communicate(timeout=60)  # returns only once no process holds the pipes
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.communicate()
    assert parent.returncode != 0
    assert len(workers) == 2
    wait_for(lambda: not any(alive(pid) for pid in workers), timeout=10)
    assert b"Traceback" not in stderr or signum == signal.SIGINT
    assert not list(out.glob("**/.*.tmp")) or signum == signal.SIGKILL  # the unfinished tables were removed

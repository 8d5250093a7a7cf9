"""Hostile input and faults: does any input abort a batch, lose or change a good article, print a traceback,
or leave the tables of an output folder inconsistent after a kill?

    python benchmarks/hostile.py [--kills 10] [--executors local,workers2,dask] [--articles 40]

1. Builds a seeds folder of good articles (PolNeAR train texts from ../shared) spread over .txt, .jsonl,
   .csv, .parquet and UTF-16 files, mixed with every hostile case of issue 13, and the same good articles
   written safely (UTF-8, escaped JSON) as the reference. Runs the pipeline on both (once per executor)
   and compares every good article's document row and quotes.
2. Single faults: empty seeds on a complete folder, the output folder inside the seeds, a corrupt cache,
   bad parameters, a lock path that is a folder, an unreadable subfolder (only without root rights).
3. Kills: from a complete state A (N articles), a run towards state B (2N articles) is killed at ten
   moments spread over its duration (SIGKILL, SIGTERM and SIGINT in turn), per executor; the tables are
   then checked on disk (before any recovery) and as the next run sees them: every table readable, all
   from one state (A or B), and no process of the killed run left behind.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "bench" / "polnear" / "train.jsonl"
TABLES = ["clean/documents", "clean/removed_lines", "clean/rejected", "entities/mentions", "entities/parses",
          "entities/entities", "quotes/quotes"]
EXECUTORS = {"local": ["--workers", "1"], "workers2": ["--workers", "2"],
             "dask": ["--executor", "dask", "--workers", "2"]}
SIGNALS = [signal.SIGKILL, signal.SIGTERM, signal.SIGINT]
tracebacks = 0


def pipeline(args: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    global tracebacks
    try:
        result = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True,
                                timeout=timeout)
    except subprocess.TimeoutExpired as expired:  # a hung run (killed by subprocess.run) counts as aborted
        stderr = expired.stderr.decode() if isinstance(expired.stderr, bytes) else expired.stderr or ""
        result = subprocess.CompletedProcess(args, -9, "", stderr + f"\n(hung: stopped after {timeout} s)")
    tracebacks += result.stderr.count("Traceback")
    return result


def articles(n: int) -> list[dict]:
    rows = []
    with open(DATA, encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            rows.append({"id": f"g{len(rows):03d}", "text": row["text"]})
            if len(rows) == n:
                break
    return rows


def jsonl(rows: list[dict | str], *, ascii_only: bool = False) -> bytes:
    return b"".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=ascii_only)).encode("utf-8") + b"\n"
                    for r in rows)


def csv_bytes(rows: list[dict], bad_first: bool) -> bytes:
    def quoted(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    lines = ["id,text"] + (['c-bad,"an unterminated quote swallows what follows'] if bad_first else [])
    lines += [f"{r['id']},{quoted(r['text'])}" for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def build(goods: list[dict], hostile: Path, reference: Path) -> None:
    """The hostile seeds folder and its reference (the same good articles, written safely)."""
    for folder in (hostile, reference):
        folder.mkdir(parents=True)
    g = iter(goods)

    def both(name: str, bad: bytes, safe: bytes) -> None:
        (hostile / name).write_bytes(bad)
        (reference / name).write_bytes(safe)

    one = next(g)
    both("surrogates.jsonl", jsonl(['{"id": "\\ud800", "text": "lone surrogate id"}',
                                    '{"id": "s-text", "text": "lone \\udfff in the text"}', one]), jsonl([one]))
    one = next(g)
    both("bigint.jsonl", jsonl(['{"id": "big", "text": "x", "n": ' + "9" * 5000 + "}", one]), jsonl([one]))
    one = next(g)
    both("deep.jsonl", jsonl(["[" * 100_000 + "]" * 100_000, one]), jsonl([one]))
    one = next(g)
    both("headline.jsonl", jsonl([{"id": "huge-headline", "headline": "Word " * 240_000, "text": "Body."}, one]),
         jsonl([one]))
    one, two = next(g), next(g)
    latin = json.dumps({"id": two["id"], "text": "Caf\u00e9 owners in S\u00e3o Paulo. " + two["text"].encode(
        "latin-1", "ignore").decode("latin-1")}, ensure_ascii=False)
    both("mixed.jsonl", jsonl([one]) + latin.encode("latin-1") + b"\n",
         jsonl([one, json.loads(latin)]))
    one, two = next(g), next(g)
    separated = {**one, "text": one["text"].replace(". ", ".\u2028", 1).replace(", ", ",\u2029", 1)
                 .replace(" the ", " the\u0085", 1)}
    rows = [{k: v for k, v in separated.items() if k != "id"}, {k: v for k, v in two.items() if k != "id"}]
    both("separators.jsonl", jsonl(rows), jsonl(rows, ascii_only=True))  # ids by line: file.jsonl:LINE
    one, two = next(g), next(g)
    both("unterminated.csv", csv_bytes([one, two], True), csv_bytes([one, two], False))
    one = next(g)
    both("wide-bom.txt", one["text"].encode("utf-16"), one["text"].encode("utf-8"))
    one = next(g)
    both("wide-le.txt", one["text"].encode("utf-16-le"), one["text"].encode("utf-8"))
    one, two = next(g), next(g)
    stamps = pa.array([253402300800 * 10**6 * 3, 1_600_000_000 * 10**6, 1_500_000_000 * 10**6]).cast(
        pa.timestamp("us"))
    pq.write_table(pa.table({"id": ["far-future", one["id"], two["id"]], "text": ["x", one["text"], two["text"]],
                             "published": stamps}), hostile / "dates.parquet")
    pq.write_table(pa.table({"id": [one["id"], two["id"]], "text": [one["text"], two["text"]],
                             "published": stamps[1:]}), reference / "dates.parquet")
    one = next(g)
    both("year-one.jsonl", jsonl([{**one, "published": "0001-01-01T00:00:00+14:00"}]), jsonl([one]))
    for rest in g:
        both(f"{rest['id']}.txt", rest["text"].encode("utf-8"), rest["text"].encode("utf-8"))
    text = goods[0]["text"]
    (hostile / "date-9999.txt").write_text("Headline of a dated story\n\nPublished: 31 December 9999 23:30 -0100\n\n"
                                           + text, encoding="utf-8")
    (hostile / "utc-99.txt").write_text("Another dated story\n\nUpdated: 2020-01-01 00:00 UTC+99\n\n" + text,
                                        encoding="utf-8")
    (hostile / "stray-bytes.txt").write_bytes(text.encode("utf-8").replace(b" ", b" \x81\x8d ", 1))
    (hostile / "quote-marks.txt").write_text("Marks\n\n" + '"' * 20_000 + "\n\n" + text, encoding="utf-8")
    (hostile / "evil\x1b[2J\nname.txt").write_text(text, encoding="utf-8")
    os.mkfifo(hostile / "fifo.txt")


def compare(out: Path, reference: Path) -> tuple[int, int]:
    """Good articles of the reference run missing from `out`, and those whose document row or quotes differ."""
    fields = ["headline", "standfirst", "text"]
    ref_docs = pd.read_parquet(reference / "clean/documents.parquet").set_index("doc_id")
    docs = pd.read_parquet(out / "clean/documents.parquet").set_index("doc_id")
    ref_quotes = pd.read_parquet(reference / "quotes/quotes.parquet")
    quotes = pd.read_parquet(out / "quotes/quotes.parquet")
    lost = changed = 0
    for doc_id, row in ref_docs.iterrows():
        if doc_id not in docs.index:
            lost += 1
            continue
        mine = docs.loc[doc_id]
        same = all((mine[f] == row[f]) or (pd.isna(mine[f]) and pd.isna(row[f])) for f in fields)
        keys = ["text", "speaker", "start", "end"]
        same = same and ref_quotes[ref_quotes.doc_id == doc_id][keys].reset_index(drop=True).equals(
            quotes[quotes.doc_id == doc_id][keys].reset_index(drop=True))
        changed += not same
    return lost, changed


def hostile_batch(work: Path, goods: list[dict], executors: list[str]) -> dict:
    build(goods, work / "hostile", work / "reference")
    assert pipeline(["run", "--seeds", "reference", "--out", "reference-out"], work).returncode == 0
    results = {}
    for name in executors:
        started = time.perf_counter()
        result = pipeline(["run", "--seeds", "hostile", "--out", f"hostile-{name}", *EXECUTORS[name]], work,
                          timeout=600)
        out = work / f"hostile-{name}"
        aborted = result.returncode != 0 or not all((out / f"{t}.parquet").exists() for t in TABLES)
        lost, changed = (len(goods), 0) if aborted else compare(out, work / "reference-out")
        rejected = 0 if aborted else len(pd.read_parquet(out / "clean/rejected.parquet"))
        results[name] = {"aborted": int(aborted), "lost": lost, "changed": changed, "rejected": rejected,
                         "warnings": result.stderr.count("\nwarning:") + result.stderr.startswith("warning:"),
                         "seconds": round(time.perf_counter() - started, 1)}
    return results


def single_faults(work: Path, goods: list[dict]) -> dict[str, bool]:
    """Each fault handled as promised (True) or not."""
    seeds = work / "faults-seeds"
    seeds.mkdir()
    for row in goods[:3]:
        (seeds / f"{row['id']}.txt").write_text(row["text"], encoding="utf-8")
    out = work / "faults-out"
    assert pipeline(["run", "--seeds", str(seeds), "--out", str(out)], work).returncode == 0
    before = {t: pq.read_table(out / f"{t}.parquet") for t in TABLES}

    def unchanged() -> bool:
        return all(pq.read_table(out / f"{t}.parquet").equals(before[t]) for t in TABLES)

    checks = {}
    empty = work / "empty-seeds"
    empty.mkdir()
    result = pipeline(["run", "--seeds", str(empty), "--out", str(out)], work)
    checks["empty seeds: exit 1, previous tables kept"] = result.returncode == 1 and unchanged()
    (out / "clean/cache.sqlite").write_bytes(b"garbage" * 1000)
    result = pipeline(["run", "--seeds", str(seeds), "--out", str(out)], work)
    checks["corrupt cache: set aside with a warning, same tables"] = (
        result.returncode == 0 and "not a readable cache" in result.stderr and unchanged())
    inside = seeds / "out"
    for _ in range(2):
        result = pipeline(["run", "--seeds", str(seeds), "--out", str(inside)], work)
    checks["output folder inside seeds: not read"] = (
        result.returncode == 0 and len(pd.read_parquet(inside / "clean/documents.parquet")) == 3)
    shutil.rmtree(inside)
    params = work / "bad-params.yaml"
    for bad in ("quotes: {min_confidence: high}", "entities: {batch_size: 0}", "entities: {keep_labels: PERSON}"):
        params.write_text(bad + "\n")
        result = pipeline(["run", "--seeds", str(seeds), "--out", str(out), "--params", str(params)], work)
        key = bad.split("{")[1].split(":")[0]
        checks[f"params {bad}: exit 2 naming the key"] = result.returncode == 2 and key in result.stderr and unchanged()
    locked = work / "lock-is-folder"
    (locked / ".pipeline.lock").mkdir(parents=True)
    result = pipeline(["run", "--seeds", str(seeds), "--out", str(locked)], work)
    checks["lock path is a folder: exit 2, message"] = result.returncode == 2 and "cannot use" in result.stderr
    if os.geteuid() != 0:
        sub = seeds / "locked"
        sub.mkdir()
        (sub / "a.txt").write_text(goods[0]["text"])
        sub.chmod(0)
        result = pipeline(["run", "--seeds", str(seeds), "--out", str(work / "strict"), "--strict"], work)
        sub.chmod(0o755)
        checks["unreadable subfolder: rejected, --strict fails"] = result.returncode == 1 and "locked/" in result.stderr
    return checks


def state(out: Path) -> tuple[str, dict[str, str | None]]:
    """'A'/'B' (all tables from one known state), 'unreadable' or 'mixed'; and each table's version."""
    versions = {}
    for table in TABLES:
        try:
            meta = pq.ParquetFile(out / f"{table}.parquet").metadata.metadata or {}
            pd.read_parquet(out / f"{table}.parquet")
        except Exception:
            return "unreadable", versions
        versions[table] = meta.get(b"run_version", b"").decode()
    return "", versions


def kills(work: Path, goods: list[dict], executor: str, n_kills: int) -> dict:
    seeds = work / f"kill-seeds-{executor}"
    seeds.mkdir()
    half = len(goods) // 2
    for row in goods[:half]:
        (seeds / f"{row['id']}.txt").write_text(row["text"], encoding="utf-8")
    base = work / f"kill-base-{executor}"
    assert pipeline(["run", "--seeds", str(seeds), "--out", str(base), *EXECUTORS[executor]], work).returncode == 0
    versions_a = state(base)[1]
    for row in goods[half:]:
        (seeds / f"{row['id']}.txt").write_text(row["text"], encoding="utf-8")
    full = work / f"kill-full-{executor}"
    shutil.copytree(base, full)
    started = time.perf_counter()
    assert pipeline(["run", "--seeds", str(seeds), "--out", str(full), *EXECUTORS[executor]], work).returncode == 0
    duration = time.perf_counter() - started
    versions_b = state(full)[1]
    counts = {"on disk": 0, "after recovery": 0, "hung": 0, "left behind": 0, "ended in A": 0, "ended in B": 0}
    for i in range(n_kills):
        trial = work / f"kill-{executor}-{i}"
        shutil.copytree(base, trial)
        sig = SIGNALS[i % len(SIGNALS)]
        process = subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--seeds", str(seeds), "--out",
                                    str(trial), *EXECUTORS[executor]], cwd=work, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True, start_new_session=True)
        time.sleep(duration * (i + 0.5) / n_kills)
        process.send_signal(sig)
        try:
            _, stderr = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            counts["hung"] += 1
            os.killpg(process.pid, signal.SIGKILL)
            _, stderr = process.communicate()
        global tracebacks
        tracebacks += (stderr or "").count("Traceback")
        if "Traceback" in (stderr or ""):
            (work / f"traceback-{executor}-{i}.txt").write_text(stderr)
        time.sleep(1)
        left = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True).stdout.split()
        if left:
            counts["left behind"] += 1
            for pid in left:  # the killed run's own workers, by id
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        problem, versions = state(trial)
        if problem or versions not in (versions_a, versions_b):
            counts["on disk"] += 1
        check = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from pipeline import io\n"
                                "with io.output_lock(Path(sys.argv[1])): pass", str(trial)],
                               cwd=ROOT, capture_output=True, text=True)
        problem, versions = state(trial)
        if check.returncode or problem or versions not in (versions_a, versions_b):
            counts["after recovery"] += 1
        else:
            counts["ended in A" if versions == versions_a else "ended in B"] += 1
        print(f"  [{executor}] kill {i}: {signal.Signals(sig).name} at {duration * (i + 0.5) / n_kills:.1f} s, "
              f"exit {process.returncode}, {len(left)} process(es) left, {problem or 'readable'}, "
              f"state {'A' if versions == versions_a else 'B' if versions == versions_b else 'mixed'}",
              file=sys.stderr)
        shutil.rmtree(trial, ignore_errors=True)
    counts["run seconds"] = round(duration, 1)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10, help="kill moments per executor (default 10; 0: none)")
    parser.add_argument("--executors", default="local,workers2,dask", help="of local, workers2, dask")
    parser.add_argument("--articles", type=int, default=40, help="good articles (PolNeAR train texts)")
    parser.add_argument("--work", type=Path, help="folder to build in (default: a temporary one, removed)")
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"{DATA} not found: the benchmark needs ../shared")
    executors = args.executors.split(",")
    goods = articles(args.articles)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        batch = hostile_batch(work, goods, [e for e in executors if e != "dask"] or executors[:1])
        for name, r in batch.items():
            print(f"hostile batch [{name}]: aborted {r['aborted']}, good articles lost {r['lost']} and changed "
                  f"{r['changed']} of {len(goods)}, {r['rejected']} rejected rows, {r['warnings']} warnings, "
                  f"{r['seconds']} s")
        for check, ok in single_faults(work, goods).items():
            print(f"fault {'ok  ' if ok else 'FAIL'} {check}")
        for name in executors if args.kills else []:
            k = kills(work, goods, name, args.kills)
            print(f"kills [{name}] x{args.kills} (SIGKILL/SIGTERM/SIGINT in turn over a {k['run seconds']} s run): "
                  f"inconsistent on disk {k['on disk']}, inconsistent after recovery {k['after recovery']}, "
                  f"hung {k['hung']}, processes left behind {k['left behind']}; "
                  f"ended in the previous state {k['ended in A']}, in the new one {k['ended in B']}")
    print(f"tracebacks printed: {tracebacks}")


if __name__ == "__main__":
    main()

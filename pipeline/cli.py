"""Command line: `python -m pipeline run|clean|entities|quotes|summary|report|evaluate`."""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline import __version__, io
from pipeline.executors import EXECUTORS
from pipeline.stages.common import StageSummary, table_path


class UsageError(Exception):
    """A problem the user can fix (bad path, unreadable params): printed without a traceback."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CleanParams(_Section):
    seeds: str = Field("seeds", min_length=1, description="input file or folder")
    max_chars: int = Field(200_000, ge=1, le=999_000, description="longest article, all fields together "
                                                                  "(spaCy parses at most 1,000,000 characters)")


class EntitiesParams(_Section):
    keep_labels: list[Annotated[str, Field(pattern=r"^[A-Z_]+$")]] = Field(
        ["PERSON", "COUNTRY", "ORGANIZATION"], min_length=1, description="a list of upper-case entity labels")
    batch_size: int = Field(16, ge=1, le=10_000)
    workers: int = Field(1, ge=1, le=256)
    executor: Literal[EXECUTORS] = "local"  # type: ignore[valid-type]
    scheduler: str | None = Field(None, pattern=r"^[a-z]+://\S+$", description="a Dask address such as tcp://host:8786")
    selective_parse: bool = Field(False, description="the dependency parse only where the quote rules can use it")


class QuotesParams(_Section):
    min_confidence: float = Field(0.0, ge=0.0, le=1.0)
    keep_unattributed: bool = Field(False, description="also keep quotes no rule attributes (speaker null)")
    indirect: bool = Field(False, description="also reported speech (kind indirect)")


SECTIONS = {"clean": CleanParams, "entities": EntitiesParams, "quotes": QuotesParams}


def _explain(path: Path | str, section: str, error: ValidationError) -> str:
    """Every problem of a section: the key, the value given and what is allowed."""
    problems = []
    for item in error.errors(include_url=False):
        key = ".".join(str(part) for part in (section, *item["loc"]))
        if item["type"] == "extra_forbidden":
            allowed = ", ".join(SECTIONS[section].model_fields)
            problems.append(f"{key}: unknown parameter (known: {allowed})")
            continue
        value = item.get("input")
        problems.append(f"{key} = {value!r}: {item['msg'].lower()}")
    return f"{path}: invalid parameters:\n  " + "\n  ".join(problems)


def load_params(path: Path | None, section: str, overrides: dict | None = None) -> BaseModel:
    """One stage's section of the parameters file (without a file named, params.yaml if present) over
    the defaults, with command-line overrides, validated: types, ranges and known keys."""
    if path is not None and not path.is_file():
        raise UsageError(f"{path}: no such parameters file")
    path = path or Path("params.yaml")
    given: dict = {}
    if path.exists():
        try:
            data = yaml.safe_load(path.read_text("utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            mark = getattr(error, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise UsageError(f"{path}: not valid YAML{where}") from None
        if not isinstance(data, dict):
            raise UsageError(f"{path}: expected sections clean, entities and quotes, found a {type(data).__name__}")
        given = data.get(section) or {}
        if not isinstance(given, dict):
            raise UsageError(f"{path}: section {section} must be a mapping of parameters, not {given!r}")
    given = {**given, **{k: v for k, v in (overrides or {}).items() if v is not None}}
    try:
        return SECTIONS[section](**given)
    except ValidationError as error:
        raise UsageError(_explain(path, section, error)) from None


def _overrides(args: argparse.Namespace, section: str) -> dict:
    if section == "entities":
        return {name: getattr(args, name, None) for name in ("workers", "executor", "scheduler")}
    if section == "clean" and getattr(args, "seeds", None) is not None:
        return {"seeds": str(args.seeds)}
    return {}


def _stage_clean(args: argparse.Namespace, params: dict, commit: io.Commit) -> StageSummary:
    from pipeline.stages.clean import run_clean

    seeds = Path(params["clean"].seeds)
    if not seeds.exists():
        raise UsageError(f"{seeds}: no such file or folder (give --seeds PATH)")
    return run_clean(seeds=seeds, out=args.out, max_chars=params["clean"].max_chars, commit=commit)


def _stage_entities(args: argparse.Namespace, params: dict, commit: io.Commit) -> StageSummary:
    from pipeline.stages.entities import run_entities

    section = params["entities"]
    _require(commit, "clean/documents", "clean")
    # a whole-pipeline run finds the quotes in the same spaCy pass
    quotes = params.get("quotes")
    return run_entities(out=args.out, keep_labels=list(section.keep_labels), batch_size=section.batch_size,
                        parallelism=_parallelism(section), commit=commit,
                        quotes_min_confidence=quotes.min_confidence if quotes else None,
                        quotes_keep_unattributed=quotes.keep_unattributed if quotes else False,
                        quotes_indirect=quotes.indirect if quotes else False,
                        selective_parse=section.selective_parse)


def _parallelism(section: EntitiesParams):
    from pipeline.stages.entities import Parallelism

    return Parallelism(executor=section.executor, workers=section.workers, scheduler=section.scheduler)


def _workers_started(names: list[str], params: dict):
    """Before a run that parses, start the local workers: they load the model while this process cleans."""
    if "entities" not in names or "clean" not in names:
        return contextlib.nullcontext()
    from pipeline.executors import started_early
    from pipeline.model import load_nlp

    section = params["entities"]
    parallelism = _parallelism(section)
    return started_early(parallelism.executor, workers=parallelism.workers,
                         warm_up=functools.partial(load_nlp, selective_parse=section.selective_parse))


def _stage_quotes(args: argparse.Namespace, params: dict, commit: io.Commit) -> StageSummary:
    from pipeline.stages.quotes import run_quotes

    _require(commit, "entities/parses", "entities")
    quotes = params["quotes"]
    return run_quotes(out=args.out, min_confidence=quotes.min_confidence, commit=commit,
                      keep_unattributed=quotes.keep_unattributed, indirect=quotes.indirect)


def _require(commit: io.Commit, table: str, stage: str) -> None:
    if not commit.path(table).exists():
        raise UsageError(f"{commit.path(table)} is missing: run the {stage} stage first "
                         f"(python -m pipeline {stage} --out {commit.out})")


STAGES = {"clean": _stage_clean, "entities": _stage_entities, "quotes": _stage_quotes}


def _write_run_metrics(out: Path) -> dict:
    """DIR/metrics.json: every stage's counts of the last run, in one file (DIR/timings.json: their timings)."""
    metrics: dict = {"pipeline_version": __version__}
    timings: dict = {}
    for name in STAGES:
        for path, into in ((out / name / "metrics.json", metrics), (out / name / "timings.json", timings)):
            if path.exists():
                into[name] = json.loads(path.read_text("utf-8"))
    if len(metrics) == 1:
        raise UsageError(f"no stage metrics under {out}: run the stages first")
    io.write_json(out / "metrics.json", metrics)
    io.write_json(out / "timings.json", timings)
    return metrics


class Terminated(BaseException):
    """SIGTERM: stop as after Ctrl-C, leaving the previous tables."""


_STOPPED: list[int] = []  # the signals this run was asked to stop by
STOP_SECONDS = 10.0
INTERRUPTED = "error: interrupted; the previous tables are kept"


def _later(seconds: float, fn, *args) -> None:
    timer = threading.Timer(seconds, fn, args)
    timer.daemon = True
    timer.start()


def _exit_now() -> None:
    print(INTERRUPTED, file=sys.stderr, flush=True)
    os._exit(130)


def _on_signal(pid: int):
    """SIGTERM and SIGINT in this process: end its worker processes (they die with their parent), then
    unwind (no table is committed). A forked worker that inherited the handler dies as it would have.
    A signal landing in the logging module's fork hooks, where an exception would be swallowed, is
    delivered again a moment later."""
    def handler(signum, frame):
        if os.getpid() != pid:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if not _STOPPED:  # whatever unwinding hangs on, the run ends within STOP_SECONDS
            _later(STOP_SECONDS, _exit_now)
        _STOPPED.append(signum)
        logging.getLogger("distributed").setLevel(logging.CRITICAL)  # a Dask cluster losing its workers
        for child in multiprocessing.active_children():
            child.kill()
        if frame is not None and frame.f_globals.get("__name__") == "logging":
            _later(0.05, os.kill, pid, signum)
            return
        raise KeyboardInterrupt() if signum == signal.SIGINT else Terminated()
    return handler


def _run_stages(args: argparse.Namespace, names: list[str]) -> int:
    """Run the stages; their tables are committed together at the end, or not at all (no article read,
    an error, Ctrl-C, SIGTERM). Every parameter is validated before anything is written."""
    sections = list(SECTIONS) if len(names) > 1 else names
    params = {name: load_params(args.params, name, _overrides(args, name)) for name in sections}
    summaries: list[StageSummary] = []
    commit = io.Commit(args.out)
    with io.output_lock(args.out), _workers_started(names, params):
        try:
            for name in names:
                summary = STAGES[name](args, params, commit)
                print(summary.line(), file=sys.stderr)
                summaries.append(summary)
                if name == "clean" and summary.rows.get("documents", 0) == 0:
                    break
            if _STOPPED:  # an interrupt some library swallowed
                raise Terminated()
            if summaries[0].stage == "clean" and summaries[0].rows.get("documents", 0) == 0:
                commit.abort()
            else:
                commit.apply()
        except BaseException:
            commit.abort()
            raise
        for summary in summaries:
            io.write_json(args.out / summary.stage / "metrics.json", summary.metrics())
            io.write_json(args.out / summary.stage / "timings.json", summary.timing_metrics())
        if len(names) > 1:
            _write_run_metrics(args.out)
    clean = next((s for s in summaries if s.stage == "clean"), None)
    if clean is not None:
        if clean.rows.get("documents", 0) == 0:
            print("error: no article could be read; see the warnings above (the previous tables, if any, are kept)",
                  file=sys.stderr)
            return 1
        if args.strict and clean.rejected:
            print(f"error: {clean.rejected} input(s) rejected and --strict is set", file=sys.stderr)
            return 1
    return 0


def _report(argv: list[str]) -> int:
    """The HTML report of DIR's tables, after checking they describe one run."""
    from pipeline import report

    parser = argparse.ArgumentParser(prog="python -m pipeline report", description=report.DESCRIPTION)
    report.add_arguments(parser)
    args = parser.parse_args(argv)
    tables = ["clean/documents", "entities/mentions", "entities/entities", "quotes/quotes"]
    missing = [table for table in tables if not table_path(args.out, table).exists()]
    if missing:
        raise UsageError(f"{table_path(args.out, missing[0])} is missing: run the pipeline first "
                         f"(python -m pipeline run --out {args.out})")
    commands = {stage: f"python -m pipeline {stage} --out {args.out}" for stage in STAGES}
    io.check_tables({table: table_path(args.out, table) for table in tables}, commands)
    return report.report_command(args)


def _evaluate(args: argparse.Namespace) -> int:
    """Run the pipeline on the gold articles, then score the quotes table against their annotations."""
    from pipeline import evaluate
    from pipeline.stages.evaluation import evaluation_rows

    if not args.gold.is_file():
        raise UsageError(f"{args.gold}: no such gold file")
    run_args = argparse.Namespace(command="evaluate", seeds=args.gold, out=args.out, params=args.params,
                                  workers=args.workers, executor=None, scheduler=None, strict=False)
    status = _run_stages(run_args, ["clean", "entities", "quotes"])
    if status:
        return status
    gold = evaluate.load_gold(args.gold)
    predictions = evaluation_rows(args.out, gold)
    kinds = args.kinds.split(",") if args.kinds else None
    errors: list[dict] = []
    result = {"local": evaluate.score(gold, predictions, kinds=kinds, errors=errors)}
    report = ["speaker = canonical name or the mention as written", evaluate.format_report(result["local"])]
    if any("speaker_canonical" in q for doc in gold.values() for q in doc.get("quotes", [])):
        canonical_gold = {
            doc_id: {**doc, "quotes": [{**q, "speaker": q.get("speaker_canonical")} for q in doc.get("quotes", [])]}
            for doc_id, doc in gold.items()
        }
        canonical_predictions = [{**row, "speaker_alt": []} for row in predictions]
        result["canonical"] = evaluate.score(canonical_gold, canonical_predictions, kinds=kinds)
        report += ["", "speaker = canonical name only, against speaker_canonical",
                   evaluate.format_report(result["canonical"])]
    io.write_json(args.out / "evaluation.json", result)
    io.write_jsonl(args.out / "evaluation_errors.jsonl", errors)
    print("\n".join(report))
    print(f"scores: {args.out / 'evaluation.json'}; every miss, spurious quote and wrong speaker: "
          f"{args.out / 'evaluation_errors.jsonl'}", file=sys.stderr)
    return 0


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="News quote and entity pipeline: raw articles in, Parquet tables of clean documents, "
                    "canonical entities and attributed quotes out. `dvc repro` runs the same stages on seeds/ (and `python -m pipeline report` the HTML report).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")

    def common(sub: argparse.ArgumentParser, *, seeds: bool = False, workers: bool = False,
               reads_out: bool = True) -> None:
        if seeds:
            sub.add_argument("--seeds", type=Path, metavar="PATH",
                             help="article file or folder (.txt page dumps; .jsonl, .csv, .parquet tables with a "
                                  "'text' column); default: clean.seeds in params.yaml")
        sub.add_argument("--out", type=Path, default=Path("outputs"), metavar="DIR",
                         help="folder holding the pipeline's tables, read and written (default: outputs)"
                         if reads_out else "folder the tables are written to (default: outputs)")
        sub.add_argument("--params", type=Path, metavar="FILE",
                         help="parameters file (default: params.yaml if present, else built-in defaults)")
        if workers:
            sub.add_argument("--workers", type=_positive, metavar="N",
                             help="processes for the spaCy pass (default: entities.workers in params.yaml)")
            sub.add_argument("--executor", choices=EXECUTORS,
                             help="where the spaCy pass runs: local processes or a Dask cluster "
                                  "(default: entities.executor in params.yaml)")
            sub.add_argument("--scheduler", metavar="ADDRESS",
                             help="Dask scheduler address, e.g. tcp://10.0.0.5:8786; without it "
                                  "--executor dask starts a local cluster of --workers processes")
        if seeds:
            sub.add_argument("--strict", action="store_true", help="exit non-zero when any input is rejected")

    common(commands.add_parser("run", help="run all stages (clean, entities, quotes) without DVC",
                               description="Run clean, entities and quotes on a file or folder of articles; "
                                           "writes DIR/clean, DIR/entities, DIR/quotes and DIR/metrics.json."),
           seeds=True, workers=True, reads_out=False)
    common(commands.add_parser("clean", help="stage 1: raw articles -> clean documents",
                               description="Stage 1: clean raw articles into DIR/clean/documents.parquet, "
                                           "removed_lines.parquet and rejected.parquet."),
           seeds=True, reads_out=False)
    common(commands.add_parser("entities", help="stage 2: clean documents -> entity mentions and canonical "
                                                "entities (run clean first)",
                               description="Stage 2: parse DIR/clean/documents.parquet once and write "
                                           "DIR/entities/mentions.parquet and entities.parquet."),
           workers=True)
    common(commands.add_parser("quotes", help="stage 3: direct quotes and their speakers (run entities first)",
                               description="Stage 3: find quotes and speakers in the entity stage's parses; "
                                           "writes DIR/quotes/quotes.parquet."))
    summary = commands.add_parser("summary", help="collect the stages' metrics into DIR/metrics.json",
                                  description="Write DIR/metrics.json from each stage's DIR/STAGE/metrics.json.")
    summary.add_argument("--out", type=Path, default=Path("outputs"), metavar="DIR",
                         help="folder holding the pipeline's tables (default: outputs)")
    report = commands.add_parser("report", help="the browsable HTML report of DIR's tables (DIR/report/index.html)",
                                 add_help=False)
    report.add_argument("arguments", nargs="*", help="--out DIR, --top N (python -m pipeline report --help)")
    evaluate = commands.add_parser(
        "evaluate", help="run on an annotated sample and score the quotes against it",
        description="Run the pipeline on the articles of a gold JSONL file (one article per line: id, text, "
                    "quotes with start, end, speaker, kind; see README) and score the quotes table: span "
                    "P/R/F1, speaker accuracy, end-to-end F1. Writes DIR/evaluation.json and "
                    "DIR/evaluation_errors.jsonl.")
    evaluate.add_argument("--gold", type=Path, required=True, metavar="FILE", help="gold JSONL file")
    evaluate.add_argument("--out", type=Path, required=True, metavar="DIR",
                          help="folder for the tables, evaluation.json and evaluation_errors.jsonl")
    evaluate.add_argument("--params", type=Path, metavar="FILE",
                          help="parameters file (default: params.yaml if present, else built-in defaults)")
    evaluate.add_argument("--kinds", metavar="LIST",
                          help="comma-separated gold quote kinds to score, as the gold file names them "
                               "(e.g. direct or direct,mixed; default: all)")
    evaluate.add_argument("--workers", type=_positive, metavar="N", help="processes for the spaCy pass")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv[:1]) if argv[:1] == ["report"] else parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _on_signal(os.getpid()))
    try:
        if args.command == "report":
            return _report(argv[1:])
        if args.command == "run":
            return _run_stages(args, ["clean", "entities", "quotes"])
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "summary":
            _write_run_metrics(args.out)
            return 0
        return _run_stages(args, [args.command])
    except (UsageError, io.InputError, io.AlreadyRunning) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except RuntimeError as error:  # ModelNotFoundError and stage consistency errors
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a read-only or full output folder
        print(f"error: {io.printable(str(error))}; the previous tables are kept", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Terminated):
        print(INTERRUPTED, file=sys.stderr)
        return 130

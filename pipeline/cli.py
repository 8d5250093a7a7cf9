"""Command line: `python -m pipeline run|clean|entities|quotes|evaluate`."""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import sys
from pathlib import Path

import yaml

from pipeline import __version__, io
from pipeline.executors import EXECUTORS
from pipeline.stages.common import StageSummary, table_path

DEFAULT_PARAMS = {
    "clean": {"seeds": "seeds", "max_chars": 200_000},
    "entities": {"keep_labels": ["PERSON", "COUNTRY", "ORGANIZATION"], "batch_size": 16, "workers": 1,
                 "executor": "local", "scheduler": None, "selective_parse": False},
    "quotes": {"min_confidence": 0.0, "keep_unattributed": False, "indirect": True},
}


class UsageError(Exception):
    """A problem the user can fix (bad path, unreadable params): printed without a traceback."""


def load_params(path: Path | None, section: str) -> dict:
    """One stage's section of the parameters file over the defaults; without a file named, params.yaml if present."""
    params = dict(DEFAULT_PARAMS[section])
    if path is not None and not path.is_file():
        raise UsageError(f"{path}: no such parameters file")
    path = path or Path("params.yaml")
    if path.exists():
        try:
            data = yaml.safe_load(path.read_text("utf-8")) or {}
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise UsageError(f"{path}: not valid YAML{where}") from None
        given = data.get(section) or {}
        unknown = set(given) - set(params)
        if unknown:
            raise UsageError(f"{path}: unknown {section} parameter(s): {', '.join(sorted(unknown))}")
        params.update(given)
    return params


def _stage_clean(args: argparse.Namespace) -> StageSummary:
    from pipeline.stages.clean import run_clean

    params = load_params(args.params, "clean")
    seeds = Path(args.seeds or params["seeds"])
    if not seeds.exists():
        raise UsageError(f"{seeds}: no such file or folder (give --seeds PATH)")
    return run_clean(seeds=seeds, out=args.out, max_chars=int(params["max_chars"]))


def _stage_entities(args: argparse.Namespace) -> StageSummary:
    from pipeline.stages.entities import run_entities

    params = load_params(args.params, "entities")
    parallelism = _parallelism(args, params)
    _require(args.out, "clean/documents", "clean")
    # a whole-pipeline run finds the quotes in the same spaCy pass
    quote_params = load_params(args.params, "quotes") if args.command in ("run", "evaluate") else None
    return run_entities(out=args.out, keep_labels=list(params["keep_labels"]),
                        batch_size=int(params["batch_size"]), parallelism=parallelism,
                        quotes_min_confidence=float(quote_params["min_confidence"]) if quote_params else None,
                        quotes_keep_unattributed=bool(quote_params["keep_unattributed"]) if quote_params else False,
                        quotes_indirect=_indirect(args.params, quote_params) if quote_params else True,
                        selective_parse=bool(params["selective_parse"]))


def _parallelism(args: argparse.Namespace, params: dict):
    from pipeline.stages.entities import Parallelism

    parallelism = Parallelism(
        executor=getattr(args, "executor", None) or params["executor"],
        workers=getattr(args, "workers", None) or int(params["workers"]),
        scheduler=getattr(args, "scheduler", None) or params["scheduler"],
    )
    if parallelism.executor not in EXECUTORS:
        raise UsageError(f"unknown executor {parallelism.executor!r}: use one of {', '.join(EXECUTORS)}")
    return parallelism


def _workers_started(args: argparse.Namespace, names: list[str]):
    """Before a run that parses, start the local workers: they load the model while this process cleans."""
    if "entities" not in names or "clean" not in names:
        return contextlib.nullcontext()
    from pipeline.executors import started_early
    from pipeline.model import load_nlp

    params = load_params(args.params, "entities")
    parallelism = _parallelism(args, params)
    return started_early(parallelism.executor, workers=parallelism.workers,
                         warm_up=functools.partial(load_nlp, selective_parse=bool(params["selective_parse"])))


def _stage_quotes(args: argparse.Namespace) -> StageSummary:
    from pipeline.stages.quotes import run_quotes

    params = load_params(args.params, "quotes")
    _require(args.out, "entities/parses", "entities")
    return run_quotes(out=args.out, min_confidence=float(params["min_confidence"]),
                      keep_unattributed=bool(params["keep_unattributed"]), indirect=_indirect(args.params, params))


def _indirect(path: Path | None, params: dict) -> bool:
    """quotes.indirect: keep reported speech (true) or only the quotes in quotation marks (false)."""
    if not isinstance(params["indirect"], bool):
        raise UsageError(f"{path or 'params.yaml'}: quotes.indirect must be true or false, not {params['indirect']!r}")
    return params["indirect"]


def _require(out: Path, table: str, stage: str) -> None:
    if not table_path(out, table).exists():
        raise UsageError(f"{table_path(out, table)} is missing: run the {stage} stage first "
                         f"(python -m pipeline {stage} --out {out})")


STAGES = {"clean": _stage_clean, "entities": _stage_entities, "quotes": _stage_quotes}


def _write_run_metrics(out: Path) -> dict:
    """DIR/metrics.json: every stage's summary of the last run, in one file."""
    metrics = {"pipeline_version": __version__}
    for name in STAGES:
        path = out / name / "metrics.json"
        if path.exists():
            metrics[name] = json.loads(path.read_text("utf-8"))
    if len(metrics) == 1:
        raise UsageError(f"no stage metrics under {out}: run the stages first")
    metrics["seconds"] = round(sum(m["seconds"] for m in metrics.values() if isinstance(m, dict)), 3)
    io.write_json(out / "metrics.json", metrics)
    return metrics


def _run_stages(args: argparse.Namespace, names: list[str]) -> int:
    summaries = []
    with io.output_lock(args.out), _workers_started(args, names):
        for name in names:
            summary = STAGES[name](args)
            print(summary.line(), file=sys.stderr)
            io.write_json(args.out / name / "metrics.json", summary.metrics())
            summaries.append(summary)
            if name == "clean" and summary.rows.get("documents", 0) == 0:
                break
        if len(names) > 1:
            _write_run_metrics(args.out)
    clean = next((s for s in summaries if s.stage == "clean"), None)
    if clean is not None:
        if clean.rows.get("documents", 0) == 0:
            print(f"error: no article could be read; see the warnings above and {args.out / 'clean/rejected.parquet'}",
                  file=sys.stderr)
            return 1
        if args.strict and clean.rejected:
            print(f"error: {clean.rejected} input(s) rejected and --strict is set", file=sys.stderr)
            return 1
    return 0


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
                    "canonical entities and attributed quotes out. `dvc repro` runs the same stages on seeds/ (and `python -m pipeline.report` the HTML report).",
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
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
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

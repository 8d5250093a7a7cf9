"""Command line: `python -m pipeline run|clean|entities|quotes|evaluate`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from pipeline import __version__, io
from pipeline.executors import EXECUTORS
from pipeline.stages.common import StageSummary, table_path

DEFAULT_PARAMS = {
    "clean": {"seeds": "seeds", "max_chars": 200_000},
    "entities": {"keep_labels": ["PERSON", "COUNTRY", "ORGANIZATION"], "batch_size": 64, "workers": 1,
                 "executor": "local", "scheduler": None},
    "quotes": {"min_confidence": 0.0},
}


class UsageError(Exception):
    """A problem the user can fix (bad path, unreadable params): printed without a traceback."""


def load_params(path: Path, section: str) -> dict:
    """One stage's section of params.yaml, over the defaults (a missing file means defaults)."""
    params = dict(DEFAULT_PARAMS[section])
    if path.exists():
        try:
            data = yaml.safe_load(path.read_text("utf-8")) or {}
        except yaml.YAMLError as error:
            raise UsageError(f"{path}: not valid YAML: {error}") from None
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
    from pipeline.stages.entities import Parallelism, run_entities

    params = load_params(args.params, "entities")
    parallelism = Parallelism(
        executor=getattr(args, "executor", None) or params["executor"],
        workers=getattr(args, "workers", None) or int(params["workers"]),
        scheduler=getattr(args, "scheduler", None) or params["scheduler"],
    )
    if parallelism.executor not in EXECUTORS:
        raise UsageError(f"unknown executor {parallelism.executor!r}: use one of {', '.join(EXECUTORS)}")
    _require(args.out, "clean/documents", "clean")
    # a whole-pipeline run finds the quotes in the same spaCy pass
    quotes_min_confidence = (float(load_params(args.params, "quotes")["min_confidence"])
                             if args.command in ("run", "evaluate") else None)
    return run_entities(out=args.out, keep_labels=list(params["keep_labels"]),
                        batch_size=int(params["batch_size"]), parallelism=parallelism,
                        quotes_min_confidence=quotes_min_confidence)


def _stage_quotes(args: argparse.Namespace) -> StageSummary:
    from pipeline.stages.quotes import run_quotes

    params = load_params(args.params, "quotes")
    _require(args.out, "entities/parses", "entities")
    return run_quotes(out=args.out, min_confidence=float(params["min_confidence"]))


def _require(out: Path, table: str, stage: str) -> None:
    if not table_path(out, table).exists():
        raise UsageError(f"{table_path(out, table)} is missing: run the {stage} stage first "
                         f"(python -m pipeline {stage} --out {out})")


STAGES = {"clean": _stage_clean, "entities": _stage_entities, "quotes": _stage_quotes}


def _write_run_metrics(out: Path) -> dict:
    """outputs/metrics.json: every stage's summary of the last run, in one file."""
    metrics = {"pipeline_version": __version__}
    for name in STAGES:
        path = out / name / "metrics.json"
        if path.exists():
            metrics[name] = json.loads(path.read_text("utf-8"))
    metrics["seconds"] = round(sum(m["seconds"] for m in metrics.values() if isinstance(m, dict)), 3)
    io.write_json(out / "metrics.json", metrics)
    return metrics


def _run_stages(args: argparse.Namespace, names: list[str]) -> int:
    summaries = []
    with io.output_lock(args.out):
        for name in names:
            summary = STAGES[name](args)
            print(summary.line(), file=sys.stderr)
            io.write_json(args.out / name / "metrics.json", summary.metrics())
            summaries.append(summary)
        if len(names) > 1:
            _write_run_metrics(args.out)
    clean = next((s for s in summaries if s.stage == "clean"), None)
    if clean is not None:
        if clean.rows.get("documents", 0) == 0:
            print("error: no article could be read; see the warnings above", file=sys.stderr)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="News quote and entity pipeline: raw articles in, Parquet tables of clean documents, "
                    "entities and attributed quotes out.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser, *, seeds: bool = False, workers: bool = False) -> None:
        if seeds:
            sub.add_argument("--seeds", type=Path, help="input file or folder of articles (.txt, .jsonl, .csv, "
                                                        ".parquet); default: params.yaml clean.seeds")
        sub.add_argument("--out", type=Path, default=Path("outputs"), help="output folder (default: outputs)")
        sub.add_argument("--params", type=Path, default=Path("params.yaml"),
                         help="parameters file (default: params.yaml; defaults apply when missing)")
        if workers:
            sub.add_argument("--workers", type=int, help="worker processes for the spaCy pass (default: params.yaml "
                                                         "entities.workers)")
            sub.add_argument("--executor", choices=EXECUTORS, help="where the spaCy pass runs: local processes or "
                                                                   "a Dask cluster (default: params.yaml)")
            sub.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786; "
                                                                    "without it --executor dask starts a local cluster")
        sub.add_argument("--strict", action="store_true", help="exit non-zero when any input is rejected")

    run = commands.add_parser("run", help="run all stages (clean, entities, quotes) without DVC",
                              description="Run clean, entities and quotes on a file or folder of articles.")
    common(run, seeds=True, workers=True)
    common(commands.add_parser("clean", help="stage 1: raw articles -> clean documents",
                               description="Clean raw articles into outputs/clean/*.parquet."), seeds=True)
    common(commands.add_parser("entities", help="stage 2: entity mentions and canonical entities",
                               description="Find and canonicalise entities into outputs/entities/*.parquet."),
           workers=True)
    common(commands.add_parser("quotes", help="stage 3: direct quotes and their speakers",
                               description="Extract attributed quotes into outputs/quotes/quotes.parquet."))
    summary = commands.add_parser("summary", help="collect the stages' metrics into OUT/metrics.json",
                                  description="Write OUT/metrics.json from each stage's OUT/STAGE/metrics.json.")
    summary.add_argument("--out", type=Path, default=Path("outputs"), help="output folder (default: outputs)")
    evaluate = commands.add_parser(
        "evaluate", help="score quotes against a gold JSONL file",
        description="Run the pipeline on the articles of a gold JSONL file (format: see README) and score the "
                    "quotes table against its annotations: span P/R/F1, speaker accuracy, end-to-end F1.")
    evaluate.add_argument("--gold", type=Path, required=True, help="gold JSONL file (one article per line)")
    evaluate.add_argument("--out", type=Path, required=True, help="folder for the tables and evaluation.json")
    evaluate.add_argument("--params", type=Path, default=Path("params.yaml"), help="parameters file")
    evaluate.add_argument("--kinds", help="comma-separated gold quote kinds to score (default: all)")
    evaluate.add_argument("--workers", type=int, help="worker processes for parsing")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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

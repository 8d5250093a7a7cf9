"""A browsable HTML report of the tables under an output folder, and the DVC plot files.

    python -m pipeline.report --out outputs

writes, under OUT/report/:

- index.html: counts, the top speakers, the quotes of people by gender, the most reprinted quotes
  and every article with its number of quotes;
- articles/*.html: one page per article, its clean text with every quote highlighted and
  tagged with its canonical speaker, and every entity mention marked (displaCy-style);
- quotes_per_speaker.csv, quotes_per_day.csv: the data of `dvc plots show`; quotes_by_gender.csv;
- metrics.json: the report's counts, for `dvc metrics show`.

All text from the articles is HTML-escaped; pages are static and self-contained (no scripts).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import shutil
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

HELP = "write a browsable HTML report of the tables: OUT/report/index.html"
DESCRIPTION = ("Write OUT/report/index.html (counts, top speakers, every article) and one page per article "
               "with its quotes highlighted and tagged with their speaker and its entity mentions marked; "
               "also the CSV files behind `dvc plots show` (quotes per speaker, quotes per day). "
               "Run it after the clean, entities and quotes stages.")
TABLES = {
    "documents": "clean/documents",
    "mentions": "entities/mentions",
    "entities": "entities/entities",
    "quotes": "quotes/quotes",
    "quote_groups": "quotes/quote_groups",
}
NO_SPEAKER = "(no speaker)"
LABEL_COLOURS = {
    "PERSON": "#aa9cfc",
    "COUNTRY": "#feca74",
    "ORGANIZATION": "#7aecec",
    "NORP": "#c887fb",
}
OTHER_COLOUR = "#ddd"

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0 auto;
       max-width: 62rem; padding: 1rem 1.5rem 3rem; color: #222; line-height: 1.5; }
h1 { font-size: 1.6rem; line-height: 1.3; }
a { color: #1b5fad; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.counts { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0 1.5rem; padding: 0; list-style: none; }
.counts li { background: #f4f6fa; border-radius: .4rem; padding: .5rem .9rem; }
.counts b { display: block; font-size: 1.4rem; }
.meta { color: #555; font-size: .9rem; }
.standfirst { font-size: 1.1rem; color: #333; }
.body { white-space: pre-wrap; font-size: 1.05rem; }
mark.quote { background: #fff3b0; border-bottom: 2px solid #e0b400; padding: 0 .1em; color: inherit; }
mark.quote.unattributed { background: #eee; border-bottom-color: #999; }
mark.quote.indirect { background: #e6f0fb; border-bottom: 2px dotted #3d74b8; }
sup.speaker-tag { background: #e0b400; color: #222; border-radius: .3em; font-size: .7rem; font-weight: 600;
                  margin: 0 .2em; padding: .05em .4em; white-space: nowrap; }
sup.speaker-tag.unattributed { background: #bbb; }
mark.entity { border-radius: .3em; padding: 0 .2em; line-height: 1; color: inherit; }
mark.entity .ent-label { font-size: .6rem; font-weight: 700; margin-left: .3em; text-transform: uppercase;
                         vertical-align: middle; }
mark.speaker-mention { text-decoration: underline 2px #c0392b; text-underline-offset: .25em; background: none;
                       color: inherit; }
.legend span { margin-right: 1rem; }
"""


class ReportError(Exception):
    """A missing or unreadable table: printed without a traceback."""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _missing(value: object) -> bool:
    """None, NaN or NaT (pandas' missing values; the only values unequal to themselves)."""
    return value is None or value != value


# ---------------------------------------------------------------- marking up one field

def _quote_open(q: dict) -> str:
    speaker = q.get("speaker")
    attributed = not _missing(speaker)
    confidence = q.get("confidence")
    details = [f"speaker: {speaker if attributed else NO_SPEAKER}"]
    if not _missing(q.get("speaker_mention")):
        details.append(f"written as: {q['speaker_mention']}")
    for key in ("kind", "cue", "cue_type", "rule"):
        if not _missing(q.get(key)):
            details.append(f"{key}: {q[key]}")
    if not _missing(confidence):
        details.append(f"confidence: {float(confidence):.2f}")
    cls = "quote" + ("" if attributed else " unattributed") + (" indirect" if q.get("kind") == "indirect" else "")
    return (f'<mark class="{cls}" data-quote-id="{_e(q.get("quote_id"))}" '
            f'data-speaker="{_e(speaker if attributed else "")}" title="{_e("; ".join(details))}">')


def _speaker_tag(q: dict) -> str:
    speaker = q.get("speaker")
    if _missing(speaker):
        return f'<sup class="speaker-tag unattributed">{_e(NO_SPEAKER)}</sup>'
    return f'<sup class="speaker-tag" data-entity-id="{_e(q.get("speaker_entity_id"))}">{_e(speaker)}</sup>'


def _mention_open(m: dict) -> str:
    label = str(m.get("label") or "")
    colour = LABEL_COLOURS.get(label, OTHER_COLOUR)
    title = f"{label}: {m.get('canonical_name')}"
    if not _missing(m.get("entity_id")):
        title += f" ({m['entity_id']})"
    return (f'<mark class="entity" data-label="{_e(label)}" data-entity-id="{_e(m.get("entity_id"))}" '
            f'style="background: {colour}" title="{_e(title)}">')


def _mention_close(m: dict, at_end: bool) -> str:
    if not at_end:
        return "</mark>"
    label = str(m.get("label") or "")
    canonical = m.get("canonical_name")
    shown = label if _missing(canonical) or canonical == m.get("text") else f"{label} {canonical}"
    return f'<span class="ent-label">{_e(shown)}</span></mark>'


def _speaker_open(s: dict) -> str:
    return f'<mark class="speaker-mention" title="{_e("speaker: " + str(s.get("speaker") or NO_SPEAKER))}">'


def _quote_close(q: dict, at_end: bool) -> str:
    return "</mark>" + (_speaker_tag(q) if at_end else "")


def _covering(spans: list[dict], a: int) -> dict | None:
    for span in spans:
        if span["start"] <= a < span["end"]:
            return span
    return None


def mark_up(text: str, quotes: Iterable[dict] = (), mentions: Iterable[dict] = (),
            speakers: Iterable[dict] = ()) -> str:
    """HTML of one field: the escaped text with layers of <mark>, outermost first:

    - quotes (rows of the quotes table): <mark class="quote">, followed by the speaker's tag;
    - speakers ({"start", "end", "speaker"}): the words naming a quote's speaker ("he", "the ambassador");
    - mentions (rows of the mentions table): <mark class="entity"> with a displaCy-style type label;
      titles, descriptions and pronouns ("the DPRK ambassador") are a layer above the names they hold ("DPRK").

    Offsets are `start`/`end` into `text`. A span crossing a span of an outer layer is split
    so that the markup always nests; tags and labels go on the last piece only.
    """
    n = len(text)
    mentions = list(mentions)
    references = [m for m in mentions if not _missing(m.get("mention_kind")) and m.get("mention_kind") != "name"]
    names = [m for m in mentions if _missing(m.get("mention_kind")) or m.get("mention_kind") == "name"]
    layers = []
    for spans, opener, closer in ((quotes, _quote_open, _quote_close),
                                  (speakers, _speaker_open, lambda s, at_end: "</mark>"),
                                  (references, _mention_open, _mention_close),
                                  (names, _mention_open, _mention_close)):
        kept = sorted((x for x in spans if 0 <= x["start"] < x["end"] <= n), key=lambda x: (x["start"], -x["end"]))
        layers.append((kept, opener, closer))
    points = sorted({0, n, *(x[k] for spans, _, _ in layers for x in spans for k in ("start", "end"))})
    out: list[str] = []
    opened: list[dict | None] = [None] * len(layers)
    for a, b in zip(points, points[1:]):
        active = [_covering(spans, a) for spans, _, _ in layers]
        changed = next((i for i in range(len(layers)) if active[i] is not opened[i]), None)
        if changed is not None:
            for i in reversed(range(changed, len(layers))):
                if opened[i] is not None:
                    out.append(layers[i][2](opened[i], opened[i]["end"] == a))
                    opened[i] = None
            for i in range(changed, len(layers)):
                if active[i] is not None:
                    out.append(layers[i][1](active[i]))
                    opened[i] = active[i]
        out.append(_e(text[a:b]))
    for i in reversed(range(len(layers))):
        if opened[i] is not None:
            out.append(layers[i][2](opened[i], opened[i]["end"] == n))
    return "".join(out)


# ---------------------------------------------------------------- pages

def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def article_file(doc_id: str) -> str:
    """A safe, stable file name for an article page (doc_ids may hold '/', ':' or '#')."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", doc_id).strip("-.")[:60] or "article"
    return f"{slug}-{hashlib.sha1(doc_id.encode()).hexdigest()[:8]}.html"


def _date(value: object) -> str:
    import pandas as pd

    return "" if _missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _field_spans(rows: list[dict], field: str) -> list[dict]:
    return [r for r in rows if r.get("field") == field]


def _speaker_spans(quotes: list[dict]) -> list[dict]:
    """The words naming each quote's speaker, once per place."""
    spans = {}
    for q in quotes:
        if _missing(q.get("speaker_mention_start")) or _missing(q.get("speaker_mention_field")):
            continue
        key = (q["speaker_mention_field"], int(q["speaker_mention_start"]), int(q["speaker_mention_end"]))
        spans.setdefault(key, {"field": key[0], "start": key[1], "end": key[2],
                               "speaker": None if _missing(q.get("speaker")) else q["speaker"]})
    return list(spans.values())


LEGEND = ('<p class="legend meta"><span><mark class="quote">quote</mark><sup class="speaker-tag">speaker</sup></span>'
          '<span><mark class="quote indirect">reported speech</mark><sup class="speaker-tag">speaker</sup></span>'
          + "".join(f'<span><mark class="entity" style="background: {c}">{_e(label.title())}'
                    f'<span class="ent-label">{_e(label)}</span></mark></span>' for label, c in LABEL_COLOURS.items())
          + '<span><mark class="speaker-mention">speaker as written</mark></span></p>')


def article_page(doc: dict, quotes: list[dict], mentions: list[dict]) -> str:
    """The HTML page of one article."""
    speakers = _speaker_spans(quotes)

    def field(name: str) -> str:
        return mark_up(doc.get(name) or "", _field_spans(quotes, name), _field_spans(mentions, name),
                       _field_spans(speakers, name))

    meta = [f"<b>{_e(doc['doc_id'])}</b>"]
    for key, label in (("published", "published"), ("updated", "updated")):
        if _date(doc.get(key)):
            meta.append(f"{label} {_e(_date(doc.get(key)))}")
    for key in ("section", "byline", "publisher"):
        if not _missing(doc.get(key)):
            meta.append(_e(doc[key]))
    url = doc.get("url")
    if not _missing(url) and re.match(r"https?://", str(url)):
        meta.append(f'<a href="{_e(url)}" rel="noopener noreferrer">original</a>')
    headline = doc.get("headline") or doc["doc_id"]
    rows = "".join(
        f'<tr><td class="num">{i}</td><td>{_e(q.get("speaker") if not _missing(q.get("speaker")) else NO_SPEAKER)}</td>'
        f'<td>{_e(q.get("speaker_mention") or "")}</td><td>{_e(q.get("kind"))}</td><td>{_e(q.get("cue") or "")}</td>'
        f'<td class="num">{float(q["confidence"]):.2f}</td><td>{_e(q.get("text"))}</td></tr>'
        for i, q in enumerate(quotes, start=1)
    )
    body = [
        '<p><a href="../index.html">&larr; all articles</a></p>',
        LEGEND,
        "<article>",
        f'<h1 class="headline">{field("headline") if doc.get("headline") else _e(headline)}</h1>',
        f'<p class="meta">{" · ".join(meta)}</p>',
    ]
    if doc.get("standfirst"):
        body.append(f'<p class="standfirst">{field("standfirst")}</p>')
    body += [
        f'<div class="body">{field("text")}</div>',
        "</article>",
        f"<h2>Quotes ({len(quotes)})</h2>",
        "<table class=\"quotes\"><tr><th class=\"num\">#</th><th>speaker</th><th>written as</th><th>kind</th>"
        f"<th>cue</th><th class=\"num\">confidence</th><th>quote</th></tr>{rows}</table>",
    ]
    return _page(headline, "\n".join(body))


def _speaker_table(quotes: pd.DataFrame, top: int) -> pd.DataFrame:
    import pandas as pd

    said = quotes[quotes["speaker"].notna()]
    if said.empty:
        return pd.DataFrame({"speaker": pd.Series(dtype=object), "type": pd.Series(dtype=object),
                             "entity_id": pd.Series(dtype=object), "quotes": pd.Series(dtype="int64"),
                             "articles": pd.Series(dtype="int64")})
    table = (said.groupby(["speaker", "speaker_type", "speaker_entity_id"], dropna=False)
                 .agg(quotes=("quote_id", "size"), articles=("doc_id", "nunique")).reset_index()
                 .rename(columns={"speaker_type": "type", "speaker_entity_id": "entity_id"}))
    return table.sort_values(["quotes", "articles", "speaker"], ascending=[False, False, True]).head(top).reset_index(drop=True)


def quotes_by_gender(quotes: pd.DataFrame, entities: pd.DataFrame) -> pd.DataFrame:
    """Quotes of named people by their gender (female, male, unknown) and each one's share."""
    import pandas as pd

    people = entities[entities["type"] == "PERSON"][["entity_id", "gender"]]
    said = quotes[quotes["speaker_type"] == "PERSON"].merge(people, left_on="speaker_entity_id",
                                                              right_on="entity_id", how="left")
    counts = said["gender"].fillna("unknown").value_counts()
    table = pd.DataFrame({"gender": ["female", "male", "unknown"]})
    table["quotes"] = [int(counts.get(g, 0)) for g in table["gender"]]
    total = table["quotes"].sum()
    table["share"] = (table["quotes"] / total).round(3) if total else 0.0
    return table
def _groups_table(groups: pd.DataFrame, top: int) -> str:
    """The quote groups in most articles (groups come sorted so), each with its first article."""
    rows = "".join(
        f'<tr><td>{_e(_shorter(g.text))}</td><td>{_e("" if _missing(g.speaker) else g.speaker)}</td>'
        f'<td class="num">{g.n_articles}</td><td class="num">{g.n_quotes}</td><td>{_e(_date(g.first_published))}</td>'
        f'<td><a href="articles/{_e(article_file(g.first_doc_id))}">{_e(g.first_doc_id)}</a></td></tr>'
        for g in groups.head(top).itertuples()
    )
    if not rows:
        return "<p>No quotes.</p>"
    return ('<table class="quote-groups"><tr><th>quote (longest form)</th><th>speaker</th><th class="num">articles</th>'
            f'<th class="num">quotes</th><th>first published</th><th>first article</th></tr>{rows}</table>')


def _shorter(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def index_page(documents: pd.DataFrame, mentions: pd.DataFrame, entities: pd.DataFrame, quotes: pd.DataFrame,
               speakers: pd.DataFrame, counts: dict, groups: pd.DataFrame | None = None, *, top: int = 20) -> str:
    """The report's front page: counts, top speakers, top quote groups, every article."""
    names = {
        "documents": "articles", "quotes": "quotes", "attributed_quotes": "attributed quotes",
        "speakers": "speakers", "mentions": "entity mentions", "entities": "entities",
    }
    cards = "".join(f'<li data-count="{key}"><b>{counts[key]:,}</b>{_e(label)}</li>' for key, label in names.items())
    speaker_rows = "".join(
        f'<tr><td>{_e(r.speaker)}</td><td>{_e(r.type)}</td><td class="num">{r.quotes}</td>'
        f'<td class="num">{r.articles}</td></tr>' for r in speakers.itertuples()
    )
    gender_rows = "".join(f'<tr><td>{_e(r.gender)}</td><td class="num">{r.quotes}</td>'
                          f'<td class="num">{r.share:.0%}</td></tr>' for r in quotes_by_gender(quotes, entities).itertuples())
    n_quotes = quotes.groupby("doc_id").size()
    n_mentions = mentions.groupby("doc_id").size()
    who = quotes[quotes["speaker"].notna()].groupby("doc_id")["speaker"].agg(lambda s: ", ".join(s.value_counts().index[:3]))
    ordered = documents.assign(_p=documents["published"]).sort_values(["_p", "doc_id"], ascending=[False, True], na_position="last")
    article_rows = "".join(
        f'<tr><td>{_e(_date(d.published))}</td>'
        f'<td><a href="articles/{_e(article_file(d.doc_id))}">{_e(d.headline or d.doc_id)}</a></td>'
        f'<td class="num">{int(n_quotes.get(d.doc_id, 0))}</td><td class="num">{int(n_mentions.get(d.doc_id, 0))}</td>'
        f'<td>{_e(who.get(d.doc_id, ""))}</td></tr>'
        for d in ordered.itertuples()
    )
    body = "\n".join([
        "<h1>News quotes and entities</h1>",
        f'<ul class="counts">{cards}</ul>',
        "<h2>Top speakers</h2>",
        '<table class="speakers"><tr><th>speaker</th><th>type</th><th class="num">quotes</th>'
        f'<th class="num">articles</th></tr>{speaker_rows}</table>' if speaker_rows else "<p>No attributed quotes.</p>",
        "<h2>Quotes of people by gender</h2>",
        '<table class="gender"><tr><th>gender</th><th class="num">quotes</th><th class="num">share</th></tr>'
        f"{gender_rows}</table>",
        *(["<h2>Top quote groups</h2>",
           "<p>The same words by the same speaker across articles (quote_groups.parquet), in most articles first.</p>",
           _groups_table(groups, top)] if groups is not None else []),
        f"<h2>Articles ({len(documents):,})</h2>",
        '<table class="articles"><tr><th>published</th><th>headline</th><th class="num">quotes</th>'
        f'<th class="num">mentions</th><th>main speakers</th></tr>{article_rows}</table>',
        '<p class="meta">Tables: see docs/tables.md. Quote highlighting and entity colours are explained on each article page.</p>',
    ])
    return _page("News quotes and entities", body)


# ---------------------------------------------------------------- the report

def load_tables(out: Path) -> dict[str, pd.DataFrame]:
    import pandas as pd

    tables = {}
    for name, table in TABLES.items():
        path = Path(out) / f"{table}.parquet"
        if not path.exists():
            stage = table.split("/")[0]
            raise ReportError(f"{path} is missing: run the pipeline first (dvc repro, or "
                              f"python -m pipeline run --seeds PATH --out {out}; this table comes from the {stage} stage)")
        tables[name] = pd.read_parquet(path)
    return tables


def quotes_per_day(documents: pd.DataFrame, quotes: pd.DataFrame) -> pd.DataFrame:
    """Articles and quotes per publication day (articles without a date are left out)."""
    import pandas as pd

    dated = documents[documents["published"].notna()][["doc_id", "published"]]
    if dated.empty:
        return pd.DataFrame({"day": pd.Series(dtype=object), "articles": pd.Series(dtype="int64"),
                             "quotes": pd.Series(dtype="int64")})
    dated = dated.assign(day=pd.to_datetime(dated["published"]).dt.strftime("%Y-%m-%d"))
    n_quotes = quotes.groupby("doc_id").size().rename("quotes")
    per_doc = dated.join(n_quotes, on="doc_id").fillna({"quotes": 0})
    table = per_doc.groupby("day").agg(articles=("doc_id", "size"), quotes=("quotes", "sum")).reset_index()
    return table.astype({"quotes": "int64"}).sort_values("day").reset_index(drop=True)


def build_report(out: Path, *, top: int = 20) -> dict:
    """Write OUT/report (index, article pages, plot CSVs, metrics.json); return the metrics."""

    out = Path(out)
    t = load_tables(out)
    documents, mentions, entities, quotes = t["documents"], t["mentions"], t["entities"], t["quotes"]
    final = out / "report"
    report = Path(tempfile.mkdtemp(prefix=".report.", dir=out))  # swapped in when complete
    articles_dir = report / "articles"
    articles_dir.mkdir()

    quote_rows: dict[str, list[dict]] = defaultdict(list)
    for row in quotes.sort_values(["doc_id", "field", "start"]).to_dict("records"):
        quote_rows[row["doc_id"]].append(row)
    mention_rows: dict[str, list[dict]] = defaultdict(list)
    for row in mentions.to_dict("records"):
        mention_rows[row["doc_id"]].append(row)
    for doc in documents.to_dict("records"):
        page = article_page(doc, quote_rows.get(doc["doc_id"], []), mention_rows.get(doc["doc_id"], []))
        (articles_dir / article_file(doc["doc_id"])).write_text(page, encoding="utf-8")

    speakers = _speaker_table(quotes, top)
    counts = {
        "documents": len(documents),
        "quotes": len(quotes),
        "attributed_quotes": int(quotes["speaker"].notna().sum()),
        "speakers": int(quotes["speaker_entity_id"].nunique()),
        "mentions": len(mentions),
        "entities": len(entities),
        "articles_with_quotes": int(quotes["doc_id"].nunique()),
        "quote_groups": len(t["quote_groups"]),
        "quote_groups_in_several_articles": int((t["quote_groups"]["n_articles"] > 1).sum()),
    }
    (report / "index.html").write_text(index_page(documents, mentions, entities, quotes, speakers, counts,
                                                       t["quote_groups"], top=top), encoding="utf-8")
    speakers[["speaker", "type", "quotes", "articles"]].to_csv(report / "quotes_per_speaker.csv", index=False)
    quotes_per_day(documents, quotes).to_csv(report / "quotes_per_day.csv", index=False)
    quotes_by_gender(quotes, entities).to_csv(report / "quotes_by_gender.csv", index=False)
    (report / "metrics.json").write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    report.chmod(0o755)
    _replace_folder(report, final)
    return counts


def _replace_folder(new: Path, final: Path) -> None:
    """Put a complete folder in place of the old one: readers see the old report or the new, never half of one."""
    old = final.with_name(f".{final.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    new.rename(final)
    if old.exists():
        shutil.rmtree(old)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("outputs"),
                        help="output folder holding the pipeline's tables; the report is written to OUT/report "
                             "(default: outputs)")
    parser.add_argument("--top", type=int, default=20,
                        help="speakers listed on the front page and in quotes_per_speaker.csv (default: 20)")


def report_command(args: argparse.Namespace) -> int:
    try:
        counts = build_report(args.out, top=args.top)
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"[report] {counts['documents']} articles, {counts['quotes']} quotes ({counts['attributed_quotes']} attributed); "
          f"wrote {args.out / 'report' / 'index.html'}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.report", description=DESCRIPTION)
    add_arguments(parser)
    return report_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

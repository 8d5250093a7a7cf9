"""The HTML report: built from a pipeline run on seeds/, opened in headless Chromium, checked on the DOM."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from pipeline import report

VOID = {"meta", "link", "br", "img", "hr", "input", "col", "area", "base", "source", "wbr"}
FIELD_ORDER = {"headline": 0, "standfirst": 1, "text": 2}


# ---------------------------------------------------------------- a tiny DOM

class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str, cls: str | None = None) -> list[Node]:
        return [n for n in self.iter() if n.tag == tag and (cls is None or cls in n.classes)]

    def text(self, skip: tuple[str, ...] = ()) -> str:
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif not (child.classes & set(skip)):
                parts.append(child.text(skip))
        return "".join(parts)


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#root", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


# ---------------------------------------------------------------- headless Chromium

def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if exe := shutil.which(name):
            return exe
    message = "chromium is not installed (apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _chromium_args(tmp_path: Path) -> list[str]:
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.iterdir()))}"
    return [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", f"--user-data-dir={profile}"]


def dump_dom(page: Path, tmp_path: Path) -> Node:
    """The page's DOM as Chromium built it (its parser repairs bad nesting, so counts made on it are honest)."""
    done = subprocess.run([*_chromium_args(tmp_path), "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "<body" in done.stdout, done.stderr[-2000:]
    return parse(done.stdout)


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def built(analyst_outputs) -> dict:
    counts = report.build_report(analyst_outputs)
    tables = {name: pd.read_parquet(analyst_outputs / f"{table}.parquet") for name, table in report.TABLES.items()}
    return {"out": analyst_outputs, "counts": counts, **tables}


def _doc_quotes(built: dict, doc_id: str) -> pd.DataFrame:
    quotes = built["quotes"][built["quotes"]["doc_id"] == doc_id]
    return quotes.assign(_f=quotes["field"].map(FIELD_ORDER)).sort_values(["_f", "start"])


# ---------------------------------------------------------------- tests

def test_article_page_highlights_every_quote_with_its_speaker(built, tmp_path):
    doc = built["documents"].iloc[0]
    quotes = _doc_quotes(built, doc["doc_id"])
    mentions = built["mentions"][built["mentions"]["doc_id"] == doc["doc_id"]]
    assert len(quotes) >= 3 and len(mentions) >= 10, "the seed should give quotes and mentions to show"
    page = built["out"] / "report" / "articles" / report.article_file(doc["doc_id"])
    dom = dump_dom(page, tmp_path).find_all("article")[0]

    # every quote is highlighted: the marked words are exactly the quote, and each carries its speaker tag
    pieces: dict[str, list[str]] = {}
    for mark in dom.find_all("mark", "quote"):
        pieces.setdefault(mark.attrs["data-quote-id"], []).append(mark.text(skip=("ent-label",)))
    assert list(pieces) == list(quotes["quote_id"])
    for quote in quotes.itertuples():
        assert "".join(pieces[quote.quote_id]) == quote.text
    tags = [sup.text() for sup in dom.find_all("sup", "speaker-tag")]
    assert len(dom.find_all("mark", "speaker-mention")) >= 1  # the words naming a speaker ("he", "Kim")
    expected = [s if isinstance(s, str) else report.NO_SPEAKER for s in quotes["speaker"]]
    assert tags == expected
    assert "Kim Song" in tags

    # every entity mention is marked, with its type label
    marks = dom.find_all("mark", "entity")
    assert {m.attrs["data-entity-id"] for m in marks} == set(mentions["entity_id"])
    labels = [span.text() for span in dom.find_all("span", "ent-label")]
    assert len(labels) == len(mentions)
    assert Counter(label.split(" ")[0] for label in labels) == Counter(mentions["label"])
    assert any(label == "COUNTRY North Korea" for label in labels)  # "DPRK" and "Pyongyang" name North Korea

    # the marked-up body reads exactly as the clean text: nothing lost, nothing unescaped
    body = dom.find_all("div", "body")
    assert len(body) == 1
    assert body[0].text(skip=("ent-label", "speaker-tag")) == doc["text"]
    headline = dom.find_all("h1", "headline")[0]
    assert headline.text(skip=("ent-label", "speaker-tag")) == doc["headline"]



def test_index_page_counts_top_speakers_and_links(built, tmp_path):
    index = built["out"] / "report" / "index.html"
    dom = dump_dom(index, tmp_path)
    quotes = built["quotes"]
    counts = {li.attrs["data-count"]: int(li.find_all("b")[0].text().replace(",", "")) for li in dom.find_all("li")
              if "data-count" in li.attrs}
    assert counts["quotes"] == len(quotes) == built["counts"]["quotes"]
    assert counts["documents"] == len(built["documents"])
    assert counts["mentions"] == len(built["mentions"])
    assert counts["attributed_quotes"] == quotes["speaker"].notna().sum()

    rows = dom.find_all("table", "speakers")[0].find_all("tr")[1:]
    top = [(r.find_all("td")[0].text(), int(r.find_all("td")[2].text())) for r in rows]
    expected = quotes["speaker"].value_counts()
    assert top[0] == ("Kim Song", expected["Kim Song"])
    assert [n for _, n in top] == sorted((n for _, n in top), reverse=True)
    assert {name: n for name, n in top} == expected.to_dict()

    links = [a.attrs["href"] for a in dom.find_all("table", "articles")[0].find_all("a")]
    assert len(links) == len(built["documents"])
    for href in links:
        assert (index.parent / href).is_file()


def test_plot_files_and_metrics(built):
    folder = built["out"] / "report"
    per_speaker = pd.read_csv(folder / "quotes_per_speaker.csv")
    assert list(per_speaker.columns) == ["speaker", "type", "quotes", "articles"]
    assert per_speaker.loc[0, "speaker"] == "Kim Song"
    assert per_speaker["quotes"].sum() == built["quotes"]["speaker"].notna().sum()
    per_day = pd.read_csv(folder / "quotes_per_day.csv")
    assert list(per_day.columns) == ["day", "articles", "quotes"]
    assert per_day.to_dict("records") == [{"day": "2018-11-28", "articles": 1, "quotes": len(built["quotes"])}]
    metrics = pd.read_json(folder / "metrics.json", typ="series")
    assert metrics["quotes"] == len(built["quotes"]) and metrics["entities"] == len(built["entities"])


def test_screenshot_of_the_article_page(built, tmp_path):
    page = built["out"] / "report" / "articles" / report.article_file(built["documents"].iloc[0]["doc_id"])
    png = tmp_path / "article.png"
    done = subprocess.run([*_chromium_args(tmp_path), "--hide-scrollbars", "--window-size=1000,800",
                           f"--screenshot={png}", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert (ROOT / "docs" / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "(docs/report.png)" in (ROOT / "README.md").read_text("utf-8")


# ---------------------------------------------------------------- escaping, odd input, the command

def test_mark_up_escapes_and_nests():
    text = 'He said "<script>alert(1)</script> & <b>bold</b>" and left.'
    start = text.index("<script>")
    end = text.index('" and')
    quote = {"start": start, "end": end, "quote_id": 'q"1', "speaker": "A <Speaker>", "speaker_entity_id": "x",
             "kind": "full", "confidence": 0.5}
    mentions = [{"start": 0, "end": 2, "label": "PERSON", "canonical_name": "A <Speaker>", "text": "He", "entity_id": "x"},
                # a mention crossing the quote's end is split, never mis-nested
                {"start": end - 4, "end": end + 5, "label": "ORGANIZATION", "canonical_name": "B", "text": "?", "entity_id": "y"}]
    speakers = [{"start": 0, "end": 7, "speaker": "A <Speaker>"}]  # "He said" around the mention "He"
    html = report.mark_up(text, [quote], mentions, speakers)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "A &lt;Speaker&gt;" in html and 'data-quote-id="q&quot;1"' in html
    dom = parse(f"<div>{html}</div>")
    assert dom.text(skip=("ent-label", "speaker-tag")) == text
    quote_text = "".join(m.text(skip=("ent-label",)) for m in dom.find_all("mark", "quote"))
    assert quote_text == text[start:end]
    assert [s.text() for s in dom.find_all("sup", "speaker-tag")] == ["A <Speaker>"]
    assert len(dom.find_all("span", "ent-label")) == 2
    speaker = dom.find_all("mark", "speaker-mention")
    assert len(speaker) == 1 and speaker[0].text(skip=("ent-label",)) == "He said"
    assert speaker[0].find_all("mark", "entity")[0].text(skip=("ent-label",)) == "He"
    assert html.count("<mark") == html.count("</mark>")


def test_hostile_article_in_the_browser(tmp_path):
    """Markup in an article's text and a javascript: URL stay text in the rendered page."""
    from pipeline.api import TABLE_SCHEMAS, analyse

    text = ('The minister, Jane Doe, spoke in Paris. "<img src=x onerror=alert(1)> We will <b>never</b> give up," '
            'Doe said on Tuesday.')
    frame = pd.DataFrame({"id": ["x/1:a#b"], "title": ["<i>Odd</i> & headline"], "url": ["javascript:alert(1)"],
                          "text": [text]})
    tables = analyse(frame)
    out = tmp_path / "outputs"
    for name, table in report.TABLES.items():
        (out / table).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pandas(tables[name], schema=TABLE_SCHEMAS[name], preserve_index=False),
                       out / f"{table}.parquet")
    report.build_report(out)
    page = out / "report" / "articles" / report.article_file("x/1:a#b")
    assert page.is_file() and "/" not in page.name[:-5].replace("-", "")
    whole = dump_dom(page, tmp_path)
    dom = whole.find_all("article")[0]
    assert len(whole.find_all("table", "quotes")[0].find_all("tr")) == len(tables["quotes"]) + 1
    assert not whole.find_all("img") and not whole.find_all("i")
    assert not dom.find_all("div", "body")[0].find_all("b")
    assert all(not a.attrs.get("href", "").startswith("javascript") for a in whole.find_all("a"))
    assert dom.find_all("div", "body")[0].text(skip=("ent-label", "speaker-tag")) == tables["documents"].loc[0, "text"]
    assert dom.find_all("h1")[0].text(skip=("ent-label", "speaker-tag")) == "<i>Odd</i> & headline"
    if len(tables["quotes"]):
        assert dom.find_all("mark", "quote")


def test_command_help_and_missing_tables(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    helped = subprocess.run([sys.executable, "-m", "pipeline.report", "--help"], capture_output=True, text=True, env=env)
    assert helped.returncode == 0 and "--out" in helped.stdout and "index.html" in helped.stdout
    failed = subprocess.run([sys.executable, "-m", "pipeline.report", "--out", str(tmp_path / "nothing")],
                            capture_output=True, text=True, env=env)
    assert failed.returncode == 2
    assert failed.stderr.startswith("error: ") and "is missing: run the pipeline first" in failed.stderr
    assert "Traceback" not in failed.stderr

"""Saved HTML pages: body and metadata through trafilatura and extruct, then the same cleaning."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest

from pipeline import io
from pipeline.clean import ArticleError, clean_html, document_row
from pipeline.records import RawArticle
from pipeline.stages.clean import run_clean

BODY = [
    ("Heavy rain has forced thousands of people to leave their homes in the north of England, officials said "
    "on Wednesday, as rivers burst their banks for the second time this winter."),
    ('"We have never seen anything like it," said the mayor, Ann Smith, who visited an evacuation centre in '
    "the town hall on Wednesday afternoon."),
    ("The Environment Agency issued more than 200 flood warnings, and said the water would keep rising until "
    "at least Thursday morning in the worst-hit valleys."),
    ('"People should not try to drive through flood water," a spokesman for the agency said. "It takes very '
    'little water to sweep a car away."'),
    ("The rain is expected to ease by the weekend, forecasters said, although more unsettled weather is likely "
    "next week across much of the country."),
]
RELATED = ["Storm season arrives early across Europe", "Insurers brace for record claims after winter storms"]
CAPTION = "Rescue workers wade through flood water in Leeds. Photo: AFP"


def page(*, head: str, byline: str = "By Jane Doe and Sam Lee") -> str:
    """A news page as a browser saves it: site header and menu, article with figure, advert and
    related links, footer; `head` holds the page's metadata."""
    paragraphs = [f"<p>{text}</p>" for text in BODY]
    paragraphs.insert(2, '<div class="ad">Advertisement</div>')
    paragraphs.insert(4, '<aside class="related"><h3>Related stories</h3><ul>'
                      + "".join(f'<li><a href="/{n}">{title}</a></li>' for n, title in enumerate(RELATED)) + "</ul></aside>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Floods force thousands from homes in the north | The Daily Example</title>
<style>body {{ font-family: serif; }} .ad {{ display: none; }}</style>
<script>window.dataLayer = window.dataLayer || []; function track() {{ return "tracking code"; }}</script>
{head}
</head><body>
<header class="site-header"><a class="logo" href="/">The Daily Example</a>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<div class="clock">Tuesday, 9 March 2021</div></header>
<main><article>
<h1>Floods force thousands from homes in the north</h1>
<p class="byline">{byline}</p>
<figure><img src="flood.jpg" alt="Flood water in Leeds"><figcaption>{CAPTION}</figcaption></figure>
{"".join(paragraphs)}
</article></main>
<footer><p>© 2021 The Daily Example. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
</body></html>"""


JSON_LD = """<script type="application/ld+json">{}</script>""".format(json.dumps({
    "@context": "https://schema.org", "@type": "NewsArticle",
    "headline": "Floods force thousands from homes in the north",
    "datePublished": "2021-03-03T14:05:00Z", "dateModified": "2021-03-04T09:30:00Z",
    "author": [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "Sam Lee"}],
    "publisher": {"@type": "Organization", "name": "The Daily Example"}, "articleSection": "World"}))

META_ONLY = """<meta property="og:title" content="Floods force thousands from homes in the north">
<meta property="og:site_name" content="The Daily Example">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2021-03-03">"""


def test_json_ld_page_gives_body_and_metadata_without_furniture():
    doc = clean_html(page(head=JSON_LD), url="https://www.daily-example.co.uk/news/floods")
    assert doc.headline == "Floods force thousands from homes in the north"
    assert doc.authors == ["Jane Doe", "Sam Lee"]
    assert doc.published == datetime(2021, 3, 3, 14, 5) and doc.updated == datetime(2021, 3, 4, 9, 30)
    assert doc.section == "World" and doc.publisher == "The Daily Example"
    assert doc.paragraphs == BODY
    for furniture in (CAPTION, "Advertisement", *RELATED, "tracking code", "font-family", "Home", "Privacy policy",
                      "Tuesday, 9 March 2021", "All rights reserved"):
        assert furniture not in doc.text


def test_page_with_meta_tags_only_keeps_a_date_only_day():
    doc = clean_html(page(head=META_ONLY, byline=""))
    assert doc.headline == "Floods force thousands from homes in the north"
    assert doc.authors == ["Jane Doe"]
    assert doc.published == datetime(2021, 3, 3)  # the page gives the day only: midnight, not the site clock
    assert doc.paragraphs == BODY


def test_page_without_article_body_is_rejected_with_its_file(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "story.html").write_text(page(head=JSON_LD), encoding="utf-8")
    (seeds / "menu.htm").write_text("<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a>"
                                    "<a href='/news'>News</a></nav></body></html>", encoding="utf-8")
    articles = [a for a in io.read_articles(seeds) if isinstance(a, RawArticle)]
    assert {a.source: a.html for a in articles} == {"menu.htm": True, "story.html": True}
    with pytest.raises(ArticleError, match="no article body"):
        document_row(next(a for a in articles if a.source == "menu.htm"), max_chars=100_000)
    commit = io.Commit(tmp_path / "out")
    summary = run_clean(seeds=seeds, out=tmp_path / "out", max_chars=100_000, commit=commit)
    commit.apply()
    assert summary.rejected == 1
    rejected = pd.read_parquet(tmp_path / "out/clean/rejected.parquet")
    assert rejected.to_dict("records") == [{"source": "menu.htm", "reason": "no article body found in the HTML page"}]
    documents = pd.read_parquet(tmp_path / "out/clean/documents.parquet")
    assert documents["authors"].iloc[0] == "Jane Doe; Sam Lee"
    assert documents["text"].iloc[0] == "\n\n".join(BODY)


def test_url_line_of_a_text_page_gives_url_and_publisher(tmp_path):
    (tmp_path / "a.txt").write_text("URL: https://www.example-news.com/world/floods\n\nFloods force thousands from homes\n\n"
                                    "Heavy rain has forced thousands of people to leave their homes.\n", encoding="utf-8")
    article = next(iter(io.read_articles(tmp_path)))
    row, removed = document_row(article, max_chars=10_000)
    assert row["url"] == "https://www.example-news.com/world/floods"
    assert row["publisher"] == "example-news.com"
    assert row["headline"] == "Floods force thousands from homes"
    assert row["text"] == "Heavy rain has forced thousands of people to leave their homes."
    assert {r["reason"] for r in removed} == {"url", "headline"}

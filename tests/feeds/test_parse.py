"""Parsing fixture feeds: formats, malformed input, hostile XML, plain-text output."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import FeedError
from bot.feeds.discover import find_feed_links
from bot.feeds.parse import html_to_text, parse_feed
from tests.feeds.conftest import FEEDS

RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}


def load(name: str, base: str = "http://127.0.0.1:1", secret: Path | None = None) -> bytes:
    data = (FEEDS / name).read_bytes().replace(b"{base}", base.encode())
    return data.replace(b"{secret_path}", str(secret or "/nonexistent").encode())


def test_rss20() -> None:
    feed = parse_feed(load("good.rss"), RSS, "https://news.example/feed")
    assert feed.kind == "rss20" and feed.title == "Good RSS" and feed.warning is None
    first, second, third = feed.entries
    assert first.guid == "news-example-1"
    assert first.title == "Nvidia shares fall after DeepSeek release"  # markup in titles is text
    assert first.published == datetime(2025, 1, 28, 7, 30, tzinfo=UTC)
    assert "600 billion dollars" in first.content and first.summary == "Short teaser about Nvidia."
    assert "alert" not in first.content and "<" not in first.content
    assert not second.content and "distillation" in second.summary
    assert "\n\n" in second.summary  # paragraphs kept apart
    assert third.guid is None and third.link == "https://news.example/export#comments"


def test_atom() -> None:
    feed = parse_feed(load("good.atom"), {"Content-Type": "application/atom+xml"}, "https://a/")
    assert feed.kind == "atom10"
    titles = [e.title for e in feed.entries]
    assert titles == ["R1 tops the App Store", "Silicon Valley reacts to R1"]
    assert "ChatGPT" in feed.entries[0].content
    assert "Sputnik moment" in feed.entries[1].content


def test_json_feed() -> None:
    feed = parse_feed(load("feed.json"), {"Content-Type": "application/feed+json"}, "https://j/")
    assert feed.kind == "json" and feed.title == "Good JSON Feed"
    one, two = feed.entries
    assert one.guid == "j1" and one.content.startswith("DeepSeek released R1")
    assert two.published == datetime(2025, 1, 28, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("name", "kind"), [("rss10.rdf", "rss10"), ("rss091.xml", "rss091")])
def test_older_rss_versions(name: str, kind: str) -> None:
    feed = parse_feed(load(name), {"Content-Type": "application/xml"}, "https://o/")
    assert feed.kind.startswith(kind) and len(feed.entries) == 1 and feed.entries[0].link


def test_truncated_xml_keeps_recovered_items() -> None:
    feed = parse_feed(load("truncated.xml"), RSS, "https://t/")
    assert feed.warning and "malformed" in feed.warning and "recovered" in feed.warning
    assert feed.entries[0].guid == "news-example-1"


def test_latin1_declared_as_utf8() -> None:
    feed = parse_feed(load("latin1_declared_utf8.xml"), RSS, "https://l/")
    assert feed.title == "Grüße RSS"
    assert feed.entries[2].title == "Exportkontrollen für Chips: Überprüfung"
    assert feed.warning and "encoding" in feed.warning


def test_entity_expansion_is_not_performed() -> None:
    feed = parse_feed(load("laughs.xml"), RSS, "https://b/")
    for entry in feed.entries:
        assert "lollol" not in entry.title + entry.summary
        assert len(entry.title) + len(entry.summary) < 1000


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-FILE")
    feed = parse_feed(load("xxe.xml", secret=secret), RSS, "https://x/")
    text = " ".join(e.title + e.summary for e in feed.entries)
    assert "TOP-SECRET" not in text


@pytest.mark.parametrize("ref", [b"&#99999999;", b"&#xD800;", b"&#0;"])
def test_invalid_character_references_recovered(ref: bytes) -> None:
    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>C</title><item>'
            b"<title>a " + ref + b" b</title><link>https://c/1</link></item></channel></rss>")
    feed = parse_feed(body, RSS, "https://c/")
    assert feed.entries[0].title.startswith("a ") and feed.entries[0].link == "https://c/1"


def test_empty_body_is_an_error() -> None:
    with pytest.raises(FeedError, match="empty body"):
        parse_feed(b"  \n", RSS, "https://e/")


def test_html_page_is_not_a_feed() -> None:
    feed = parse_feed(load("page_with_feed.html"), {"Content-Type": "text/html"}, "https://h/")
    assert not feed.is_feed and feed.looks_like_html


def test_discovery_prefers_rss_and_resolves_relative_links() -> None:
    links = find_feed_links(load("page_with_feed.html", base="https://h.example"),
                            "https://h.example/news/")
    assert links == ["https://h.example/good.rss", "https://h.example/good.atom"]
    assert find_feed_links(load("page_without_feed.html"), "https://h.example/") == []


def test_html_to_text_is_plain() -> None:
    text = html_to_text('<p>One &amp; two</p><script>x()</script><p>Three<br>four\u200b</p>')
    assert text == "One & two\n\nThree\nfour"

"""Identity keys and canonical URLs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.feeds.identity import canonical_url, entry_key


@pytest.mark.parametrize(("url", "canonical"), [
    ("HTTPS://News.Example:443/a?utm_source=rss&id=5#top", "https://news.example/a?id=5"),
    ("http://news.example:80", "http://news.example/"),
    ("http://news.example:8080/x?fbclid=1&gclid=2&mc_cid=3", "http://news.example:8080/x"),
    ("https://news.example/a?b=1&a=2", "https://news.example/a?b=1&a=2"),
    ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
    ("ftp://news.example/a", None),
    ("/relative/path", None),
    ("http://[::1", None),
])
def test_canonical_url(url: str, canonical: str | None) -> None:
    assert canonical_url(url) == canonical


def test_key_prefers_guid_then_link_then_title_and_date() -> None:
    when = datetime(2025, 1, 28, tzinfo=UTC)
    assert entry_key(3, guid="abc", link="https://x/a", title="T", published=when) == "guid:3:abc"
    assert entry_key(3, guid=None, link="https://X/a?utm_medium=rss#c", title="T",
                     published=when) == "url:https://x/a"
    a = entry_key(3, guid=None, link=None, title="Hello,  World!", published=when)
    b = entry_key(3, guid=None, link=None, title="hello world", published=when)
    c = entry_key(3, guid=None, link=None, title="hello world", published=None)
    assert a == b and a is not None and a.startswith("td:3:") and c != a
    assert entry_key(3, guid=None, link=None, title=" ", published=when) is None


def test_url_guid_is_shared_across_feeds_plain_guid_is_not() -> None:
    one = entry_key(1, guid="https://x/a?utm_source=one", link=None, title="T", published=None)
    two = entry_key(2, guid=None, link="https://x/a?utm_source=two", title="T", published=None)
    assert one == two == "url:https://x/a"
    assert entry_key(1, guid="42", link=None, title=None, published=None) != entry_key(
        2, guid="42", link=None, title=None, published=None)

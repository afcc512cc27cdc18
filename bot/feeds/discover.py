"""Feed discovery: a website URL given as a feed is resolved through its alternate links."""

from __future__ import annotations

import contextlib
from html.parser import HTMLParser
from urllib.parse import urljoin

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json",
              "application/json")


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (type, href)
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.done = True
        if tag != "link" or self.done:
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        href = values.get("href", "").strip()
        if "alternate" in rels and kind in FEED_TYPES and href:
            self.links.append((kind, href))


def find_feed_links(html: bytes, base_url: str) -> list[str]:
    """Absolute http(s) URLs of the page's feeds, RSS first, then Atom, then JSON Feed."""
    finder = _LinkFinder()
    with contextlib.suppress(AssertionError, ValueError):
        finder.feed(html[:1_000_000].decode("utf-8", errors="replace"))
    ordered = sorted(finder.links, key=lambda link: FEED_TYPES.index(link[0]))
    urls: list[str] = []
    for _, href in ordered:
        url = urljoin(base_url, href)
        if url.lower().startswith(("http://", "https://")) and url not in urls:
            urls.append(url)
    return urls

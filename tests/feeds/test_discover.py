"""Feed autodiscovery: a page's alternate link is fetched under the same address rule, checked on
the host as the URL library normalised it (issue 14, case 1)."""

from __future__ import annotations

import ipaddress

from bot.app import build_app
from bot.config import Config
from bot.feeds.discover import find_feed_links
from bot.feeds.fetch import HttpFetcher
from bot.feeds.poller import ingest_once
from tests.conftest import FixedClock
from tests.feeds.conftest import FeedServer, NoDNS, disguised_loopback, with_feeds

LOOPBACK = ipaddress.ip_address("127.0.0.1")


def page_naming(feed_url: str) -> bytes:
    return ('<!DOCTYPE html><html><head><title>Site</title>'
            f'<link rel="alternate" type="application/rss+xml" href="{feed_url}">'
            "</head><body><p>Welcome.</p></body></html>").encode()


async def test_alternate_link_to_disguised_loopback_not_fetched(
    server: FeedServer, target: FeedServer, config: Config, clock: FixedClock
) -> None:
    assert server.server is not None and target.server is not None
    spellings = disguised_loopback(target.server.port)
    for n, url in enumerate(spellings.values()):
        server.bodies[f"/site{n}.html"] = (page_naming(url + "good.rss"), "text/html")
    cfg = with_feeds(config, *(server.url(f"/site{n}.html") for n in range(len(spellings))),
                     allow_private_networks=False)
    fetcher = HttpFetcher(cfg.fetch, inner_resolver=NoDNS(),
                          trusted=[(LOOPBACK, server.server.port)])
    app = await build_app(cfg, clock=clock, fetcher=fetcher)
    try:
        results = await ingest_once(app)
    finally:
        await app.close()
    assert len(results) == len(spellings)
    for result in results:
        assert result.error is not None and "is not a public address" in result.error, result.line()
        assert "read as 127.0.0.1" in result.error
    assert target.requests == []


async def test_alternate_link_followed_when_private_networks_allowed(
    server: FeedServer, target: FeedServer, config: Config, clock: FixedClock
) -> None:
    assert target.server is not None
    (url,) = list(disguised_loopback(target.server.port).values())[-1:]
    server.bodies["/site.html"] = (page_naming(url + "good.rss"), "text/html")
    cfg = with_feeds(config, server.url("/site.html"), allow_private_networks=True)
    app = await build_app(cfg, clock=clock, fetcher=HttpFetcher(cfg.fetch, inner_resolver=NoDNS()))
    try:
        (result,) = await ingest_once(app)
    finally:
        await app.close()
    assert result.error is None and result.new == 3, result.line()
    assert target.hits("/good.rss") == 1


def test_find_feed_links_keeps_the_link_as_written() -> None:
    """Discovery only collects links; the fetcher decides (so one rule covers every way in)."""
    html = page_naming("http://１２７.０.０.１:9/feed.xml")
    assert find_feed_links(html, "http://127.0.0.1/") == ["http://１２７.０.０.１:9/feed.xml"]

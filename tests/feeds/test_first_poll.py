"""Issue 14, case 8: a 304 to a first, unconditional poll does not cost the no-flood rule."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.app import App, build_app
from bot.config import Config
from bot.feeds.fetch import HttpFetcher
from bot.feeds.poller import ingest_once
from tests.conftest import FixedClock
from tests.feeds.conftest import RSS, FeedServer, NoDNS, with_feeds


def _twenty() -> bytes:
    entries = "".join(
        f"<item><title>Story {n}</title><link>https://m.example/{n}</link>"
        f"<pubDate>Tue, 28 Jan 2025 {n % 24:02d}:00:00 GMT</pubDate>"
        f"<description>{f'Story {n} says the chip maker reported results. ' * 8}</description>"
        "</item>" for n in range(1, 21))
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>'
            + entries + "</channel></rss>").encode()


@pytest.fixture
async def app(server: FeedServer, config: Config, clock: FixedClock) -> AsyncIterator[App]:
    cfg = with_feeds(config, server.url("/cache.rss"))
    app = await build_app(cfg, clock=clock,
                          fetcher=HttpFetcher(cfg.fetch, inner_resolver=NoDNS()))
    yield app
    await app.close()


def _answers(server: FeedServer, not_modified: int) -> None:
    """The first ``not_modified`` requests get a 304 (a misbehaving cache), then the feed."""
    seen = {"n": 0}

    def handle(request: web.Request) -> web.Response:
        seen["n"] += 1
        if seen["n"] <= not_modified:
            return web.Response(status=304)
        return web.Response(body=_twenty(), headers={"Content-Type": RSS})

    server.overrides["/cache.rss"] = handle


async def test_a_304_on_the_first_poll_still_keeps_old_items_out_of_digests(
    app: App, server: FeedServer, clock: FixedClock
) -> None:
    _answers(server, not_modified=1)
    results = await ingest_once(app)
    clock.advance(minutes=30)
    results += await ingest_once(app)
    new = sum(r.new for r in results)
    held = sum(r.held_back for r in results)
    assert (new, new - held) == (20, 5)  # 5 of 20 enter digests, not 20 of 20
    assert len(await app.storage.items.window()) == 5


async def test_a_server_that_only_answers_304_is_an_error_not_a_success(
    app: App, server: FeedServer, clock: FixedClock
) -> None:
    _answers(server, not_modified=2)
    (first,) = await ingest_once(app)
    assert first.error is not None and "304" in first.error
    clock.advance(hours=3)
    (second,) = await ingest_once(app)  # the next answer is the feed: still a first poll
    assert (second.new, second.held_back) == (20, 15)


async def test_the_first_parse_is_remembered_in_the_database(
    app: App, server: FeedServer, config: Config, clock: FixedClock
) -> None:
    _answers(server, not_modified=0)
    (first,) = await ingest_once(app)
    assert (first.new, first.held_back) == (20, 15)
    source = await app.storage.sources.get_by_url(server.url("/cache.rss"))
    assert source is not None and source.first_parsed is not None

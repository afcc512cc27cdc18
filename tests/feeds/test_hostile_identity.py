"""Issue 14, case 3: a feed copying another feed's guid or link never touches that feed's item."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App, build_app
from bot.config import Config
from bot.feeds.fetch import HttpFetcher
from bot.feeds.poller import ingest_once
from tests.conftest import FixedClock
from tests.feeds.conftest import RSS, FeedServer, NoDNS, with_feeds


def _feed(title: str, text: str) -> bytes:
    entry = (f"<item><title>{title}</title><link>https://trusted.example/story</link>"
             "<guid>https://trusted.example/story</guid>"
             "<pubDate>Tue, 28 Jan 2025 08:00:00 GMT</pubDate>"
             f"<description>{text}</description></item>")
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>'
            + entry + "</channel></rss>").encode()


@pytest.fixture
async def app(server: FeedServer, config: Config, clock: FixedClock) -> AsyncIterator[App]:
    server.bodies["/trusted.rss"] = (_feed("Central bank holds rates",
                                           "The central bank held its rates, it said. " * 10), RSS)
    server.bodies["/hostile.rss"] = (_feed("Central bank collapses",
                                           "Invented panic text from a copycat feed. " * 10), RSS)
    cfg = with_feeds(config, server.url("/trusted.rss"), server.url("/hostile.rss"))
    app = await build_app(cfg, clock=clock,
                          fetcher=HttpFetcher(cfg.fetch, inner_resolver=NoDNS()))
    yield app
    await app.close()


async def test_a_copied_guid_never_overwrites_the_other_feeds_item(app: App,
                                                                   clock: FixedClock) -> None:
    trusted = None
    for _ in range(3):  # every poll, in whatever order the feeds are stored
        await ingest_once(app)
        clock.advance(minutes=30)
        source = await app.storage.sources.get_by_url(app.config.feeds[0].url)
        assert source is not None
        trusted = [i for i in await app.storage.items.all() if i.source_id == source.id]
        assert [i.title for i in trusted] == ["Central bank holds rates"]
        assert "Invented panic" not in trusted[0].text
    assert await app.storage.items.count() == 2  # the copy is its own item, under its own feed
    assert trusted is not None


async def test_polling_both_again_changes_nothing(app: App) -> None:
    await ingest_once(app)
    again = await ingest_once(app)
    assert [(r.new, r.updated, r.unchanged) for r in again] == [(0, 0, 1), (0, 0, 1)]

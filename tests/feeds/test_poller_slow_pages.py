"""Slow article pages never delay other feeds' polls (issue 14, case 7).

Before, a feed of teasers linking to pages that send one byte a second held ``poll_due`` (and so
the scheduler's only feed job) until every page gave up: a good feed at ``interval = 1`` waited
minutes. Now each feed poll is its own task and the good feed keeps its schedule.
"""

from __future__ import annotations

import dataclasses

from bot.app import build_app
from bot.config import Config, FeedConfig
from bot.feeds.fetch import HttpFetcher
from bot.feeds.poller import FeedPoller, FeedResult
from tests.conftest import FixedClock
from tests.feeds.conftest import RSS, FeedServer, NoDNS, teasers, with_feeds

ROUNDS = 120  # bounded wait for the good feed (each round waits at most 0.25 s): no timed assertion


async def _until(poller: FeedPoller, url: str) -> list[FeedResult]:
    """Call poll_due (as the scheduler would, again and again) until ``url``'s poll has finished."""
    seen: list[FeedResult] = []
    for _ in range(ROUNDS):
        seen += await poller.poll_due()
        if any(r.url == url for r in seen):
            return seen
    raise AssertionError(f"{url} was never polled")


async def test_good_feed_polled_on_time_beside_trickling_article_pages(
    server: FeedServer, config: Config, clock: FixedClock
) -> None:
    pages = [server.url(f"/trickle/{n}?pause=1") for n in range(16)]  # 1 byte/s each
    server.bodies["/slow.rss"] = (teasers(*pages, feed="slow"), RSS)
    good_url, slow_url = server.url("/good.rss"), server.url("/slow.rss")
    cfg = with_feeds(config, slow_url, read_timeout=30.0, timeout=60.0, full_text_timeout=60.0)
    cfg = dataclasses.replace(cfg, feeds=(FeedConfig(url=slow_url),
                                          FeedConfig(url=good_url, interval=1)))
    fetcher = HttpFetcher(cfg.fetch, inner_resolver=NoDNS())
    app = await build_app(cfg, clock=clock, fetcher=fetcher)
    poller = FeedPoller.from_app(app, fetcher)
    poller.wait_seconds = 0.25
    try:
        first = await _until(poller, good_url)
        assert [r.new for r in first if r.url == good_url] == [3]
        for minute in (2, 4):  # the good feed is due again; the slow feed is still being polled
            clock.advance(minutes=2)
            again = await _until(poller, good_url)
            assert [r.url for r in again] == [good_url], minute
            assert server.trickling, "the slow feed's pages are still being sent"
        assert server.hits("/good.rss") == 3
        assert server.hits("/slow.rss") == 1  # not started a second time while it runs
        assert all(r.url != slow_url for r in first)
    finally:
        await poller.close()
        await app.close()
    assert server.hits("/good.rss") == 3

"""A feed lease is renewed while its poll runs, so a feed slower than the lease is never fetched a
second time by another worker (``bot.feeds.leases.kept_leased``)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta

from aiohttp import web

from bot.app import build_app
from bot.config import Config
from bot.feeds.fetch import HttpFetcher
from bot.feeds.poller import FeedPoller
from tests.feeds.conftest import RSS, FeedServer, NoDNS, with_feeds

LEASE = timedelta(seconds=2)  # renewed every 0.67 s (stored to the second)
LOOKS = 2.5 * LEASE  # how long the second worker keeps looking: an unrenewed lease lapses by then
WAIT = 30.0  # seconds: bound of every wait


async def test_a_slow_poll_keeps_its_lease_and_a_second_worker_does_not_fetch_it(
    server: FeedServer, config: Config
) -> None:
    asked = asyncio.Event()
    finish = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        asked.set()
        await finish.wait()
        return web.Response(body=server.fixture("good.rss"), headers={"Content-Type": RSS})

    server.overrides["/slow.rss"] = slow
    cfg = with_feeds(config, server.url("/slow.rss"))
    fetcher = HttpFetcher(cfg.fetch, inner_resolver=NoDNS())
    app = await build_app(cfg, fetcher=fetcher)
    renewed: list[datetime] = []
    renew = app.storage.leases.renew

    async def counting(source_id: int, worker: str, *, until: datetime) -> bool:
        kept = await renew(source_id, worker, until=until)
        if kept:
            renewed.append(until)
        return kept

    app.storage.leases.renew = counting  # type: ignore[method-assign]
    first = FeedPoller(cfg, app.storage, app.ingest, app.clock, fetcher, worker="first",
                       lease=LEASE, wait_seconds=0.05)
    second = FeedPoller(cfg, app.storage, app.ingest, app.clock, fetcher, worker="second",
                        lease=LEASE, wait_seconds=0.05)
    try:
        assert await first.poll_due() == []  # started, still waiting for the slow server
        await asyncio.wait_for(asked.wait(), WAIT)
        loop = asyncio.get_running_loop()
        end = loop.time() + LOOKS.total_seconds()
        while loop.time() < end:  # the second worker's scheduler, looking again and again
            await second.poll_due()
            await asyncio.sleep(0.05)
        assert server.hits("/slow.rss") == 1
        assert len(renewed) >= 3
        finish.set()
        results: list[object] = []
        for _ in range(int(WAIT / 0.05)):
            results += await first.poll_due()
            if results:
                break
        assert len(results) == 1
    finally:
        finish.set()
        await first.close()
        await second.close()
        await app.close()
    assert server.hits("/slow.rss") == 1
    source = await _source(cfg, server)
    assert source.polled_by == "first"


async def _source(config: Config, server: FeedServer) -> object:
    app = await build_app(dataclasses.replace(config))
    try:
        row = await app.storage.sources.get_by_url(server.url("/slow.rss"))
    finally:
        await app.close()
    assert row is not None
    return row


async def test_a_worker_started_again_under_its_id_takes_back_its_leases_at_once(
    server: FeedServer, config: Config
) -> None:
    """A worker killed mid-poll leaves its leases; started again with the same
    ``BRIEFBOT_WORKER_ID`` it polls those feeds at its first look, not once the leases lapse."""
    cfg = with_feeds(config, server.url("/good.rss"))
    fetcher = HttpFetcher(cfg.fetch, inner_resolver=NoDNS())
    app = await build_app(cfg, fetcher=fetcher)
    now = app.clock.now()
    try:
        feed = cfg.feeds[0]
        await app.storage.sources.ensure("feed", feed.url, feed.name or feed.url, now)
        held = await app.storage.leases.claim_due("briefbot@1", now, until=now + timedelta(hours=1))
        assert len(held) == 1  # the dead life's lease, good for an hour
        other = FeedPoller(cfg, app.storage, app.ingest, app.clock, fetcher, worker="briefbot@2",
                           wait_seconds=5.0)
        assert await other.poll_due() == [] and server.hits("/good.rss") == 0  # not its lease
        again = FeedPoller(cfg, app.storage, app.ingest, app.clock, fetcher, worker="briefbot@1",
                           wait_seconds=5.0)
        results = await again.poll_due()
        assert [r.url for r in results] == [feed.url]
        assert server.hits("/good.rss") == 1
        await other.close()
        await again.close()
    finally:
        await app.close()

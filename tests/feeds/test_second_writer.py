"""Issue 14, case 11: another process holding the write lock postpones the feed job, one line."""

from __future__ import annotations

import logging

import pytest

from bot.app import build_app
from bot.config import Config
from bot.feeds.fetch import HttpFetcher
from bot.feeds.poller import FeedPoller
from bot.storage import Storage
from tests.conftest import FixedClock
from tests.fakes.sqlite_locker import Locker
from tests.feeds.conftest import FeedServer, NoDNS, with_feeds


async def test_a_locked_database_postpones_the_poll_to_its_next_run(
    server: FeedServer, config: Config, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = with_feeds(config, server.url("/good.rss"))
    storage = await Storage.open(cfg.storage.database, busy_timeout=0.3)
    app = await build_app(cfg, clock=clock, storage=storage,
                          fetcher=HttpFetcher(cfg.fetch, inner_resolver=NoDNS()))
    poller = FeedPoller.from_app(app, app.fetcher)  # type: ignore[arg-type]
    with Locker(cfg.storage.database), caplog.at_level(logging.WARNING):
        assert await poller.poll_due() == []
    lines = [r for r in caplog.records if r.name == "bot.feeds.poller"]
    assert len(lines) == 1 and "locked by another writer" in lines[0].getMessage()
    assert lines[0].exc_info is None  # one line, no traceback
    try:
        (result,) = await poller.poll_due()  # the next run: the lock is free
        assert result.new == 3, result.line()
    finally:
        await app.close()

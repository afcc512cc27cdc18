"""Issue 14, case 11: another process holding the write lock postpones the feed job, one line."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from bot.app import build_app
from bot.config import Config
from bot.feeds.fetch import HttpFetcher
from bot.feeds.poller import FeedPoller
from bot.storage import Storage
from tests.conftest import FixedClock
from tests.feeds.conftest import FeedServer, NoDNS, with_feeds

LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


async def test_a_locked_database_postpones_the_poll_to_its_next_run(
    server: FeedServer, config: Config, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = with_feeds(config, server.url("/good.rss"))
    storage = await Storage.open(cfg.storage.database, busy_timeout=0.3)
    app = await build_app(cfg, clock=clock, storage=storage,
                          fetcher=HttpFetcher(cfg.fetch, inner_resolver=NoDNS()))
    poller = FeedPoller.from_app(app, app.fetcher)  # type: ignore[arg-type]
    locker = subprocess.Popen(  # noqa: ASYNC220 - a second OS process is the point of the test
        [sys.executable, "-c", LOCKER, str(cfg.storage.database)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        with caplog.at_level(logging.WARNING):
            assert await poller.poll_due() == []
        lines = [r for r in caplog.records if r.name == "bot.feeds.poller"]
        assert len(lines) == 1 and "locked by another writer" in lines[0].getMessage()
        assert lines[0].exc_info is None  # one line, no traceback
    finally:
        assert locker.stdin is not None
        locker.stdin.write("\n")
        locker.stdin.flush()
        locker.wait(timeout=30)
    try:
        (result,) = await poller.poll_due()  # the next run: the lock is free
        assert result.new == 3, result.line()
    finally:
        await app.close()

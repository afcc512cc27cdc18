"""bot.run: what a started bot does in the background besides the adapters."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from bot.app import App
from bot.ingest import ENGINE_META, ENGINE_VERSION, RawArticle
from bot.run import REDERIVE_ROLE, RETENTION_EVERY, _rederive, _retention_loop, retention
from bot.storage.leader import role_lock
from tests.conftest import FixedClock


async def _as_an_older_engine_left_it(app: App) -> None:
    async with app.storage.db.transaction():
        await app.storage.prepared.set_meta(ENGINE_META, "0")


async def test_a_worker_leaves_the_rederivation_to_the_one_holding_its_role(
        seeded_app: App) -> None:
    await _as_an_older_engine_left_it(seeded_app)
    other = role_lock(seeded_app.storage.db, seeded_app.storage.leases, REDERIVE_ROLE,
                      "another-worker", lease=timedelta(minutes=5))
    assert await other.hold(seeded_app.clock.now())
    try:
        await _rederive(seeded_app)
        assert await seeded_app.ingest.stale(), "left to the other worker"
    finally:
        await other.release()


async def test_the_worker_that_rederives_lets_go_of_the_role_when_done(seeded_app: App) -> None:
    await _as_an_older_engine_left_it(seeded_app)
    await _rederive(seeded_app)
    assert await seeded_app.storage.prepared.meta(ENGINE_META) == ENGINE_VERSION
    other = role_lock(seeded_app.storage.db, seeded_app.storage.leases, REDERIVE_ROLE,
                      "another-worker", lease=timedelta(minutes=5))
    assert await other.hold(seeded_app.clock.now()), "the role is free again"
    await other.release()


async def _an_old_feed_item(app: App, clock: FixedClock) -> None:
    source = await app.storage.sources.ensure("feed", "http://127.0.0.1:9/feed", "x", clock.now())
    await app.ingest.ingest_article(source, RawArticle(
        key="old", title="Old", language="en",
        text="The council said the harbour bridge would reopen in May."))
    clock.advance(days=app.config.storage.keep_days + 1)


async def test_retention_deletes_old_feed_items_and_keeps_the_seed(seeded_app: App,
                                                                  clock: FixedClock) -> None:
    await _an_old_feed_item(seeded_app, clock)
    assert await seeded_app.storage.items.count() == 2
    assert await retention(seeded_app) == 1
    assert await seeded_app.storage.items.count() == 1, "the seed article stays"


async def test_a_running_bot_deletes_old_items_without_ingest_once(seeded_app: App,
                                                                  clock: FixedClock) -> None:
    """Before, only ``ingest --once`` applied ``keep_days``: a bot that only ran kept all."""
    await _an_old_feed_item(seeded_app, clock)
    a_round_ended = asyncio.Event()

    async def after_a_round(seconds: float) -> None:
        assert seconds == RETENTION_EVERY.total_seconds()
        a_round_ended.set()
        await asyncio.Event().wait()  # until cancelled

    task = asyncio.create_task(_retention_loop(seeded_app, sleep=after_a_round))
    try:
        async with asyncio.timeout(10):  # a guard against a hang, not a timing
            await a_round_ended.wait()
        assert await seeded_app.storage.items.count() == 1
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

"""bot.run: what a started bot does in the background besides the adapters."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.ingest import ENGINE_META, ENGINE_VERSION
from bot.run import REDERIVE_ROLE, _rederive
from bot.storage.leader import role_lock


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

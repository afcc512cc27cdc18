"""The gateway role lock on both backends: held by one process at a time, free again when the
holder lets go or dies (PostgreSQL: its session ends; SQLite: its lease expires)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage import Storage
from bot.storage.leader import AdvisoryLock, LeaseLock, RoleLock, role_lock

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


@pytest.fixture
async def second(database_target: Path | str, storage: Storage) -> AsyncIterator[Storage]:
    other = await Storage.open(database_target)
    try:
        yield other
    finally:
        await other.close()


def _lock(storage: Storage, owner: str) -> RoleLock:
    return role_lock(storage.db, storage.leases, "discord-gateway", owner, lease=LEASE)


async def test_one_holder_at_a_time_and_free_after_release(
    storage: Storage, second: Storage
) -> None:
    first, other = _lock(storage, "a"), _lock(second, "b")
    assert await first.hold(T0)
    assert not await other.hold(T0)
    assert await first.hold(T0 + timedelta(seconds=10))  # renewed / still ours
    assert not await other.hold(T0 + timedelta(seconds=10))
    await first.release()
    assert await other.hold(T0 + timedelta(seconds=11))
    assert not await first.hold(T0 + timedelta(seconds=12))
    await other.release()


async def test_a_dead_holder_frees_the_role(storage: Storage, second: Storage) -> None:
    first, other = _lock(storage, "a"), _lock(second, "b")
    assert await first.hold(T0)
    if isinstance(first, AdvisoryLock):
        assert first._conn is not None
        # the process died: the server ends its session, and the lock with it
        pid = first._conn.get_server_pid()
        await second.db.execute("SELECT pg_terminate_backend(?)", (pid,))
        for _ in range(100):  # the backend exits a moment after the signal: a bounded wait
            if await other.hold(T0):
                break
            await asyncio.sleep(0.05)
        assert await other.hold(T0)
        assert not await first.hold(T0)  # the old holder sees that it lost the lock
    else:
        assert isinstance(first, LeaseLock)
        assert not await other.hold(T0 + LEASE - timedelta(seconds=1))
        assert await other.hold(T0 + LEASE)  # the holder stopped renewing: its lease lapsed
        assert not await first.hold(T0 + LEASE)
    await other.release()

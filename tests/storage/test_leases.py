"""Feed leases, named leases and the races of several workers on one database, on both backends.

Two ``Storage`` objects on one database stand for two processes: each has its own connection(s),
so their statements really interleave (SQLite: two connections to one file; PostgreSQL: two pools).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage import Storage
from bot.storage.deliveries import SubscriptionRow
from bot.storage.items import NewItem

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


@pytest.fixture
async def second(database_target: Path | str, storage: Storage) -> AsyncIterator[Storage]:
    other = await Storage.open(database_target)  # after ``storage``: the schema is in place
    try:
        yield other
    finally:
        await other.close()


async def _feeds(storage: Storage, count: int) -> list[int]:
    rows = [await storage.sources.ensure("feed", f"http://127.0.0.1:9/{n}.rss", f"f{n}", T0)
            for n in range(count)]
    return [row.id for row in rows]


async def test_concurrent_claims_split_the_due_feeds(storage: Storage, second: Storage) -> None:
    ids = await _feeds(storage, 30)
    for _ in range(5):  # rounds of simultaneous claims; the first takes everything
        first, other = await asyncio.gather(
            storage.leases.claim_due("a", T0, until=T0 + LEASE),
            second.leases.claim_due("b", T0, until=T0 + LEASE))
        taken = [row.id for row in first] + [row.id for row in other]
        assert len(taken) == len(set(taken))  # never one feed to both
    owners = {row.id: row for row in await storage.sources.list("feed")}
    assert sorted(owners) == ids
    assert await storage.leases.held("a", T0) + await storage.leases.held("b", T0) == 30


async def test_a_lease_lapses_and_another_worker_takes_the_feed(
    storage: Storage, second: Storage
) -> None:
    await _feeds(storage, 3)
    assert len(await storage.leases.claim_due("dead", T0, until=T0 + LEASE)) == 3
    assert await second.leases.claim_due("b", T0 + timedelta(minutes=9), until=T0 + LEASE) == []
    later = T0 + LEASE
    taken = await second.leases.claim_due("b", later, until=later + LEASE)
    assert [row.id for row in taken] == [row.id for row in await storage.sources.list("feed")]
    assert not await storage.leases.release(taken[0].id, "dead")  # the dead one lost it
    assert await second.leases.release(taken[0].id, "b")
    assert (await storage.sources.list("feed"))[0].polled_by == "b"
    assert await storage.leases.held("b", later) == 2


async def test_a_polled_feed_is_not_due_again_before_its_next_poll(storage: Storage) -> None:
    [source_id] = await _feeds(storage, 1)
    assert len(await storage.leases.claim_due("a", T0, until=T0 + LEASE)) == 1
    await storage.sources.record_success(source_id, T0, etag=None, last_modified=None,
                                         next_poll=T0 + timedelta(minutes=1))
    assert await storage.leases.release(source_id, "a")
    assert await storage.leases.claim_due("b", T0, until=T0 + LEASE) == []
    due = T0 + timedelta(minutes=1)
    assert len(await storage.leases.claim_due("b", due, until=due + LEASE)) == 1


async def test_named_lease_is_a_compare_and_set(storage: Storage, second: Storage) -> None:
    results = await asyncio.gather(
        storage.leases.take("gateway", "a", T0, until=T0 + LEASE),
        second.leases.take("gateway", "b", T0, until=T0 + LEASE))
    assert sorted(results) == [False, True]
    winner = await storage.leases.holder("gateway", T0)
    loser = "b" if winner == "a" else "a"
    assert await storage.leases.take("gateway", winner or "", T0, until=T0 + 2 * LEASE)  # renew
    assert not await second.leases.take("gateway", loser, T0 + LEASE, until=T0 + 3 * LEASE)
    lapsed = T0 + 2 * LEASE
    assert await storage.leases.holder("gateway", lapsed) is None
    assert await second.leases.take("gateway", loser, lapsed, until=lapsed + LEASE)
    await second.leases.give_up("gateway", loser)
    assert await storage.leases.holder("gateway", lapsed) is None


async def test_two_workers_storing_one_item_make_one_row(storage: Storage, second: Storage) -> None:
    [source_id] = await _feeds(storage, 1)
    item = NewItem(key="guid-1", title="t", url=None, published=None, language="en", text="x",
                   content_hash="h1")
    results = await asyncio.gather(*(
        store.items.upsert(source_id, item, T0) for store in (storage, second, storage, second)))
    assert len({item_id for item_id, _ in results}) == 1
    assert [status for _, status in results].count("new") >= 1
    assert await storage.items.count() == 1


async def test_one_of_racing_workers_claims_a_slot_and_one_takes_over(
    storage: Storage, second: Storage
) -> None:
    await storage.deliveries.upsert_subscription(SubscriptionRow(
        id="sub", platform="console", channel="c", time="08:00", timezone="UTC", topic=None,
        quiet="line", origin="config", created_by=None, created_at=T0))
    claims = await asyncio.gather(*(
        store.deliveries.claim("sub", "2026-03-01", owner=name, now=T0, lease_expires=T0 + LEASE,
                               window_since=T0 - timedelta(days=1), window_until=T0)
        for store, name in ((storage, "a"), (second, "b"), (storage, "c"), (second, "d"))))
    assert claims.count(True) == 1
    lapsed = T0 + LEASE
    takeovers = await asyncio.gather(*(
        store.deliveries.take_over("sub", "2026-03-01", owner=name, now=lapsed,
                                   lease_expires=lapsed + LEASE)
        for store, name in ((storage, "e"), (second, "f"), (storage, "g"), (second, "h"))))
    assert takeovers.count(True) == 1
    row = await storage.deliveries.delivery("sub", "2026-03-01")
    assert row is not None and row.owner in "efgh"


async def test_a_feed_lease_is_renewed_by_its_owner_only(storage: Storage, second: Storage) -> None:
    [source] = await _feeds(storage, 1)
    assert len(await storage.leases.claim_due("a", T0, until=T0 + LEASE)) == 1
    assert not await second.leases.renew(source, "b", until=T0 + 2 * LEASE)
    assert await storage.leases.renew(source, "a", until=T0 + 2 * LEASE)
    # renewed: still held after the first lease would have lapsed
    assert await second.leases.claim_due("b", T0 + LEASE, until=T0 + 3 * LEASE) == []
    later = T0 + 2 * LEASE
    assert len(await second.leases.claim_due("b", later, until=later + LEASE)) == 1
    assert not await storage.leases.renew(source, "a", until=later + LEASE)  # lapsed, taken


async def test_take_once_is_true_once_per_name_until_it_expires(
    storage: Storage, second: Storage
) -> None:
    name, until = "slack-command:t1", T0 + LEASE
    results = await asyncio.gather(storage.leases.take_once(name, "a", T0, until=until),
                                   second.leases.take_once(name, "b", T0, until=until))
    assert sorted(results) == [False, True]
    assert not await storage.leases.take_once(name, "a", T0, until=until)  # the owner too
    assert not await second.leases.take_once(name, "b", T0, until=until)
    assert await storage.leases.take_once("slack-command:t2", "a", T0, until=until)
    # once expired, the rows of the kind are dropped: the name is new again
    assert await second.leases.take_once(name, "b", until, until=until + LEASE)
    assert await storage.leases.holder("slack-command:t2", until) is None

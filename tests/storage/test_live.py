"""The live queue and delivery log on both engines: what is queued, one claim per channel and key,
a message's keys claimed all or none, compare-and-set take-over, the hourly count."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.storage import Storage
from bot.storage.items import NewItem
from bot.storage.live import LivePostRow

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def row(key: str, batch: str, owner: str, item_id: int = 1) -> LivePostRow:
    return LivePostRow("discord", "C1", key, "live1", item_id, "Titel", False, batch, "claimed",
                       owner, T0 + timedelta(minutes=5), False, 0, None, None)


async def test_queue_only_after_the_first_parse_and_again_only_on_a_new_title(
        storage: Storage) -> None:
    source = await storage.sources.ensure("feed", "http://127.0.0.1:1/f", "f", T0)
    first, _ = await storage.items.upsert(
        source.id, NewItem("a", "Alt", None, None, "de", "x", "h1"), T0)
    assert await storage.live.queue([first], T0) == 0  # the first parse is not over
    await storage.sources.record_success(source.id, T0, etag=None, last_modified=None,
                                         next_poll=None)
    later = T0 + timedelta(minutes=15)
    second, _ = await storage.items.upsert(
        source.id, NewItem("b", "Neu", None, None, "de", "y", "h2"), later)
    assert await storage.live.queue([first, second], later) == 1  # the old one was not touched
    edited, _ = await storage.items.upsert(
        source.id, NewItem("b", "Neu", None, None, "de", "y edited", "h3"), later)
    assert await storage.live.queue([edited], later) == 0  # same title: not queued again
    retitled, _ = await storage.items.upsert(
        source.id, NewItem("b", "Neuer", None, None, "de", "y", "h4"), later)
    assert await storage.live.queue([retitled], later) == 1
    (queued,) = await storage.live.queued(stored_after=T0)
    assert (queued.item_id, queued.title) == (second, "Neuer")


async def test_one_claim_per_channel_and_key_and_take_over_after_the_lease(
        storage: Storage) -> None:
    live = storage.live
    assert await live.claim_batch([row("url:a", "b1", "p1")], now=T0)
    assert not await live.claim_batch([row("url:a", "b2", "p2")], now=T0)
    assert await live.stale_batches(T0) == []
    later = T0 + timedelta(minutes=6)
    assert await live.stale_batches(later) == ["b1"]
    assert await live.take_over("b1", owner="p2", now=later, lease_expires=later + timedelta(5))
    assert not await live.take_over("b1", owner="p3", now=later, lease_expires=later)
    assert not await live.start_attempt("b1", owner="p1", lease_expires=later)  # lost it
    assert await live.start_attempt("b1", owner="p2", lease_expires=later + timedelta(minutes=5))
    assert (await live.batch("b1"))[0].maybe_posted
    assert await live.messages_since("live1", T0) == 1  # under way counts
    assert await live.finish("b1", owner="p2", state="sent", now=later, message_id="m1")
    assert await live.messages_since("live1", later) == 1
    assert await live.messages_since("live1", later + timedelta(seconds=1)) == 0
    (posted,) = await live.posts("discord", "C1", ["url:a", "url:b"])
    assert (posted.state, posted.message_id) == ("sent", "m1")


async def test_a_message_is_claimed_whole_or_not_at_all(storage: Storage) -> None:
    live = storage.live
    assert await live.claim_batch([row("url:b", "b1", "p1", 2)], now=T0)
    # one of its keys is taken: none of the message is claimed, its other key stays free
    assert not await live.claim_batch([row("url:a", "b2", "p2", 1), row("url:b", "b2", "p2", 2),
                                       row("url:c", "b2", "p2", 3)], now=T0)
    assert await live.batch("b2") == []
    assert [r.batch for r in await live.posts("discord", "C1", ["url:a", "url:b", "url:c"])] \
        == ["b1"]
    assert await live.claim_batch([row("url:c", "b3", "p2", 3), row("url:a", "b3", "p2", 1)],
                                  now=T0)
    assert [r.post_key for r in await live.batch("b3")] == ["url:a", "url:c"]
    assert await live.messages_since("live1", T0) == 2


async def test_two_writers_of_overlapping_messages_one_wins_whole(
        database_target: Path | str) -> None:
    """Two connections (two processes) claim overlapping messages at the same moment, in
    opposite orders: one has all its keys, the other nothing, and neither waits forever."""
    first, second = await Storage.open(database_target), await Storage.open(database_target)
    try:
        results = await asyncio.gather(
            first.live.claim_batch([row(k, "x", "p1") for k in ("url:a", "url:b", "url:c")],
                                   now=T0),
            second.live.claim_batch([row(k, "y", "p2") for k in ("url:c", "url:b", "url:d")],
                                    now=T0))
        assert sorted(results) == [False, True]
        rows = await first.live.posts("discord", "C1", ["url:a", "url:b", "url:c", "url:d"])
        winner = "x" if results[0] else "y"
        assert {r.batch for r in rows} == {winner}
        assert len(rows) == 3
    finally:
        await first.close()
        await second.close()

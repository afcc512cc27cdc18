"""The live delivery log and queue: every SQL statement of live posts lives here.

Live posts use the digests' exactly-once machinery (``bot.storage.deliveries``) with a different
key: a row per (platform, channel, post key), inserted to claim it, so a channel sees an article
once whatever the number of processes, feeds and restarts. The rows of one message share a
``batch``; every write after the claim names the batch and its owner in its ``WHERE`` clause, so a
writer that lost its lease changes nothing and learns it from the row count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.storage._util import dt, ts
from bot.storage.engine import Engine, Row, chunks, placeholders

CLAIMED, SENT, FAILED = "claimed", "sent", "failed"


@dataclass(frozen=True)
class QueuedItem:
    """An item a poll stored (or retitled) after its feed's first successful parse."""

    item_id: int
    source_id: int
    title: str
    queued_at: datetime


@dataclass(frozen=True)
class LivePostRow:
    platform: str
    channel: str
    post_key: str
    subscription_id: str
    item_id: int
    title: str
    is_update: bool
    batch: str
    state: str
    owner: str | None
    lease_expires: datetime | None
    maybe_posted: bool
    attempts: int
    message_id: str | None
    last_error: str | None


class LiveStore:
    """:class:`~bot.storage.protocols.LiveStorage` on an engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    async def queue(self, item_ids: Sequence[int], now: datetime) -> int:
        """Queue the feed items among ``item_ids`` that this poll stored or changed (updated at
        or after ``now``) and whose feed had parsed once before; a retitle re-queues."""
        queued = 0
        for chunk in chunks(list(item_ids)):
            queued += await self.db.execute(
                "INSERT INTO live_queue (item_id, source_id, title, queued_at) "
                "SELECT items.id, items.source_id, items.title, ? FROM items "
                "JOIN sources ON sources.id = items.source_id "
                f"WHERE items.id IN ({placeholders(len(chunk))}) AND sources.kind = 'feed' "
                "AND sources.first_parsed IS NOT NULL AND items.updated_at >= ? "
                "ON CONFLICT (item_id) DO UPDATE SET title = excluded.title, "
                "queued_at = excluded.queued_at WHERE live_queue.title != excluded.title",
                (ts(now), *chunk, ts(now)),
            )
        return queued

    async def queued(self, *, stored_after: datetime) -> list[QueuedItem]:
        """Queued items first stored after ``stored_after``, oldest first."""
        rows = await self.db.fetch_all(
            "SELECT live_queue.* FROM live_queue JOIN items ON items.id = live_queue.item_id "
            "WHERE items.ingested_at > ? ORDER BY live_queue.queued_at, live_queue.item_id",
            (ts(stored_after),),
        )
        return [QueuedItem(int(r["item_id"]), int(r["source_id"]), r["title"],
                           _when(r["queued_at"])) for r in rows]

    async def posts(self, platform: str, channel: str, keys: Sequence[str]) -> list[LivePostRow]:
        """The log rows of these post keys in one channel."""
        out: list[LivePostRow] = []
        for chunk in chunks(list(keys)):
            rows = await self.db.fetch_all(
                "SELECT * FROM live_posts WHERE platform = ? AND channel = ? AND post_key IN "
                f"({placeholders(len(chunk))})", (platform, channel, *chunk))
            out += [_post(r) for r in rows]
        return out

    async def claim_batch(self, rows: Sequence[LivePostRow], *, now: datetime) -> bool:
        """Claim the post keys of one message together: all of them or none (one transaction).

        A message is never split, whatever happens between two claims: a crash (the transaction
        is rolled back) or another writer that took one of the keys (this batch is removed, and
        the caller's next look finds the keys it may still post). The keys are inserted in one
        order for every writer, so two writers of overlapping batches never deadlock.
        """
        assert len({row.batch for row in rows}) <= 1, "the rows of one message share a batch"
        async with self.db.transaction():
            for row in sorted(rows, key=lambda row: row.post_key):
                if await self.db.execute(
                    "INSERT INTO live_posts (platform, channel, post_key, subscription_id, "
                    "item_id, title, is_update, batch, state, owner, lease_expires, claimed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'claimed', ?, ?, ?) "
                    "ON CONFLICT (platform, channel, post_key) DO NOTHING",
                    (row.platform, row.channel, row.post_key, row.subscription_id, row.item_id,
                     row.title, int(row.is_update), row.batch, row.owner,
                     ts(row.lease_expires), ts(now)),
                ) != 1:
                    await self.db.execute("DELETE FROM live_posts WHERE batch = ?", (row.batch,))
                    return False
        return bool(rows)

    async def batch(self, batch: str) -> list[LivePostRow]:
        rows = await self.db.fetch_all(
            "SELECT * FROM live_posts WHERE batch = ? ORDER BY claimed_at, item_id", (batch,))
        return [_post(r) for r in rows]

    async def stale_batches(self, now: datetime) -> list[str]:
        """Batches still claimed whose lease has run out (a crash, a stall, a retry that is due)."""
        rows = await self.db.fetch_all(
            "SELECT DISTINCT batch FROM live_posts WHERE state = 'claimed' AND lease_expires <= ? "
            "ORDER BY batch", (ts(now),))
        return [r["batch"] for r in rows]

    async def take_over(self, batch: str, *, owner: str, now: datetime,
                        lease_expires: datetime) -> bool:
        """Take a batch whose lease has expired; compare-and-set over all its rows at once."""
        return await self.db.execute(
            "UPDATE live_posts SET owner = ?, lease_expires = ? WHERE batch = ? AND "
            "state = 'claimed' AND lease_expires <= ?",
            (owner, ts(lease_expires), batch, ts(now)),
        ) > 0

    async def start_attempt(self, batch: str, *, owner: str, lease_expires: datetime) -> bool:
        """Before a publish call: count it, mark the batch maybe posted, renew the lease."""
        return await self.db.execute(
            "UPDATE live_posts SET attempts = attempts + 1, maybe_posted = 1, lease_expires = ? "
            "WHERE batch = ? AND state = 'claimed' AND owner = ?",
            (ts(lease_expires), batch, owner),
        ) > 0

    async def release(self, batch: str, *, owner: str, retry_at: datetime, error: str,
                      not_posted: bool) -> bool:
        """Hand a batch back until ``retry_at`` (the next tick after it takes it over);
        ``not_posted``: the platform refused it (a 429), so no check is needed before retrying."""
        return await self.db.execute(
            "UPDATE live_posts SET lease_expires = ?, last_error = ?, maybe_posted = "
            "CASE WHEN ? = 1 THEN 0 ELSE maybe_posted END "
            "WHERE batch = ? AND state = 'claimed' AND owner = ?",
            (ts(retry_at), error, int(not_posted), batch, owner),
        ) > 0

    async def finish(self, batch: str, *, owner: str, state: str, now: datetime,
                     message_id: str | None = None, error: str | None = None) -> bool:
        assert state in (SENT, FAILED)
        return await self.db.execute(
            "UPDATE live_posts SET state = ?, message_id = ?, last_error = ?, finished_at = ?, "
            "lease_expires = NULL WHERE batch = ? AND state = 'claimed' AND owner = ?",
            (state, message_id, error, ts(now), batch, owner),
        ) > 0

    async def messages_since(self, subscription_id: str, since: datetime) -> int:
        """Messages of a subscription sent since ``since`` or under way (for max_posts_per_hour)."""
        row = await self.db.fetch_one(
            "SELECT COUNT(DISTINCT batch) AS n FROM live_posts WHERE subscription_id = ? AND "
            "(state = 'claimed' OR (state = 'sent' AND finished_at >= ?))",
            (subscription_id, ts(since)),
        )
        return int(row["n"]) if row is not None else 0

    async def prune(self, before: datetime) -> int:
        """Forget queue entries and finished log rows older than ``before``."""
        gone = await self.db.execute("DELETE FROM live_queue WHERE queued_at < ?", (ts(before),))
        return gone + await self.db.execute(
            "DELETE FROM live_posts WHERE state != 'claimed' AND finished_at < ?", (ts(before),))


def _when(text: str) -> datetime:
    moment = dt(text)
    assert moment is not None
    return moment


def _post(r: Row) -> LivePostRow:
    return LivePostRow(
        platform=r["platform"], channel=r["channel"], post_key=r["post_key"],
        subscription_id=r["subscription_id"], item_id=int(r["item_id"]), title=r["title"],
        is_update=bool(r["is_update"]), batch=r["batch"], state=r["state"], owner=r["owner"],
        lease_expires=dt(r["lease_expires"]), maybe_posted=bool(r["maybe_posted"]),
        attempts=int(r["attempts"]), message_id=r["message_id"], last_error=r["last_error"],
    )

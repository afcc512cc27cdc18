"""Subscriptions and the delivery log: every SQL statement of scheduled digests lives here.

The delivery log is what makes "exactly once" hold across processes and restarts: a slot
(subscription, local date) is claimed by inserting its row, and the primary key decides the
winner. Each write is one autocommit statement whose ``WHERE`` clause states what the writer believes
(owner, state, lease), so a writer that lost its lease changes nothing and learns it from the row
count.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.storage._util import dt, ts
from bot.storage.engine import Engine, Row

CLAIMED, SENT, SKIPPED, FAILED = "claimed", "sent", "skipped", "failed"


@dataclass(frozen=True)
class SubscriptionRow:
    id: str
    platform: str
    channel: str
    time: str  # "HH:MM", local to ``timezone``
    timezone: str
    topic: str | None
    quiet: str  # "skip" or "line"
    origin: str  # "config" or "command"
    created_by: str | None
    created_at: datetime  # also "active since": reset when a disabled subscription is re-enabled
    disabled_reason: str | None = None
    disabled_at: datetime | None = None
    mode: str = "digest"  # "digest" or "live" (migration 6)
    feeds: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    batch_minutes: int = 0
    max_posts_per_hour: int = 20
    thread: bool = False
    mention: str | None = None

    @property
    def enabled(self) -> bool:
        return self.disabled_reason is None


@dataclass(frozen=True)
class DeliveryRow:
    subscription_id: str
    slot: str  # the subscription's local date, YYYY-MM-DD
    state: str  # claimed, sent, skipped, failed
    owner: str | None
    lease_expires: datetime | None
    attempts: int  # publish calls started; > 0 means a post may exist on the platform
    message_id: str | None
    last_error: str | None
    window_since: datetime | None
    window_until: datetime | None
    claimed_at: datetime
    finished_at: datetime | None
    possible_duplicate: bool


class DeliveryStore:
    """:class:`~bot.storage.protocols.DeliveriesStorage` on an engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    async def _exec(self, sql: str, args: Sequence[object] = ()) -> int:
        return await self.db.execute(sql, args)

    async def _fetch(self, sql: str, args: Sequence[object] = ()) -> list[Row]:
        return await self.db.fetch_all(sql, args)

    # --- subscriptions ----------------------------------------------------------------------------

    async def subscriptions(
        self, *, platform: str | None = None, channel: str | None = None
    ) -> list[SubscriptionRow]:
        sql, args = "SELECT * FROM subscriptions WHERE 1 = 1", list[object]()
        if platform is not None:
            sql, args = sql + " AND platform = ?", [*args, platform]
        if channel is not None:
            sql, args = sql + " AND channel = ?", [*args, channel]
        rows = await self._fetch(sql + " ORDER BY platform, channel, time, id", args)
        return [_subscription(r) for r in rows]

    async def subscription(self, subscription_id: str) -> SubscriptionRow | None:
        rows = await self._fetch("SELECT * FROM subscriptions WHERE id = ?", (subscription_id,))
        return _subscription(rows[0]) if rows else None

    async def upsert_subscription(self, sub: SubscriptionRow) -> None:
        """Insert, or update the schedule of an existing id; re-enables it (a fresh start)."""
        await self._exec(
            "INSERT INTO subscriptions (id, platform, channel, time, timezone, topic, quiet, origin,"
            " created_by, created_at, mode, feeds, include_words, exclude_words, batch_minutes, "
            "max_posts_per_hour, thread, mention) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET platform = excluded.platform, "
            "channel = excluded.channel, time = excluded.time, timezone = excluded.timezone, "
            "topic = excluded.topic, quiet = excluded.quiet, origin = excluded.origin, "
            "created_by = COALESCE(excluded.created_by, subscriptions.created_by), "
            "created_at = CASE WHEN subscriptions.disabled_reason IS NULL "
            "THEN subscriptions.created_at ELSE excluded.created_at END, "
            "disabled_reason = NULL, disabled_at = NULL, mode = excluded.mode, "
            "feeds = excluded.feeds, include_words = excluded.include_words, "
            "exclude_words = excluded.exclude_words, batch_minutes = excluded.batch_minutes, "
            "max_posts_per_hour = excluded.max_posts_per_hour, thread = excluded.thread, "
            "mention = excluded.mention",
            (sub.id, sub.platform, sub.channel, sub.time, sub.timezone, sub.topic, sub.quiet,
             sub.origin, sub.created_by, ts(sub.created_at), sub.mode, json.dumps(sub.feeds),
             json.dumps(sub.include), json.dumps(sub.exclude), sub.batch_minutes,
             sub.max_posts_per_hour, int(sub.thread), sub.mention),
        )

    async def delete_subscription(self, subscription_id: str) -> bool:
        return await self._exec("DELETE FROM subscriptions WHERE id = ?", (subscription_id,)) > 0

    async def delete_config_subscriptions_except(self, keep: Iterable[str]) -> list[str]:
        """Remove config subscriptions no longer in the file; returns the removed ids."""
        keep = set(keep)
        rows = await self._fetch("SELECT id FROM subscriptions WHERE origin = 'config'")
        gone = [r["id"] for r in rows if r["id"] not in keep]
        for sub_id in gone:
            await self.delete_subscription(sub_id)
        return gone

    async def disable_subscription(self, subscription_id: str, reason: str, now: datetime) -> None:
        await self._exec(
            "UPDATE subscriptions SET disabled_reason = ?, disabled_at = ? WHERE id = ?",
            (reason, ts(now), subscription_id),
        )

    # --- the delivery log ---------------------------------------------------------------------------

    async def claim(
        self, subscription_id: str, slot: str, *, owner: str, now: datetime,
        lease_expires: datetime, window_since: datetime, window_until: datetime,
    ) -> bool:
        """Claim a slot; True only for the one caller whose row was inserted."""
        return await self._exec(
            "INSERT INTO deliveries (subscription_id, slot, state, owner, lease_expires, attempts, "
            "window_since, window_until, claimed_at) VALUES (?, ?, 'claimed', ?, ?, 0, ?, ?, ?) "
            "ON CONFLICT (subscription_id, slot) DO NOTHING",
            (subscription_id, slot, owner, ts(lease_expires), ts(window_since), ts(window_until),
             ts(now)),
        ) == 1

    async def take_over(
        self, subscription_id: str, slot: str, *, owner: str, now: datetime,
        lease_expires: datetime,
    ) -> bool:
        """Take a claim whose lease has expired (its owner died or stalled); compare-and-set."""
        return await self._exec(
            "UPDATE deliveries SET owner = ?, lease_expires = ? WHERE subscription_id = ? AND "
            "slot = ? AND state = 'claimed' AND lease_expires <= ?",
            (owner, ts(lease_expires), subscription_id, slot, ts(now)),
        ) == 1

    async def start_attempt(
        self, subscription_id: str, slot: str, *, owner: str, lease_expires: datetime
    ) -> bool:
        """Count a publish call before making it and renew the lease; False: the lease is lost."""
        return await self._exec(
            "UPDATE deliveries SET attempts = attempts + 1, lease_expires = ? WHERE "
            "subscription_id = ? AND slot = ? AND state = 'claimed' AND owner = ?",
            (ts(lease_expires), subscription_id, slot, owner),
        ) == 1

    async def renew(
        self, subscription_id: str, slot: str, *, owner: str, lease_expires: datetime,
        error: str | None = None,
    ) -> bool:
        """Move the lease (forward to keep it, or to now to hand it over at once)."""
        return await self._exec(
            "UPDATE deliveries SET lease_expires = ?, last_error = COALESCE(?, last_error) WHERE "
            "subscription_id = ? AND slot = ? AND state = 'claimed' AND owner = ?",
            (ts(lease_expires), error, subscription_id, slot, owner),
        ) == 1

    async def finish(
        self, subscription_id: str, slot: str, *, owner: str, state: str, now: datetime,
        message_id: str | None = None, error: str | None = None,
        possible_duplicate: bool = False,
    ) -> bool:
        """Close a claim as sent, skipped or failed."""
        assert state in (SENT, SKIPPED, FAILED)
        return await self._exec(
            "UPDATE deliveries SET state = ?, message_id = ?, last_error = ?, finished_at = ?, "
            "lease_expires = NULL, possible_duplicate = ? WHERE subscription_id = ? AND slot = ? "
            "AND state = 'claimed' AND owner = ?",
            (state, message_id, error, ts(now), int(possible_duplicate), subscription_id, slot,
             owner),
        ) == 1

    async def record_skipped(
        self, subscription_id: str, slot: str, *, reason: str, now: datetime
    ) -> bool:
        """Log a slot nobody will post (missed beyond the grace period); True if newly logged."""
        return await self._exec(
            "INSERT INTO deliveries (subscription_id, slot, state, attempts, last_error, claimed_at,"
            " finished_at) VALUES (?, ?, 'skipped', 0, ?, ?, ?) "
            "ON CONFLICT (subscription_id, slot) DO NOTHING",
            (subscription_id, slot, reason, ts(now), ts(now)),
        ) == 1

    async def delivery(self, subscription_id: str, slot: str) -> DeliveryRow | None:
        rows = await self._fetch(
            "SELECT * FROM deliveries WHERE subscription_id = ? AND slot = ?",
            (subscription_id, slot),
        )
        return _delivery(rows[0]) if rows else None

    async def deliveries(self, subscription_id: str, *, since_slot: str = "") -> list[DeliveryRow]:
        """The log of one subscription from ``since_slot`` on, oldest first."""
        rows = await self._fetch(
            "SELECT * FROM deliveries WHERE subscription_id = ? AND slot >= ? ORDER BY slot",
            (subscription_id, since_slot),
        )
        return [_delivery(r) for r in rows]

    async def last_delivery(self, subscription_id: str) -> DeliveryRow | None:
        rows = await self._fetch(
            "SELECT * FROM deliveries WHERE subscription_id = ? ORDER BY slot DESC LIMIT 1",
            (subscription_id,),
        )
        return _delivery(rows[0]) if rows else None

    async def prune(self, before_slot: str) -> int:
        """Forget log rows older than ``before_slot`` (finished ones only)."""
        return await self._exec(
            "DELETE FROM deliveries WHERE slot < ? AND state != 'claimed'", (before_slot,)
        )


def _subscription(r: Row) -> SubscriptionRow:
    created = dt(r["created_at"])
    assert created is not None
    return SubscriptionRow(
        id=r["id"], platform=r["platform"], channel=r["channel"], time=r["time"],
        timezone=r["timezone"], topic=r["topic"], quiet=r["quiet"], origin=r["origin"],
        created_by=r["created_by"], created_at=created, disabled_reason=r["disabled_reason"],
        disabled_at=dt(r["disabled_at"]), mode=r["mode"], feeds=_words(r["feeds"]),
        include=_words(r["include_words"]), exclude=_words(r["exclude_words"]),
        batch_minutes=int(r["batch_minutes"]), max_posts_per_hour=int(r["max_posts_per_hour"]),
        thread=bool(r["thread"]), mention=r["mention"],
    )


def _words(text: str) -> tuple[str, ...]:
    return tuple(str(word) for word in json.loads(text))


def _delivery(r: Row) -> DeliveryRow:
    claimed = dt(r["claimed_at"])
    assert claimed is not None
    return DeliveryRow(
        subscription_id=r["subscription_id"], slot=r["slot"], state=r["state"], owner=r["owner"],
        lease_expires=dt(r["lease_expires"]), attempts=int(r["attempts"]),
        message_id=r["message_id"], last_error=r["last_error"],
        window_since=dt(r["window_since"]), window_until=dt(r["window_until"]),
        claimed_at=claimed, finished_at=dt(r["finished_at"]),
        possible_duplicate=bool(r["possible_duplicate"]),
    )

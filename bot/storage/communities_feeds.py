"""Feeds per community: who follows which source under which name (migration 5, ``feed_owners``).

A source row is fetched once however many communities follow it; each community has its own row
here, with its own name for the feed. ``SHARED`` is the owner of feeds imported from OPML without
``--community``: every community sees them and any community's admin may remove them. Feeds of the
config file have no row here (the config owns them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.errors import StorageError
from bot.storage._util import dt, ts
from bot.storage.engine import Engine, Row
from bot.storage.sources import SourceRow, source_row

SHARED = "*"


@dataclass(frozen=True)
class OwnedFeed:
    """A source as one community follows it."""

    source: SourceRow
    community: str  # SHARED for an import everyone sees
    name: str
    added_by: str | None
    added_at: datetime

    @property
    def shared(self) -> bool:
        return self.community == SHARED


class FeedOwnersStorage(Protocol):
    """Every method may raise ``StorageError`` (``StorageBusy`` when the write lock stayed taken)."""

    async def add(self, community: str, source_id: int, name: str, added_by: str | None,
                  now: datetime) -> bool:
        """Let ``community`` follow the source as ``name``; returns False (and changes nothing)
        when it follows that source already.

        Raises:
            StorageError: the name is taken in this community (check ``find`` first), or the
                database failed.
        """
        ...

    async def find(self, community: str, name: str) -> OwnedFeed | None:
        """The feed the community (or the shared imports) follows as ``name``, case-insensitive;
        the community's own before a shared one."""
        ...

    async def of_source(self, community: str, source_id: int) -> OwnedFeed | None:
        """The community's own (or the shared) follow of the source, None when there is none."""
        ...

    async def visible(self, community: str) -> list[OwnedFeed]:
        """The community's feeds and the shared ones, by name."""
        ...

    async def count(self, community: str) -> int:
        """How many feeds the community itself follows (shared ones do not count)."""
        ...

    async def remove(self, community: str, source_id: int) -> bool:
        """Stop the community following the source; False when it did not. The source row and its
        items stay (other owners, the config or the items' history may need them)."""
        ...

    async def followed(self) -> list[OwnedFeed]:
        """Every follow of every community, by source id then community (export, polling)."""
        ...


_SELECT = ("SELECT s.*, o.community AS owner, o.name AS owner_name, o.added_by AS owner_added_by, "
           "o.added_at AS owner_added_at FROM feed_owners o JOIN sources s ON s.id = o.source_id ")


class FeedOwnerStore:
    """:class:`FeedOwnersStorage` on an engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    async def add(self, community: str, source_id: int, name: str, added_by: str | None,
                  now: datetime) -> bool:
        row = await self.db.fetch_one(
            "INSERT INTO feed_owners (source_id, community, name, added_by, added_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (community, source_id) DO NOTHING "
            "RETURNING source_id",
            (source_id, community, name, added_by, ts(now)),
        )
        return row is not None

    async def find(self, community: str, name: str) -> OwnedFeed | None:
        rows = await self.db.fetch_all(
            _SELECT + "WHERE o.community IN (?, ?) AND LOWER(o.name) = LOWER(?) "
            "ORDER BY CASE WHEN o.community = ? THEN 0 ELSE 1 END",
            (community, SHARED, name, community),
        )
        return _owned(rows[0]) if rows else None

    async def of_source(self, community: str, source_id: int) -> OwnedFeed | None:
        rows = await self.db.fetch_all(
            _SELECT + "WHERE o.community IN (?, ?) AND o.source_id = ? "
            "ORDER BY CASE WHEN o.community = ? THEN 0 ELSE 1 END",
            (community, SHARED, source_id, community),
        )
        return _owned(rows[0]) if rows else None

    async def visible(self, community: str) -> list[OwnedFeed]:
        rows = await self.db.fetch_all(
            _SELECT + "WHERE o.community IN (?, ?) ORDER BY LOWER(o.name), o.community",
            (community, SHARED),
        )
        return [_owned(r) for r in rows]

    async def count(self, community: str) -> int:
        row = await self.db.fetch_one(
            "SELECT COUNT(*) FROM feed_owners WHERE community = ?", (community,))
        return int(row[0]) if row else 0

    async def remove(self, community: str, source_id: int) -> bool:
        changed = await self.db.execute(
            "DELETE FROM feed_owners WHERE community = ? AND source_id = ?",
            (community, source_id),
        )
        return changed > 0

    async def followed(self) -> list[OwnedFeed]:
        rows = await self.db.fetch_all(_SELECT + "ORDER BY s.id, o.community")
        return [_owned(r) for r in rows]


def _owned(row: Row) -> OwnedFeed:
    added = dt(row["owner_added_at"])
    if added is None:
        raise StorageError("a feed_owners row without added_at")
    return OwnedFeed(source=source_row(row), community=row["owner"], name=row["owner_name"],
                     added_by=row["owner_added_by"], added_at=added)


class CommunitySubscriptionsStorage(Protocol):
    """Which community a chat subscription belongs to (``subscriptions.community``), for its limit.
    Every method may raise ``StorageError``."""

    async def tag(self, subscription_id: str, community: str) -> None:
        """Record that ``community`` made the subscription (nothing when there is no such id)."""
        ...

    async def count(self, community: str) -> int:
        """How many subscriptions made in chat belong to ``community``."""
        ...

    async def communities(self) -> dict[str, str]:
        """Subscription id -> the community that made it (chat subscriptions that have one)."""
        ...

    async def alert_slots(self) -> set[tuple[str, str]]:
        """(subscription id, slot) of every feed alert the delivery log records as sent
        (slots ``feed-down:…`` and ``feed-up:…``, see ``bot.delivery.feed_alerts``)."""
        ...


class CommunitySubscriptionStore:
    """:class:`CommunitySubscriptionsStorage` on an engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    async def tag(self, subscription_id: str, community: str) -> None:
        await self.db.execute("UPDATE subscriptions SET community = ? WHERE id = ?",
                              (community, subscription_id))

    async def count(self, community: str) -> int:
        row = await self.db.fetch_one(
            "SELECT COUNT(*) FROM subscriptions WHERE community = ? AND origin = 'command'",
            (community,))
        return int(row[0]) if row else 0

    async def communities(self) -> dict[str, str]:
        """Subscription id -> the community that made it (chat subscriptions that have one)."""
        rows = await self.db.fetch_all(
            "SELECT id, community FROM subscriptions WHERE community IS NOT NULL")
        return {r["id"]: r["community"] for r in rows}

    async def alert_slots(self) -> set[tuple[str, str]]:
        """(subscription id, slot) of every feed alert in the delivery log that was sent."""
        rows = await self.db.fetch_all(
            "SELECT subscription_id, slot FROM deliveries WHERE slot LIKE 'feed-%' "
            "AND state = 'sent'")
        return {(r["subscription_id"], r["slot"]) for r in rows}

"""Leases: which worker polls a feed now, and which one holds a named role (the gateway leader).

Several ``briefbot run`` processes share one database. A feed that is due is leased by exactly one
of them: one statement marks the due, unleased feeds as the caller's until ``lease_until`` and
returns them. On PostgreSQL the rows are picked with ``FOR UPDATE SKIP LOCKED`` (workers claiming at
the same moment take disjoint feeds instead of queueing on each other's row locks; a row updated
meanwhile is re-checked by READ COMMITTED before it is locked); on SQLite the statement runs inside
``BEGIN IMMEDIATE``, so claims are serialized by the write lock. A worker that dies keeps its
leases only until they lapse; then another worker takes the feed.

Named leases (``leases`` table) are a compare-and-set on one row: taken when free or expired,
renewed only by their owner.
"""

from __future__ import annotations

from datetime import datetime

from bot.storage._util import ts
from bot.storage.engine import Engine, pick
from bot.storage.sources import SourceRow, source_row

_DUE = ("SELECT id FROM sources WHERE kind = 'feed' AND (next_poll IS NULL OR next_poll <= ?) "
        "AND (lease_until IS NULL OR lease_until <= ?) ORDER BY id LIMIT ?")

CLAIM_DUE = {
    "sqlite": "UPDATE sources SET lease_owner = ?, lease_until = ? "
              f"WHERE id IN ({_DUE}) RETURNING *",
    "postgresql": "UPDATE sources SET lease_owner = ?, lease_until = ? "
                  f"WHERE id IN ({_DUE} FOR UPDATE SKIP LOCKED) "
                  "AND (lease_until IS NULL OR lease_until <= ?) RETURNING *",
}


class LeaseStore:
    """:class:`~bot.storage.protocols.LeasesStorage` on an engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    async def claim_due(
        self, worker: str, now: datetime, *, until: datetime, limit: int = 1000
    ) -> list[SourceRow]:
        sql = pick(self.db, CLAIM_DUE)
        args: tuple[object, ...] = (worker, ts(until), ts(now), ts(now), limit)
        if self.db.dialect == "postgresql":
            args = (*args, ts(now))
        async with self.db.transaction():
            rows = await self.db.fetch_all(sql, args)
        return sorted((source_row(r) for r in rows), key=lambda row: row.id)

    async def release(self, source_id: int, worker: str) -> bool:
        return await self.db.execute(
            "UPDATE sources SET lease_owner = NULL, lease_until = NULL, polled_by = ? "
            "WHERE id = ? AND lease_owner = ?",
            (worker, source_id, worker),
        ) == 1

    async def renew(self, source_id: int, worker: str, *, until: datetime) -> bool:
        return await self.db.execute(
            "UPDATE sources SET lease_until = ? WHERE id = ? AND lease_owner = ?",
            (ts(until), source_id, worker),
        ) == 1

    async def release_all(self, worker: str) -> int:
        return await self.db.execute(
            "UPDATE sources SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
            (worker,),
        )

    async def held(self, worker: str, now: datetime) -> int:
        row = await self.db.fetch_one(
            "SELECT COUNT(*) FROM sources WHERE lease_owner = ? AND lease_until > ?",
            (worker, ts(now)),
        )
        return int(row[0]) if row else 0

    async def take(self, name: str, owner: str, now: datetime, *, until: datetime) -> bool:
        return await self.db.execute(
            "INSERT INTO leases (name, owner, expires) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires = excluded.expires "
            "WHERE leases.owner = excluded.owner OR leases.expires <= ?",
            (name, owner, ts(until), ts(now)),
        ) == 1

    async def take_once(self, name: str, owner: str, now: datetime, *, until: datetime) -> bool:
        # the expired rows of the same kind (the part of the name before ":") go first, so that
        # one-off names such as a Slack command's do not pile up
        kind = name.split(":", 1)[0]
        async with self.db.transaction():
            await self.db.execute("DELETE FROM leases WHERE name LIKE ? AND expires <= ?",
                                  (f"{kind}:%", ts(now)))
            return await self.db.execute(
                "INSERT INTO leases (name, owner, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO NOTHING", (name, owner, ts(until))) == 1

    async def give_up(self, name: str, owner: str) -> None:
        await self.db.execute("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner))

    async def holder(self, name: str, now: datetime) -> str | None:
        row = await self.db.fetch_one(
            "SELECT owner FROM leases WHERE name = ? AND expires > ?", (name, ts(now)))
        return str(row[0]) if row else None

"""Sources: seed files and feeds, with their fetch state and health.

``last_error_at`` is when the current (or last) failure episode began: the first of the consecutive
failures, not the latest one. A failing feed is announced once per episode, and that time identifies
the episode without another column.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime

from bot.errors import StorageError
from bot.storage._util import dt, ts
from bot.storage.engine import Engine, Row


@dataclass(frozen=True)
class SourceRow:
    id: int
    kind: str
    url: str
    name: str
    created_at: datetime
    etag: str | None
    last_modified: str | None
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    next_poll: datetime | None
    polls: int
    warning: str | None
    first_parsed: datetime | None = None  # the first poll that parsed the feed (no-flood rule)
    polled_by: str | None = None  # the worker whose poll finished last (several workers)

    @property
    def failing_since(self) -> datetime | None:
        """Start of the current failure episode; None while the source is healthy."""
        return self.last_error_at if self.consecutive_failures else None


class SourceStore:
    """:class:`~bot.storage.protocols.SourcesStorage` on an engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    async def ensure(self, kind: str, url: str, name: str, now: datetime) -> SourceRow:
        row = await self.db.fetch_one(
            "INSERT INTO sources (kind, url, name, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (url) DO UPDATE SET name = excluded.name RETURNING *",
            (kind, url, name, ts(now)),
        )
        if row is None:
            raise StorageError(f"source {url} was not stored")
        return source_row(row)

    async def get_by_url(self, url: str) -> SourceRow | None:
        row = await self.db.fetch_one("SELECT * FROM sources WHERE url = ?", (url,))
        return source_row(row) if row else None

    async def list(self, kind: str | None = None) -> list[SourceRow]:
        sql = "SELECT * FROM sources"
        args: tuple[object, ...] = ()
        if kind:
            sql += " WHERE kind = ?"
            args = (kind,)
        return [source_row(r) for r in await self.db.fetch_all(sql + " ORDER BY id", args)]

    async def record_success(
        self,
        source_id: int,
        now: datetime,
        *,
        etag: str | None,
        last_modified: str | None,
        next_poll: datetime | None,
        warning: str | None = None,
        parsed: bool = True,
    ) -> None:
        """A poll that worked; ``parsed`` is False for a 304 (nothing was parsed), so that only
        a poll that parsed the feed counts as its first (``first_parsed``)."""
        await self.db.execute(
            "UPDATE sources SET last_success = ?, consecutive_failures = 0, etag = ?, "
            "last_modified = ?, next_poll = ?, polls = polls + 1, warning = ?, "
            "first_parsed = CASE WHEN ? = 1 THEN COALESCE(first_parsed, ?) ELSE first_parsed END "
            "WHERE id = ?",
            (ts(now), etag, last_modified, ts(next_poll), warning, int(parsed), ts(now),
             source_id),
        )

    async def record_failure(
        self, source_id: int, now: datetime, error: str, *, next_poll: datetime | None
    ) -> int:
        """Store the error; returns the new count of consecutive failures."""
        row = await self.db.fetch_one(
            "UPDATE sources SET last_error = ?, "
            "last_error_at = CASE WHEN consecutive_failures = 0 OR last_error_at IS NULL "
            "THEN ? ELSE last_error_at END, "
            "consecutive_failures = consecutive_failures + 1, next_poll = ?, polls = polls + 1 "
            "WHERE id = ? RETURNING consecutive_failures",
            (error, ts(now), ts(next_poll), source_id),
        )
        return int(row[0]) if row else 0

    async def due(self, now: datetime) -> builtins.list[SourceRow]:
        """Feeds whose next poll is due (or never scheduled)."""
        rows = await self.db.fetch_all(
            "SELECT * FROM sources WHERE kind = 'feed' AND (next_poll IS NULL OR next_poll <= ?) "
            "ORDER BY id",
            (ts(now),),
        )
        return [source_row(r) for r in rows]

    async def failing(self) -> builtins.list[SourceRow]:
        """Feeds whose last poll failed."""
        rows = await self.db.fetch_all(
            "SELECT * FROM sources WHERE kind = 'feed' AND consecutive_failures > 0 ORDER BY id"
        )
        return [source_row(r) for r in rows]


def source_row(m: Row) -> SourceRow:
    created = dt(m["created_at"])
    assert created is not None
    return SourceRow(
        id=m["id"],
        kind=m["kind"],
        url=m["url"],
        name=m["name"],
        created_at=created,
        etag=m["etag"],
        last_modified=m["last_modified"],
        last_success=dt(m["last_success"]),
        last_error=m["last_error"],
        last_error_at=dt(m["last_error_at"]),
        consecutive_failures=m["consecutive_failures"],
        next_poll=dt(m["next_poll"]),
        polls=m["polls"],
        warning=m["warning"],
        first_parsed=dt(m["first_parsed"]),
        polled_by=m["polled_by"],
    )


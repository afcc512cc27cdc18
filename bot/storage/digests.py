"""Prepared answers (migration 11): each digest and topic briefing a reader asked for, built at
ingest as data (codes and arguments, no words) so a command reads one row by its key.

Whether a row is still current is decided from the row and one index lookup (the newest item's
id): the row says which items it saw and until when nothing in it moves out of its window by
time alone (``valid_until``). PostgreSQL workers share the rows: any worker's ingest prepares them
again, any worker reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.storage.engine import Engine, Row


@dataclass(frozen=True)
class PreparedRow:
    """One prepared answer. Times are whole seconds since the epoch."""

    key: str  # kind, audience, topic and language in one string (``bot.answers.prepared``)
    kind: str  # "digest" | "briefing"
    params: str  # JSON: what to build it again from (sources, topic, language)
    body: str  # JSON: the answer's data
    made_with: str  # the configuration and code it was built with: another one is not read
    items_seen: int  # the newest item id when it was built
    prepared_at: int
    valid_until: int  # from then on the window it covers has moved: built again


class PreparedAnswersStorage(Protocol):
    """The prepared answers table.

    Raises:
        StorageError: as every store.
    """

    async def get(self, key: str) -> PreparedRow | None: ...

    async def put(self, row: PreparedRow) -> None: ...

    async def rows(self, made_with: str, limit: int) -> list[PreparedRow]:
        """The rows built with ``made_with``, most recently prepared first."""
        ...

    async def drop_other(self, made_with: str) -> None:
        """Forget rows built with another configuration or code (never read again)."""
        ...

    async def newest_item(self) -> int:
        """The highest item id (0 with no items): an index lookup."""
        ...

    async def expire_all(self) -> None:
        """Mark every row as not current (items changed without a new id: an update, a
        re-derivation, a prune): each is built again at its next read or ingest pass."""
        ...


class PreparedAnswerStore:
    """:class:`PreparedAnswersStorage` on an engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    async def get(self, key: str) -> PreparedRow | None:
        row = await self.db.fetch_one(f"SELECT {_COLUMNS} FROM prepared_answers WHERE key = ?",
                                      (key,))
        return _row(row) if row is not None else None

    async def put(self, row: PreparedRow) -> None:
        await self.db.execute(
            "INSERT INTO prepared_answers (key, kind, params, body, made_with, items_seen, "
            "prepared_at, valid_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO "
            "UPDATE SET kind = excluded.kind, params = excluded.params, body = excluded.body, "
            "made_with = excluded.made_with, items_seen = excluded.items_seen, "
            "prepared_at = excluded.prepared_at, valid_until = excluded.valid_until",
            (row.key, row.kind, row.params, row.body, row.made_with, row.items_seen,
             row.prepared_at, row.valid_until))

    async def rows(self, made_with: str, limit: int) -> list[PreparedRow]:
        found = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM prepared_answers WHERE made_with = ? "
            "ORDER BY prepared_at DESC, key LIMIT ?", (made_with, limit))
        return [_row(r) for r in found]

    async def drop_other(self, made_with: str) -> None:
        await self.db.execute("DELETE FROM prepared_answers WHERE made_with <> ?", (made_with,))

    async def expire_all(self) -> None:
        await self.db.execute("UPDATE prepared_answers SET items_seen = -1")

    async def newest_item(self) -> int:
        row = await self.db.fetch_one("SELECT MAX(id) FROM items")
        return int(row[0]) if row is not None and row[0] is not None else 0


_COLUMNS = "key, kind, params, body, made_with, items_seen, prepared_at, valid_until"


def _row(row: Row) -> PreparedRow:
    return PreparedRow(str(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]),
                       int(str(row[5])), int(str(row[6])), int(str(row[7])))

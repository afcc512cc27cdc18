"""Data derived at ingest so that commands only read: item topics, story keys, fingerprints.

Each derived table is rebuilt when the fingerprint stored in ``meta`` differs from the one the
running code and configuration give (topics changed in the config, a new keying scheme), so a
stale table is never read as current.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from bot.storage.engine import Engine, chunks, pick, placeholders

_UNPREPARED = {
    # the ingest-time index covers the ids: no item texts are read
    "sqlite": "SELECT id FROM items INDEXED BY items_ingested "
              "WHERE id NOT IN (SELECT item_id FROM item_features) ORDER BY id",
    "postgresql": "SELECT id FROM items "
                  "WHERE id NOT IN (SELECT item_id FROM item_features) ORDER BY id",
}


class PreparedStore:
    """:class:`~bot.storage.protocols.PreparedStorage` and ``MetaStorage`` on an engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    # --- meta -------------------------------------------------------------------------------------

    async def meta(self, key: str) -> str | None:
        row = await self.db.fetch_one("SELECT value FROM meta WHERE key = ?", (key,))
        return str(row[0]) if row else None

    async def set_meta(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    # --- item topics ------------------------------------------------------------------------------

    async def set_item_topics(self, item_id: int, scores: Mapping[str, int]) -> None:
        async with self.db.transaction():
            await self.db.execute("DELETE FROM item_topics WHERE item_id = ?", (item_id,))
            await self.db.execute_many(
                "INSERT INTO item_topics (item_id, topic, score) VALUES (?, ?, ?)",
                [(item_id, name, int(score)) for name, score in scores.items() if score > 0])

    async def clear_item_topics(self) -> None:
        await self.db.execute("DELETE FROM item_topics")

    async def item_topics(self) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {}
        for row in await self.db.fetch_all("SELECT item_id, topic, score FROM item_topics"):
            out.setdefault(int(row[0]), {})[str(row[1])] = int(row[2])
        return out

    async def topic_scores(self, topic: str, item_ids: Sequence[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        for chunk in chunks(item_ids):
            rows = await self.db.fetch_all(
                "SELECT item_id, score FROM item_topics "
                f"WHERE topic = ? AND item_id IN ({placeholders(len(chunk))})",
                (topic, *chunk),
            )
            out.update((int(r[0]), int(r[1])) for r in rows)
        return out

    # --- story keys -------------------------------------------------------------------------------

    async def set_item_keys(self, item_id: int, keys: Iterable[str]) -> None:
        await self.db.execute(
            "INSERT INTO item_features (item_id, keys) VALUES (?, ?) "
            "ON CONFLICT (item_id) DO UPDATE SET keys = excluded.keys",
            (item_id, json.dumps(sorted(keys), ensure_ascii=False)))

    async def clear_item_keys(self) -> None:
        await self.db.execute("DELETE FROM item_features")

    async def item_keys(self, item_ids: Sequence[int]) -> dict[int, frozenset[str]]:
        out: dict[int, frozenset[str]] = {}
        for chunk in chunks(item_ids):
            rows = await self.db.fetch_all(
                f"SELECT item_id, keys FROM item_features WHERE item_id IN "
                f"({placeholders(len(chunk))})", chunk)
            for row in rows:
                out[int(row[0])] = frozenset(json.loads(row[1]))
        return out

    async def unprepared_items(self) -> list[int]:
        return [int(r[0]) for r in await self.db.fetch_all(pick(self.db, _UNPREPARED))]

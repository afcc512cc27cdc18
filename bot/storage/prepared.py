"""Data derived at ingest so that commands only read: item topics, story keys, fingerprints.

Each derived table is rebuilt when the fingerprint stored in ``meta`` differs from the one the
running code and configuration give (topics changed in the config, a new keying scheme), so a
stale table is never read as current.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from bot.storage.db import Database


class PreparedStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- meta -------------------------------------------------------------------------------------

    async def meta(self, key: str) -> str | None:
        async with self.db.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else None

    async def set_meta(self, key: str, value: str) -> None:
        await self.db.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    # --- item topics ------------------------------------------------------------------------------

    async def set_item_topics(self, item_id: int, scores: Mapping[str, int]) -> None:
        conn = self.db.conn
        await conn.execute("DELETE FROM item_topics WHERE item_id = ?", (item_id,))
        if scores:
            await conn.executemany(
                "INSERT INTO item_topics (item_id, topic, score) VALUES (?, ?, ?)",
                [(item_id, name, int(score)) for name, score in scores.items() if score > 0])

    async def clear_item_topics(self) -> None:
        await self.db.conn.execute("DELETE FROM item_topics")

    async def item_topics(self) -> dict[int, dict[str, int]]:
        """item id -> {topic: score} of every item matching a topic."""
        out: dict[int, dict[str, int]] = {}
        async with self.db.conn.execute("SELECT item_id, topic, score FROM item_topics") as cur:
            for row in await cur.fetchall():
                out.setdefault(int(row[0]), {})[str(row[1])] = int(row[2])
        return out

    async def topic_scores(self, topic: str, item_ids: Sequence[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        for start in range(0, len(item_ids), 500):
            chunk = list(item_ids[start:start + 500])
            marks = ",".join("?" for _ in chunk)
            async with self.db.conn.execute(
                f"SELECT item_id, score FROM item_topics WHERE topic = ? AND item_id IN ({marks})",
                (topic, *chunk),
            ) as cur:
                out.update((int(r[0]), int(r[1])) for r in await cur.fetchall())
        return out

    # --- story keys -------------------------------------------------------------------------------

    async def set_item_keys(self, item_id: int, keys: Iterable[str]) -> None:
        await self.db.conn.execute(
            "INSERT INTO item_features (item_id, keys) VALUES (?, ?) "
            "ON CONFLICT(item_id) DO UPDATE SET keys = excluded.keys",
            (item_id, json.dumps(sorted(keys), ensure_ascii=False)))

    async def clear_item_keys(self) -> None:
        await self.db.conn.execute("DELETE FROM item_features")

    async def item_keys(self, item_ids: Sequence[int]) -> dict[int, frozenset[str]]:
        out: dict[int, frozenset[str]] = {}
        for start in range(0, len(item_ids), 500):
            chunk = list(item_ids[start:start + 500])
            marks = ",".join("?" for _ in chunk)
            async with self.db.conn.execute(
                f"SELECT item_id, keys FROM item_features WHERE item_id IN ({marks})", chunk
            ) as cur:
                for row in await cur.fetchall():
                    out[int(row[0])] = frozenset(json.loads(row[1]))
        return out

    async def unprepared_items(self) -> list[int]:
        """Items ingested without their derived rows (another ingest path, or before migration 2)."""
        async with self.db.conn.execute(
            # the ingest-time index covers the ids: no item texts are read
            "SELECT id FROM items INDEXED BY items_ingested "
            "WHERE id NOT IN (SELECT item_id FROM item_features) ORDER BY id"
        ) as cur:
            return [int(r[0]) for r in await cur.fetchall()]

"""Items: the stored articles with what ingest computed for them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.model import Analysis, Figure, Item
from bot.storage._util import dt, ts
from bot.storage.db import Database

UpsertStatus = Literal["new", "updated", "unchanged"]


@dataclass(frozen=True)
class NewItem:
    """What ingest hands to storage for one article."""

    key: str
    title: str
    url: str | None
    published: datetime | None
    language: str
    text: str
    content_hash: str
    bullets: tuple[str, ...] = ()
    sentences: tuple[tuple[int, int], ...] = ()
    figures: tuple[Figure, ...] = ()
    teaser: str | None = None
    digest_eligible: bool = True


class ItemStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def find(self, key: str) -> tuple[int, str] | None:
        """(id, content_hash) of the item with this identity key, if stored."""
        async with self.db.conn.execute(
            "SELECT id, content_hash FROM items WHERE key = ?", (key,)
        ) as cur:
            row = await cur.fetchone()
        return (int(row[0]), str(row[1])) if row else None

    async def feed_states(self, keys: list[str]) -> dict[str, tuple[int, str, str, str | None]]:
        """key -> (id, content_hash, title, teaser) of the stored items among ``keys``, in one query
        per 500 keys: feed polling skips unchanged entries (and their article pages) with it."""
        found: dict[str, tuple[int, str, str, str | None]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            async with self.db.conn.execute(
                f"SELECT key, id, content_hash, title, teaser FROM items WHERE key IN ({marks})",
                chunk,
            ) as cur:
                for row in await cur.fetchall():
                    found[str(row[0])] = (int(row[1]), str(row[2]), str(row[3]), row[4])
        return found

    async def upsert(self, source_id: int, item: NewItem, now: datetime) -> tuple[int, UpsertStatus]:
        """Insert a new item, or update a stored one whose content hash changed.

        An update keeps the item's id, its ``ingested_at`` and its digest eligibility, so an updated
        item never enters a digest twice.
        """
        found = await self.find(item.key)
        payload = (
            item.title,
            item.url,
            ts(item.published),
            item.language,
            item.text,
            item.teaser,
            item.content_hash,
            json.dumps(list(item.bullets), ensure_ascii=False),
            json.dumps([list(s) for s in item.sentences]),
            json.dumps([f.__dict__ for f in item.figures], ensure_ascii=False),
        )
        if found is None:
            async with self.db.conn.execute(
                "INSERT INTO items (title, url, published, language, text, teaser, content_hash, "
                "bullets, sentences, figures, source_id, key, ingested_at, updated_at, "
                "digest_eligible) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*payload, source_id, item.key, ts(now), ts(now), int(item.digest_eligible)),
            ) as cur:
                item_id = cur.lastrowid
            assert item_id is not None
            return item_id, "new"
        item_id, old_hash = found
        if old_hash == item.content_hash:
            return item_id, "unchanged"
        await self.db.conn.execute(
            "UPDATE items SET title = ?, url = ?, published = ?, language = ?, text = ?, "
            "teaser = ?, content_hash = ?, bullets = ?, sentences = ?, figures = ?, "
            "updated_at = ? WHERE id = ?",
            (*payload, ts(now), item_id),
        )
        return item_id, "updated"

    async def get(self, item_id: int) -> Item | None:
        async with self.db.conn.execute("SELECT * FROM items WHERE id = ?", (item_id,)) as cur:
            row = await cur.fetchone()
        return _item(row) if row else None

    async def window(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        eligible_only: bool = True,
        limit: int | None = None,
    ) -> list[Item]:
        """Items ingested in [since, until), newest first."""
        clauses, args = [], []
        if since is not None:
            clauses.append("ingested_at >= ?")
            args.append(ts(since))
        if until is not None:
            clauses.append("ingested_at < ?")
            args.append(ts(until))
        if eligible_only:
            clauses.append("digest_eligible = 1")
        sql = "SELECT * FROM items"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY ingested_at DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        async with self.db.conn.execute(sql, args) as cur:
            rows = await cur.fetchall()
        return [_item(r) for r in rows]

    async def published_window(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[Item]:
        """Items by publication time (ingest time where unknown), for ``--since`` queries that must
        also see items kept out of digests."""
        clauses, args = [], []
        if since is not None:
            clauses.append("COALESCE(published, ingested_at) >= ?")
            args.append(ts(since))
        if until is not None:
            clauses.append("COALESCE(published, ingested_at) < ?")
            args.append(ts(until))
        sql = "SELECT * FROM items"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY COALESCE(published, ingested_at) DESC, id DESC"
        async with self.db.conn.execute(sql, args) as cur:
            rows = await cur.fetchall()
        return [_item(r) for r in rows]

    async def all(self) -> list[Item]:
        return await self.window(eligible_only=False)

    async def replace_analysis(self, item_id: int, analysis: Analysis) -> None:
        """What a newer engine derived from the item's unchanged text (``bot.ingest``)."""
        await self.db.conn.execute(
            "UPDATE items SET language = ?, bullets = ?, sentences = ?, figures = ? WHERE id = ?",
            (analysis.language, json.dumps(list(analysis.bullets), ensure_ascii=False),
             json.dumps([[s.start, s.end] for s in analysis.sentences]),
             json.dumps([f.__dict__ for f in analysis.figures], ensure_ascii=False), item_id),
        )

    async def count(self) -> int:
        async with self.db.conn.execute("SELECT COUNT(*) FROM items") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def figures(self, item_id: int) -> list[Figure]:
        async with self.db.conn.execute("SELECT figures FROM items WHERE id = ?", (item_id,)) as cur:
            row = await cur.fetchone()
        return [Figure(**f) for f in json.loads(row[0])] if row else []

    async def figures_many(self, item_ids: list[int]) -> dict[int, list[Figure]]:
        """``figures`` of many items in one query per 500 ids."""
        out: dict[int, list[Figure]] = {i: [] for i in item_ids}
        for start in range(0, len(item_ids), 500):
            chunk = item_ids[start:start + 500]
            marks = ",".join("?" for _ in chunk)
            async with self.db.conn.execute(
                f"SELECT id, figures FROM items WHERE id IN ({marks})", chunk
            ) as cur:
                for row in await cur.fetchall():
                    out[int(row[0])] = [Figure(**f) for f in json.loads(row[1])]
        return out

    async def by_ids(self, item_ids: list[int]) -> list[Item]:
        out: list[Item] = []
        for start in range(0, len(item_ids), 500):
            chunk = item_ids[start:start + 500]
            marks = ",".join("?" for _ in chunk)
            async with self.db.conn.execute(
                f"SELECT * FROM items WHERE id IN ({marks}) ORDER BY id", chunk
            ) as cur:
                out.extend(_item(r) for r in await cur.fetchall())
        return out

    async def on_topic(
        self, topic: str, *, by: Literal["ingested", "published"] = "ingested",
        limit: int | None = None,
    ) -> list[tuple[Item, int]]:
        """(item, relevance score) of the items stored as matching ``topic`` (``item_topics``),
        newest first: by ingest time like ``all()``, or by publication time (ingest time where
        unknown); ties by id."""
        when = ("items.ingested_at" if by == "ingested"
                else "COALESCE(items.published, items.ingested_at)")
        sql = ("SELECT items.*, t.score AS topic_score FROM item_topics t "
               "JOIN items ON items.id = t.item_id WHERE t.topic = ? "
               f"ORDER BY {when} DESC, items.id DESC")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        async with self.db.conn.execute(sql, (topic,)) as cur:
            rows = await cur.fetchall()
        return [(_item(r), int(r["topic_score"])) for r in rows]

    async def prune(self, older_than: datetime) -> int:
        """Delete items ingested before ``older_than`` (and, by cascade, their mentions)."""
        async with self.db.conn.execute(
            "DELETE FROM items WHERE ingested_at < ? AND source_id IN "
            "(SELECT id FROM sources WHERE kind = 'feed')",
            (ts(older_than),),
        ) as cur:
            n = cur.rowcount
        await self.db.conn.execute(
            "DELETE FROM claims WHERE id NOT IN (SELECT claim_id FROM claim_mentions)"
        )
        return n


def _item(r: object) -> Item:
    m = dict(r)  # type: ignore[call-overload]
    return Item(
        id=m["id"],
        source_id=m["source_id"],
        key=m["key"],
        title=m["title"],
        url=m["url"],
        published=dt(m["published"]),
        ingested_at=dt(m["ingested_at"]),  # type: ignore[arg-type]
        language=m["language"],
        text=m["text"],
        content_hash=m["content_hash"],
        bullets=tuple(json.loads(m["bullets"])),
        digest_eligible=bool(m["digest_eligible"]),
    )

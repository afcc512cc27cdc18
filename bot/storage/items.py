"""Items: the stored articles with what ingest computed for them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.errors import StorageError
from bot.model import Analysis, Figure, Item
from bot.storage._util import dt, ts
from bot.storage.engine import Engine, Row, chunks, placeholders
from bot.storage.stories import StoryStore

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
    """:class:`~bot.storage.protocols.ItemsStorage` on an engine. An item's identity is its
    source and its key: the same key in two sources is two items."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    async def find(self, key: str, *, source_id: int) -> tuple[int, str] | None:
        row = await self.db.fetch_one(
            "SELECT id, content_hash FROM items WHERE source_id = ? AND key = ?", (source_id, key))
        return (int(row[0]), str(row[1])) if row else None

    async def feed_states(
        self, keys: list[str], *, source_id: int
    ) -> dict[str, tuple[int, str, str, str | None]]:
        found: dict[str, tuple[int, str, str, str | None]] = {}
        for chunk in chunks(keys):
            rows = await self.db.fetch_all(
                "SELECT key, id, content_hash, title, teaser FROM items "
                f"WHERE source_id = ? AND key IN ({placeholders(len(chunk))})",
                (source_id, *chunk),
            )
            for row in rows:
                found[str(row[0])] = (int(row[1]), str(row[2]), str(row[3]), row[4])
        return found

    async def upsert(self, source_id: int, item: NewItem, now: datetime, *,
                     looked_up: bool = False) -> tuple[int, UpsertStatus]:
        # looked_up: the caller found no such item just before, so the insert comes first; its
        # conflict clause still catches one stored meanwhile
        found = None if looked_up else await self.find(item.key, source_id=source_id)
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
            row = await self.db.fetch_one(
                "INSERT INTO items (title, url, published, language, text, teaser, content_hash, "
                "bullets, sentences, figures, source_id, key, ingested_at, updated_at, "
                "digest_eligible) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (source_id, key) DO NOTHING RETURNING id",
                (*payload, source_id, item.key, ts(now), ts(now), int(item.digest_eligible)),
            )
            if row is not None:
                return int(row[0]), "new"
            # another worker stored the same item since ``find``: one row, compared below
            found = await self.find(item.key, source_id=source_id)
            if found is None:
                raise StorageError(f"item {item.key} was not stored")
        item_id, old_hash = found
        if old_hash == item.content_hash:
            return item_id, "unchanged"
        await self.db.execute(
            "UPDATE items SET title = ?, url = ?, published = ?, language = ?, text = ?, "
            "teaser = ?, content_hash = ?, bullets = ?, sentences = ?, figures = ?, "
            "updated_at = ? WHERE id = ?",
            (*payload, ts(now), item_id),
        )
        return item_id, "updated"

    async def get(self, item_id: int) -> Item | None:
        row = await self.db.fetch_one("SELECT * FROM items WHERE id = ?", (item_id,))
        return _item(row) if row else None

    async def window(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        eligible_only: bool = True,
        limit: int | None = None,
        sources: Iterable[int] | None = None,
    ) -> list[Item]:
        clauses, args = _of_sources(sources)
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
        return [_item(r) for r in await self.db.fetch_all(sql, args)]

    async def published_window(
        self, *, since: datetime | None = None, until: datetime | None = None,
        sources: Iterable[int] | None = None,
    ) -> list[Item]:
        clauses, args = _of_sources(sources)
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
        return [_item(r) for r in await self.db.fetch_all(sql, args)]

    async def all(self) -> list[Item]:
        return await self.window(eligible_only=False)

    async def ids_after(self, after: int, *, limit: int) -> list[int]:
        rows = await self.db.fetch_all("SELECT id FROM items WHERE id > ? ORDER BY id LIMIT ?",
                                       (after, limit))
        return [int(r[0]) for r in rows]

    async def replace_analysis(self, item_id: int, analysis: Analysis) -> None:
        """What a newer engine derived from the item's unchanged text (``bot.ingest``)."""
        await self.db.execute(
            "UPDATE items SET language = ?, bullets = ?, sentences = ?, figures = ? WHERE id = ?",
            (analysis.language, json.dumps(list(analysis.bullets), ensure_ascii=False),
             json.dumps([[s.start, s.end] for s in analysis.sentences]),
             json.dumps([f.__dict__ for f in analysis.figures], ensure_ascii=False), item_id),
        )

    async def count(self) -> int:
        row = await self.db.fetch_one("SELECT COUNT(*) FROM items")
        return int(row[0]) if row else 0

    async def figures(self, item_id: int) -> list[Figure]:
        row = await self.db.fetch_one("SELECT figures FROM items WHERE id = ?", (item_id,))
        return [Figure(**f) for f in json.loads(row[0])] if row else []

    async def figures_many(self, item_ids: list[int]) -> dict[int, list[Figure]]:
        out: dict[int, list[Figure]] = {i: [] for i in item_ids}
        for chunk in chunks(item_ids):
            rows = await self.db.fetch_all(
                f"SELECT id, figures FROM items WHERE id IN ({placeholders(len(chunk))})", chunk)
            for row in rows:
                out[int(row[0])] = [Figure(**f) for f in json.loads(row[1])]
        return out

    async def by_ids(self, item_ids: list[int]) -> list[Item]:
        out: list[Item] = []
        for chunk in chunks(item_ids):
            rows = await self.db.fetch_all(
                f"SELECT * FROM items WHERE id IN ({placeholders(len(chunk))}) ORDER BY id", chunk)
            out.extend(_item(r) for r in rows)
        return out

    async def texts(self) -> list[tuple[int, str, str]]:
        return [(int(r[0]), str(r[1]), str(r[2]))
                for r in await self.db.fetch_all("SELECT id, title, text FROM items ORDER BY id")]

    async def on_topic(
        self, topic: str, *, by: Literal["ingested", "published"] = "ingested",
        limit: int | None = None,
        sources: Iterable[int] | None = None,
    ) -> list[tuple[Item, int]]:
        when = ("items.ingested_at" if by == "ingested"
                else "COALESCE(items.published, items.ingested_at)")
        clauses, args = _of_sources(sources, "items.")
        sql = ("SELECT items.*, t.score AS topic_score FROM item_topics t "
               "JOIN items ON items.id = t.item_id WHERE "
               + " AND ".join(["t.topic = ?", *clauses])
               + f" ORDER BY {when} DESC, items.id DESC")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = await self.db.fetch_all(sql, (topic, *args))
        return [(_item(r), int(r["topic_score"])) for r in rows]

    async def prune(self, older_than: datetime) -> int:
        pruned = ("SELECT id FROM items WHERE ingested_at < ? AND source_id IN "
                  "(SELECT id FROM sources WHERE kind = 'feed')")
        async with self.db.transaction():
            # the story-key hour counts lose the pruned items' keys (bot.storage.stories)
            await StoryStore(self.db).forget_hours_of(pruned, (ts(older_than),))
            count = await self.db.execute(f"DELETE FROM items WHERE id IN ({pruned})",
                                          (ts(older_than),))
            await self.db.execute(
                "DELETE FROM claims WHERE id NOT IN (SELECT claim_id FROM claim_mentions)")
        return count


def _of_sources(sources: Iterable[int] | None,
                prefix: str = "") -> tuple[list[str], list[object]]:
    """The WHERE clause (and its arguments) keeping the items of ``sources`` (None: all)."""
    if sources is None:
        return [], []
    wanted = sorted(set(sources))
    if not wanted:
        return ["1 = 0"], []
    return [f"{prefix}source_id IN ({placeholders(len(wanted))})"], list(wanted)


def _item(m: Row) -> Item:
    ingested = dt(m["ingested_at"])
    assert ingested is not None
    return Item(
        id=m["id"],
        source_id=m["source_id"],
        key=m["key"],
        title=m["title"],
        url=m["url"],
        published=dt(m["published"]),
        ingested_at=ingested,
        language=m["language"],
        text=m["text"],
        content_hash=m["content_hash"],
        bullets=tuple(json.loads(m["bullets"])),
        digest_eligible=bool(m["digest_eligible"]),
    )

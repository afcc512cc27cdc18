"""Stories kept at ingest (migration 8): the story-key index and each item's story.

Every read here is bounded by an index range (keys within a time range, items within a window,
the members of given stories), never by the number of stored items: a new item finds its story
and a digest finds its window's stories by index lookups only. Times are whole seconds since the
epoch (``at``: publication, else ingest), so ranges compare integers on both backends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.storage.engine import Engine, chunks, fetch_in


@dataclass(frozen=True)
class StoryMember:
    """An item of a story, with the time it is placed at."""

    item_id: int
    story_id: str
    at: int


class StoryStore:
    """:class:`~bot.storage.protocols.StoriesStorage` on an engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    async def index_keys(self, item_id: int, at: int, keys: Iterable[str]) -> None:
        await self.db.execute("DELETE FROM story_keys WHERE item_id = ?", (item_id,))
        await self.db.execute_many(
            "INSERT INTO story_keys (key, at, item_id) VALUES (?, ?, ?)",
            [(key, at, item_id) for key in sorted(set(keys))])

    async def key_counts(self, keys: Iterable[str], since: int, until: int) -> dict[str, int]:
        wanted = set(keys)
        out = dict.fromkeys(sorted(wanted), 0)
        rows = await fetch_in(self.db, "SELECT key, COUNT(*) FROM story_keys WHERE key IN "
                              "({marks}) AND at >= ? AND at <= ? GROUP BY key",
                              wanted, (since, until))
        out.update((str(r[0]), int(r[1])) for r in rows)
        return out

    async def items_with_keys(self, keys: Iterable[str], since: int,
                              until: int) -> dict[int, tuple[int, int]]:
        found: dict[int, tuple[int, int]] = {}
        rows = await fetch_in(self.db, "SELECT item_id, at, COUNT(*) FROM story_keys WHERE key "
                              "IN ({marks}) AND at >= ? AND at <= ? GROUP BY item_id, at",
                              keys, (since, until))
        for r in rows:  # an item's keys may fall in two chunks: their counts add up
            at, shared = found.get(int(r[0]), (int(r[1]), 0))
            found[int(r[0])] = (at, shared + int(r[2]))
        return found

    async def sizes(self, story_ids: Iterable[str], since: int, until: int) -> dict[str, int]:
        rows = await fetch_in(self.db, "SELECT story_id, COUNT(*) FROM story_items WHERE "
                              "story_id IN ({marks}) AND at >= ? AND at <= ? GROUP BY story_id",
                              story_ids, (since, until))
        return {str(r[0]): int(r[1]) for r in rows}

    async def count_between(self, since: int, until: int) -> int:
        row = await self.db.fetch_one(
            "SELECT COUNT(*) FROM story_items WHERE at >= ? AND at <= ?", (since, until))
        return int(row[0]) if row else 0

    async def stories_of(self, item_ids: Sequence[int]) -> dict[int, str]:
        rows = await fetch_in(self.db, "SELECT item_id, story_id FROM story_items "
                              "WHERE item_id IN ({marks})", item_ids)
        return {int(r[0]): str(r[1]) for r in rows}

    async def members(self, story_ids: Iterable[str], since: int,
                      until: int) -> list[StoryMember]:
        rows = await fetch_in(self.db, "SELECT item_id, story_id, at FROM story_items WHERE "
                              "story_id IN ({marks}) AND at >= ? AND at <= ?",
                              story_ids, (since, until))
        return sorted((StoryMember(int(r[0]), str(r[1]), int(r[2])) for r in rows),
                      key=lambda m: (m.at, m.item_id))

    async def place(self, members: Sequence[StoryMember], headline: str) -> None:
        """Put each item into its story (moving it from the one it was in); the stories row of
        each story named is created or has its first and latest times brought up to date, and a
        story left without members is deleted."""
        if not members:
            return
        left = set((await self.stories_of([m.item_id for m in members])).values())
        for member in members:  # the story row first: memberships reference it
            await self.db.execute(
                "INSERT INTO stories (id, headline, first_seen, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO NOTHING",
                (member.story_id, headline, _stamp(member.at), _stamp(member.at)))
        for member in members:
            await self.db.execute("DELETE FROM story_items WHERE item_id = ?", (member.item_id,))
            await self.db.execute(
                "INSERT INTO story_items (story_id, item_id, at) VALUES (?, ?, ?)",
                (member.story_id, member.item_id, member.at))
        touched = sorted(left | {m.story_id for m in members})
        for story_id in touched:
            row = await self.db.fetch_one(
                "SELECT MIN(at), MAX(at) FROM story_items WHERE story_id = ?", (story_id,))
            if row is None or row[0] is None:
                await self.db.execute("DELETE FROM stories WHERE id = ?", (story_id,))
                continue
            await self.db.execute(
                "INSERT INTO stories (id, headline, first_seen, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET first_seen = excluded.first_seen, "
                "updated_at = excluded.updated_at",
                (story_id, headline, _stamp(int(row[0])), _stamp(int(row[1]))))

    async def index_many(self, rows: Sequence[tuple[str, int, int]]) -> None:
        """(key, at, item id) rows for items not indexed yet (the placement at start)."""
        for chunk in chunks(rows, 5000):
            await self.db.execute_many(
                "INSERT INTO story_keys (key, at, item_id) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING", chunk)

    async def place_many(self, members: Sequence[StoryMember],
                         headlines: Mapping[str, str]) -> None:
        """Place items in no story yet (the placement at start): the ``stories`` rows with
        their first and latest members' times, then the memberships."""
        spans: dict[str, tuple[int, int]] = {}
        for m in members:
            first, last = spans.get(m.story_id, (m.at, m.at))
            spans[m.story_id] = (min(first, m.at), max(last, m.at))
        await self.db.execute_many(
            "INSERT INTO stories (id, headline, first_seen, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET first_seen = excluded.first_seen, "
            "updated_at = excluded.updated_at",
            [(sid, headlines.get(sid, ""), _stamp(first), _stamp(last))
             for sid, (first, last) in sorted(spans.items())])
        for chunk in chunks(members, 5000):
            await self.db.execute_many(
                "INSERT INTO story_items (story_id, item_id, at) VALUES (?, ?, ?)",
                [(m.story_id, m.item_id, m.at) for m in chunk])

    async def placed_count(self) -> int:
        row = await self.db.fetch_one("SELECT COUNT(*) FROM story_items")
        return int(row[0]) if row else 0

    async def window(self, since: int, until: int) -> list[StoryMember]:
        rows = await self.db.fetch_all(
            "SELECT item_id, story_id, at FROM story_items WHERE at >= ? AND at <= ? "
            "ORDER BY at, item_id", (since, until))
        return [StoryMember(int(r[0]), str(r[1]), int(r[2])) for r in rows]

    async def unplaced(self) -> list[int]:
        rows = await self.db.fetch_all(
            "SELECT f.item_id FROM item_features f JOIN items i ON i.id = f.item_id "
            "LEFT JOIN story_items s ON s.item_id = f.item_id WHERE s.item_id IS NULL "
            "ORDER BY COALESCE(i.published, i.ingested_at), f.item_id")
        return [int(r[0]) for r in rows]

    async def clear(self) -> None:
        await self.db.execute("DELETE FROM story_keys")
        await self.db.execute("DELETE FROM story_items")
        await self.db.execute("DELETE FROM stories")


def _stamp(at: int) -> str:
    """The ``stories`` table's times as the other tables keep them (ISO 8601, UTC)."""
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")

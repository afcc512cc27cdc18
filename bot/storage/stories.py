"""Stories kept at ingest (migration 8): the story-key index and each item's story.

Every read here is bounded by an index range (keys within a time range, items within a window,
the members of given stories), never by the number of stored items: a new item finds its story
and a digest finds its window's stories by index lookups only. Times are whole seconds since the
epoch (``at``: publication, else ingest), so ranges compare integers on both backends.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.storage.engine import Engine, chunks, fetch_in, placeholders

HOUR = 3600  # seconds in one ``story_key_hours`` bucket
# the hour of ``at`` (epoch seconds), rounded down for times before 1970 too, in SQL that both
# backends (whose integer ``/`` and ``%`` round toward zero) compute alike: migration 10 uses it
HOUR_OF_AT = "(at - (at % 3600 + 3600) % 3600) / 3600"
_ADD_HOURS = ("INSERT INTO story_key_hours (key, hour, items) VALUES (?, ?, ?) "
              "ON CONFLICT (key, hour) DO UPDATE SET items = story_key_hours.items + excluded.items")
_TAKE_HOURS = "UPDATE story_key_hours SET items = items - ? WHERE key = ? AND hour = ?"


_ONE_STATEMENT = 500  # keys in one ``IN`` list (``engine.chunks``)


def nearest(found: Mapping[int, tuple[int, int]], at: int) -> list[tuple[int, tuple[int, int]]]:
    """(item id, (time, shared keys)) by the most shared keys, then the nearest to ``at``, then
    the smallest id: the order ``nearest_items`` cuts in."""
    return sorted(found.items(), key=lambda kv: (-kv[1][1], abs(kv[1][0] - at), kv[0]))


def hour_of(at: int) -> int:
    """The ``story_key_hours`` bucket of a time: as ``HOUR_OF_AT`` computes it."""
    return at // HOUR


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
        """Replace the item's keys, and the hour counts with them (``key_counts`` reads those)."""
        old = await self.db.fetch_all(
            "DELETE FROM story_keys WHERE item_id = ? RETURNING key, at", (item_id,))
        await self._count_hours([(str(r[0]), int(r[1])) for r in old], -1)
        fresh = sorted(set(keys))
        await self.db.execute_many(
            "INSERT INTO story_keys (key, at, item_id) VALUES (?, ?, ?)",
            [(key, at, item_id) for key in fresh])
        await self._count_hours([(key, at) for key in fresh], 1)

    async def _count_hours(self, postings: Iterable[tuple[str, int]], sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) postings (key, at) in ``story_key_hours``."""
        counts: dict[tuple[str, int], int] = {}
        for key, at in postings:
            bucket = (key, hour_of(at))
            counts[bucket] = counts.get(bucket, 0) + 1
        if sign > 0:
            await self.db.execute_many(_ADD_HOURS, [(k, h, n) for (k, h), n in sorted(counts.items())])
        else:
            await self.db.execute_many(_TAKE_HOURS,
                                       [(n, k, h) for (k, h), n in sorted(counts.items())])

    async def key_counts(self, keys: Iterable[str], since: int, until: int) -> dict[str, int]:
        """Items having each key within [since, until]: the whole hours inside the range summed
        from ``story_key_hours``, the two partial hours at its ends counted in ``story_keys``, so
        that the cost is the range's hours (and the items of two hours), not its items: a key
        every item has would count thousands of rows per new item in a busy window."""
        wanted = set(keys)
        out = dict.fromkeys(sorted(wanted), 0)
        first, last = hour_of(since), hour_of(until)
        if last - first < 2:
            parts = [("SELECT key, COUNT(*) FROM story_keys WHERE key IN ({marks}) "
                      "AND at >= ? AND at <= ? GROUP BY key", (since, until))]
        else:
            parts = [("SELECT key, SUM(items) FROM story_key_hours WHERE key IN ({marks}) "
                      "AND hour > ? AND hour < ? GROUP BY key", (first, last)),
                     ("SELECT key, COUNT(*) FROM story_keys WHERE key IN ({marks}) "
                      "AND at >= ? AND at < ? GROUP BY key", (since, (first + 1) * HOUR)),
                     ("SELECT key, COUNT(*) FROM story_keys WHERE key IN ({marks}) "
                      "AND at >= ? AND at <= ? GROUP BY key", (last * HOUR, until))]
        for sql, bounds in parts:
            for r in await fetch_in(self.db, sql, wanted, bounds):
                out[str(r[0])] += int(r[1])
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

    async def nearest_items(self, keys: Collection[str], since: int, until: int, at: int,
                            limit: int) -> dict[int, tuple[int, int]]:
        """Ordered and cut in the database, so that a new item reads ``limit`` rows instead of
        every item of its window sharing a key; keys beyond one statement's arguments are
        counted across statements and cut here."""
        wanted = sorted(set(keys))
        if len(wanted) > _ONE_STATEMENT:
            found = await self.items_with_keys(wanted, since, until)
            return dict(nearest(found, at)[:limit])
        rows = await self.db.fetch_all(
            "SELECT item_id, at, COUNT(*) FROM story_keys WHERE key IN "
            f"({placeholders(len(wanted))}) AND at >= ? AND at <= ? GROUP BY item_id, at "
            "ORDER BY COUNT(*) DESC, ABS(at - ?), item_id LIMIT ?",
            (*wanted, since, until, at, limit)) if wanted else []
        return {int(r[0]): (int(r[1]), int(r[2])) for r in rows}

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
        """(key, at, item id) rows for items not indexed yet (the placement at start), their
        hour counts with them."""
        for chunk in chunks(rows, 5000):
            await self.db.execute_many(
                "INSERT INTO story_keys (key, at, item_id) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING", chunk)
        await self.recount_hours()

    async def forget_hours_of(self, item_ids_sql: str, args: Sequence[object]) -> None:
        """Take the keys of the items ``item_ids_sql`` selects out of ``story_key_hours``: run
        it before deleting those items (their keys go with them, by the foreign key)."""
        rows = await self.db.fetch_all(
            f"SELECT key, {HOUR_OF_AT}, COUNT(*) FROM story_keys WHERE item_id IN "
            f"({item_ids_sql}) GROUP BY key, {HOUR_OF_AT}", args)
        await self.db.execute_many(_TAKE_HOURS, [(int(r[2]), str(r[0]), int(r[1])) for r in rows])

    async def recount_hours(self) -> None:
        """Count ``story_key_hours`` again from ``story_keys``: after bulk writes."""
        await self.db.execute("DELETE FROM story_key_hours")
        await self.db.execute(
            f"INSERT INTO story_key_hours (key, hour, items) SELECT key, {HOUR_OF_AT}, COUNT(*) "
            f"FROM story_keys GROUP BY key, {HOUR_OF_AT}")

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
        await self.db.execute("DELETE FROM story_key_hours")
        await self.db.execute("DELETE FROM story_items")
        await self.db.execute("DELETE FROM stories")


def _stamp(at: int) -> str:
    """The ``stories`` table's times as the other tables keep them (ISO 8601, UTC)."""
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")

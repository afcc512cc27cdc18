"""Stories kept at ingest (migration 8, ``bot.storage.stories``) on both backends: the key index
by time range, placing and moving items, stories of a database from before migration 8 derived
once at start, and reads that go through an index."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_app
from bot.config import Config
from bot.ingest import RawArticle
from bot.storage import Storage
from bot.storage import stories as stories_module
from bot.storage.items import NewItem
from bot.storage.sqlite import SQLiteEngine
from bot.storage.stories import StoryMember
from tests.briefing.fixtures import items
from tests.conftest import FixedClock

T0 = datetime(2025, 1, 27, 8, 0, tzinfo=UTC)
AT = int(T0.timestamp())


async def _items(storage: Storage, count: int) -> list[int]:
    source = await storage.sources.ensure("feed", "http://127.0.0.1:9/feed", "f", T0)
    ids = []
    for n in range(count):
        new = NewItem(key=f"k{n}", title=f"Item {n}", url=None, published=T0, language="en",
                      text=f"text {n}", content_hash=f"h{n}")
        item_id, _ = await storage.items.upsert(source.id, new, T0)
        ids.append(item_id)
    return ids


async def test_key_counts_and_matches_keep_to_the_time_range(storage: Storage) -> None:
    a, b, c = await _items(storage, 3)
    await storage.stories.index_keys(a, AT, {"p:nvidia", "w:shares"})
    await storage.stories.index_keys(b, AT + 3600, {"p:nvidia"})
    await storage.stories.index_keys(c, AT + 10 * 86400, {"p:nvidia"})  # ten days later
    counts = await storage.stories.key_counts(["p:nvidia", "w:shares", "n:5"], AT - 60, AT + 7200)
    assert counts == {"p:nvidia": 2, "w:shares": 1, "n:5": 0}
    assert await storage.stories.items_with_keys(["p:nvidia", "w:shares"], AT - 60,
                                                 AT + 7200) == {a: (AT, 2), b: (AT + 3600, 1)}
    await storage.stories.index_keys(a, AT, {"w:shares"})  # replaced, not added to
    assert (await storage.stories.key_counts(["p:nvidia"], AT - 60, AT + 7200))["p:nvidia"] == 1


def _counted(postings: dict[int, tuple[int, set[str]]], keys: list[str], since: int,
             until: int) -> dict[str, int]:
    """What ``key_counts`` must give, counted from (item id -> (time, keys)) by hand."""
    return {k: sum(1 for at, ks in postings.values() if k in ks and since <= at <= until)
            for k in keys}


async def test_key_counts_from_hours_equal_the_items_counted_one_by_one(
        storage: Storage) -> None:
    """Windows of many hours are summed from ``story_key_hours`` and the two partial hours at
    their ends: the same counts as counting each item, on hour bounds, across 1970, after an
    item's keys or time change, after a prune and after ``clear``."""
    ids = await _items(storage, 7)
    times = [AT, AT + 59, AT + 3600, AT + 3599, AT + 5 * 3600 + 1, AT + 9 * 3600, -3600 - 5]
    postings = {item: (at, {"p:a", "w:b"} if n % 2 else {"p:a"})
                for n, (item, at) in enumerate(zip(ids, times, strict=True))}
    for item, (at, ks) in postings.items():
        await storage.stories.index_keys(item, at, ks)
    ranges = [(AT, AT + 9 * 3600), (AT + 1, AT + 9 * 3600 - 1), (AT - 7200, AT + 3600),
              (AT + 60, AT + 5 * 3600 + 1), (-86400, AT + 86400), (-7200, 0), (AT, AT)]

    async def check() -> None:
        for since, until in ranges:
            assert await storage.stories.key_counts(["p:a", "w:b", "n:1"], since, until) == (
                _counted(postings, ["p:a", "w:b", "n:1"], since, until)), (since, until)

    await check()
    postings[ids[2]] = (AT + 7 * 3600 + 30, {"w:b"})  # moved and re-keyed
    await storage.stories.index_keys(ids[2], *postings[ids[2]])
    await check()
    old_feed = await storage.sources.ensure("feed", "http://127.0.0.1:9/old", "old", T0)
    stale = NewItem(key="old", title="Old", url=None, published=T0, language="en", text="old",
                    content_hash="old")
    gone, _ = await storage.items.upsert(old_feed.id, stale, T0 - timedelta(days=30))
    await storage.stories.index_keys(gone, AT + 3600 * 4, {"p:a", "w:b"})
    assert (await storage.stories.key_counts(["p:a"], AT, AT + 9 * 3600))["p:a"] == (
        _counted(postings, ["p:a"], AT, AT + 9 * 3600)["p:a"] + 1)  # the old item's too
    assert await storage.items.prune(T0 - timedelta(days=1)) == 1
    await check()
    await storage.stories.index_many([("p:a", AT + 3600 * 3, ids[0])])
    postings[ids[0]] = (AT, {"p:a"})  # a second posting of the first item, three hours on
    assert (await storage.stories.key_counts(["p:a"], AT + 3600, AT + 9 * 3600))["p:a"] == (
        _counted(postings, ["p:a"], AT + 3600, AT + 9 * 3600)["p:a"] + 1)
    await storage.stories.clear()
    assert await storage.stories.key_counts(["p:a"], -86400, AT + 86400) == {"p:a": 0}


async def test_nearest_items_are_the_most_alike_then_the_nearest(storage: Storage) -> None:
    """Cut in the database as ``assign_story`` cut the whole list: most shared keys, then the
    nearest in time, then the smallest id; with more keys than one statement takes as well."""
    ids = await _items(storage, 5)
    keyed = {ids[0]: (AT, {"a", "b"}), ids[1]: (AT + 600, {"a", "b"}),
             ids[2]: (AT - 60, {"a"}), ids[3]: (AT + 60, {"a"}), ids[4]: (AT + 90, {"b"})}
    for item, (at, ks) in keyed.items():
        await storage.stories.index_keys(item, at, ks)
    found = await storage.stories.items_with_keys(["a", "b"], AT - 3600, AT + 3600)
    near = await storage.stories.nearest_items(["a", "b"], AT - 3600, AT + 3600, AT + 50, 3)
    assert list(near) == [ids[0], ids[1], ids[3]] and all(near[i] == found[i] for i in near)
    many = [f"x{n}" for n in range(600)] + ["a"]
    assert await storage.stories.nearest_items(many, AT - 3600, AT + 3600, AT + 50, 2) == {
        ids[3]: (AT + 60, 1), ids[0]: (AT, 1)}


async def test_placing_moves_items_and_drops_empty_stories(storage: Storage) -> None:
    a, b, c = await _items(storage, 3)
    await storage.stories.place([StoryMember(a, "s1", AT)], "one")
    await storage.stories.place([StoryMember(b, "s2", AT + 60)], "two")
    assert await storage.stories.stories_of([a, b, c]) == {a: "s1", b: "s2"}
    assert await storage.stories.unplaced() == []  # no keys stored: nothing to place
    await storage.stories.place([StoryMember(c, "s1", AT + 120), StoryMember(b, "s1", AT + 60)],
                                "three")
    assert await storage.stories.stories_of([a, b, c]) == {a: "s1", b: "s1", c: "s1"}
    rows = await storage.db.fetch_all("SELECT id, first_seen, updated_at FROM stories")
    assert [tuple(r) for r in rows] == [("s1", "2025-01-27T08:00:00+00:00",
                                         "2025-01-27T08:02:00+00:00")]  # s2 is gone
    assert [m.item_id for m in await storage.stories.members(["s1"], AT + 30, AT + 600)] == [b, c]
    assert [m.item_id for m in await storage.stories.window(AT, AT + 60)] == [a, b]
    assert await storage.stories.count_between(AT, AT + 60) == 2
    await storage.stories.clear()
    assert await storage.stories.stories_of([a, b, c]) == {}


async def test_a_deleted_item_leaves_its_story(storage: Storage) -> None:
    a, b = await _items(storage, 2)
    await storage.stories.index_keys(a, AT, {"p:nvidia"})
    await storage.stories.place([StoryMember(a, "s1", AT), StoryMember(b, "s1", AT)], "x")
    await storage.db.execute("DELETE FROM items WHERE id = ?", (a,))
    assert await storage.stories.stories_of([a, b]) == {b: "s1"}
    assert await storage.stories.items_with_keys(["p:nvidia"], AT - 1, AT + 1) == {}


async def test_stories_of_a_database_from_before_migration_8_are_derived_once_at_start(
    config: Config, storage: Storage
) -> None:
    """Items stored with keys but without stories (as before migration 8) get the stories ingest
    would have given them when the app starts; nothing else is touched."""
    clock = FixedClock(datetime(2025, 1, 28, 9, 0, tzinfo=UTC))
    fixture = items()[:8]
    app = await build_app(config, storage=storage, clock=clock)
    source = await storage.sources.ensure("feed", "http://127.0.0.1:9/feed", "f", clock.now())
    for item in fixture:
        await app.ingest.ingest_article(source, RawArticle(
            key=item.key, title=item.title, text=item.text, url=item.url,
            published=item.published, language=item.language))
    placed = await storage.stories.stories_of(list(range(1, 20)))
    before = await storage.db.fetch_all("SELECT COUNT(*) FROM items")
    await app.close()
    assert len(placed) == len(fixture) and len(set(placed.values())) < len(fixture)
    for table in ("story_keys", "story_items", "stories"):  # as migration 8 finds a database
        await storage.db.execute(f"DELETE FROM {table}")
    assert len(await storage.stories.unplaced()) == len(fixture)
    app = await build_app(config, storage=storage, clock=clock)
    try:
        again = await storage.stories.stories_of(list(range(1, 20)))
        assert again == placed
        assert await storage.stories.unplaced() == []
        assert [tuple(r) for r in await storage.db.fetch_all("SELECT COUNT(*) FROM items")] == [
            tuple(r) for r in before]
    finally:
        await app.close()


_READS = {
    "key_counts": ("SELECT key, COUNT(*) FROM story_keys WHERE key IN (?, ?) AND at >= ? "
                   "AND at <= ? GROUP BY key", ("p:a", "p:b", 0, 1)),
    "items_with_keys": ("SELECT item_id, at, COUNT(*) FROM story_keys WHERE key IN (?) "
                        "AND at >= ? AND at <= ? GROUP BY item_id, at", ("p:a", 0, 1)),
    "sizes": ("SELECT story_id, COUNT(*) FROM story_items WHERE story_id IN (?) AND at >= ? "
              "AND at <= ? GROUP BY story_id", ("s", 0, 1)),
    "count_between": ("SELECT COUNT(*) FROM story_items WHERE at >= ? AND at <= ?", (0, 1)),
    "stories_of": ("SELECT item_id, story_id FROM story_items WHERE item_id IN (?, ?)", (1, 2)),
    "members": ("SELECT item_id, story_id, at FROM story_items WHERE story_id IN (?) "
                "AND at >= ? AND at <= ? ORDER BY at, item_id", ("s", 0, 1)),
    "window": ("SELECT item_id, story_id, at FROM story_items WHERE at >= ? AND at <= ? "
               "ORDER BY at, item_id", (0, 1)),
}


@pytest.mark.parametrize("name", sorted(_READS))
async def test_story_reads_go_through_an_index(tmp_path: Path, name: str) -> None:
    """What ingest and the digest read of stories is an index search, never a table scan
    (SQLite's EXPLAIN QUERY PLAN; PostgreSQL plans by table size, and has the same indexes:
    tests/storage/test_schema_parity.py)."""
    sql, args = _READS[name]
    db = await SQLiteEngine.open(tmp_path / "plan.db")
    try:
        plan = " | ".join(str(r[3]) for r in await db.fetch_all("EXPLAIN QUERY PLAN " + sql,
                                                                  args))
    finally:
        await db.close()
    assert "USING" in plan and "INDEX" in plan, plan
    assert not any(step.startswith("SCAN") and "INDEX" not in step for step in plan.split(" | ")), plan


def test_the_reads_tested_are_the_stores_own() -> None:
    """The statements explained above are those ``bot.storage.stories`` runs (up to the filter)."""
    text = " ".join(inspect.getsource(stories_module).replace('"', " ").split())
    text = text.replace("  ", " ")
    for sql, _ in _READS.values():
        head = sql.split(" WHERE ")[0]
        assert " ".join(head.split()) in " ".join(text.split()), head

"""The Engine contract (bot.storage.engine) on SQLite: what every engine must do."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.errors import StorageError
from bot.storage import Storage
from bot.storage.schema import MIGRATIONS, migration_script, statements
from bot.storage.sqlite import SQLiteEngine

NOW = "2025-01-27T08:00:00+00:00"


@pytest.fixture
async def engine(tmp_path: Path) -> SQLiteEngine:
    engine = await SQLiteEngine.open(tmp_path / "e.db")
    yield engine  # type: ignore[misc]
    await engine.close()


async def _source(engine: SQLiteEngine, url: str = "https://a.example/feed") -> int:
    row = await engine.fetch_one(
        "INSERT INTO sources (kind, url, name, created_at) VALUES ('feed', ?, 'a', ?) "
        "RETURNING id", (url, NOW))
    assert row is not None
    return int(row["id"])


async def test_rows_by_name_and_position_and_counts(engine: SQLiteEngine) -> None:
    first = await _source(engine)
    second = await _source(engine, "https://b.example/feed")
    assert second == first + 1
    row = await engine.fetch_one("SELECT id, url FROM sources WHERE id = ?", (first,))
    assert row is not None and row[0] == row["id"] == first and row["url"].startswith("https://a")
    assert await engine.fetch_one("SELECT id FROM sources WHERE id = ?", (999,)) is None
    assert await engine.execute("UPDATE sources SET name = 'x'") == 2
    assert [r["id"] for r in await engine.fetch_all("SELECT id FROM sources ORDER BY id")] == [
        first, second]
    await engine.execute_many("UPDATE sources SET polls = ? WHERE id = ?", [(5, first)])
    await engine.execute_many("UPDATE sources SET polls = ? WHERE id = ?", [])
    row = await engine.fetch_one("SELECT polls FROM sources WHERE id = ?", (first,))
    assert row is not None and row[0] == 5


async def test_driver_errors_leave_as_storage_errors_naming_the_file(
    engine: SQLiteEngine, tmp_path: Path
) -> None:
    await _source(engine)
    with pytest.raises(StorageError, match=str(tmp_path / "e.db")) as caught:
        await _source(engine)  # UNIQUE(url)
    assert not isinstance(caught.value, sqlite3.Error)
    with pytest.raises(StorageError):
        await engine.fetch_all("SELECT nothing FROM nowhere")


async def test_a_transaction_commits_or_rolls_back_whole(engine: SQLiteEngine) -> None:
    with pytest.raises(RuntimeError):
        async with engine.transaction():
            await _source(engine)
            async with engine.transaction():  # nested: joins the outer one
                await _source(engine, "https://b.example/feed")
            raise RuntimeError("stop")
    assert await engine.fetch_all("SELECT id FROM sources") == []
    async with engine.transaction():
        await _source(engine)
    assert len(await engine.fetch_all("SELECT id FROM sources")) == 1


async def test_another_tasks_write_waits_for_the_open_transaction(engine: SQLiteEngine) -> None:
    """A write of another task never lands in (and is never rolled back with) a transaction."""
    started = asyncio.Event()

    async def failing() -> None:
        async with engine.transaction():
            await _source(engine)
            started.set()
            await asyncio.sleep(0.05)
            raise RuntimeError("rolled back")

    task = asyncio.create_task(failing())
    await started.wait()
    await _source(engine, "https://b.example/feed")  # waits for the rollback, then commits
    with pytest.raises(RuntimeError):
        await task
    urls = [r["url"] for r in await engine.fetch_all("SELECT url FROM sources")]
    assert urls == ["https://b.example/feed"]


async def test_version_changes_on_a_commit_by_another_connection(
    engine: SQLiteEngine, tmp_path: Path
) -> None:
    before = await engine.version()
    assert before == await engine.version()
    other = await SQLiteEngine.open(tmp_path / "e.db")
    try:
        await _source(other)
    finally:
        await other.close()
    assert await engine.version() != before


async def test_schema_version_and_description(engine: SQLiteEngine, tmp_path: Path) -> None:
    assert await engine.schema_version() == len(MIGRATIONS)
    assert engine.dialect == "sqlite" and engine.description == f"SQLite {tmp_path / 'e.db'}"
    await engine.close()
    await engine.close()  # twice is fine


async def test_opening_again_migrates_nothing(tmp_path: Path) -> None:
    for _ in range(2):
        engine = await SQLiteEngine.open(tmp_path / "e.db")
        assert await engine.schema_version() == len(MIGRATIONS)
        await engine.close()


def _v2_database(path: Path) -> None:
    """Migrations 1 and 2 as the previous briefbot left them: one item with a claim and topics."""
    conn = sqlite3.connect(path)
    for index in range(2):
        for statement in statements(migration_script(index, "sqlite")):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO sources (id, kind, url, name, created_at, last_success) VALUES "
                 f"(1, 'feed', 'https://a.example/feed', 'a', '{NOW}', '{NOW}')")
    conn.execute("INSERT INTO items (id, source_id, key, title, ingested_at, updated_at, language,"
                 f" text, content_hash) VALUES (7, 1, 'url:https://a.example/1', 'T', '{NOW}', "
                 f"'{NOW}', 'en', 'x', 'h')")
    conn.execute("INSERT INTO claims (id, text, kind, hedged, evidence, first_seen, last_seen) "
                 f"VALUES ('c1', 'a claim', 'statement', 0, 'unstated', '{NOW}', '{NOW}')")
    conn.execute("INSERT INTO claim_mentions (claim_id, item_id, position, message_start, "
                 f"message_end, seen_at) VALUES ('c1', 7, 0, 0, 5, '{NOW}')")
    conn.execute("INSERT INTO item_topics (item_id, topic, score) VALUES (7, 'chips', 3)")
    conn.commit()
    conn.close()


async def test_migration_3_keeps_every_row_that_points_at_an_item(tmp_path: Path) -> None:
    _v2_database(tmp_path / "old.db")
    storage = await Storage.open(tmp_path / "old.db")
    try:
        assert await storage.items.find("url:https://a.example/1", source_id=1) == (7, "h")
        assert await storage.items.find("url:https://a.example/1", source_id=2) is None
        assert [m.item_id for c in await storage.claims.list() for m in c.mentions] == [7]
        assert await storage.prepared.item_topics() == {7: {"chips": 3}}
        source = await storage.sources.get_by_url("https://a.example/feed")
        assert source is not None and source.first_parsed is not None  # it has items
        # foreign keys are on again after the rebuild: deleting the item cascades
        await storage.db.execute("DELETE FROM items WHERE id = 7")
        assert await storage.prepared.item_topics() == {}
    finally:
        await storage.close()


async def test_check_writable_writes_nothing(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "e.db")
    try:
        before = await storage.db.fetch_all("SELECT * FROM meta")
        await storage.check_writable()
        assert await storage.db.fetch_all("SELECT * FROM meta") == before
    finally:
        await storage.close()

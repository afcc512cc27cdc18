"""The PostgreSQL engine on a real server: placeholders, transactions, retries, errors, locking."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg
import pytest

from bot.errors import StorageBusy, StorageError
from bot.storage.postgres import VERSION_TABLE, PostgresEngine
from bot.storage.schema import MIGRATIONS
from tests.storage.pg import fresh_database, server_url

pytestmark = pytest.mark.postgres


@pytest.fixture
async def engine() -> AsyncIterator[PostgresEngine]:
    with fresh_database() as url:
        opened = await PostgresEngine.open(url)
        try:
            yield opened
        finally:
            await opened.close()


async def test_statements_rows_and_nested_transactions(engine: PostgresEngine) -> None:
    assert engine.dialect == "postgresql"
    assert await engine.schema_version() == len(MIGRATIONS)
    await engine.execute_many("INSERT INTO meta (key, value) VALUES (?, ?)",
                              [("a", "1"), ("b", "2"), ("c", "3")])
    assert await engine.execute("UPDATE meta SET value = ? WHERE key <> ?", ("x", "a")) == 2
    row = await engine.fetch_one("SELECT key, value FROM meta WHERE key = ?", ("b",))
    assert row is not None and row[0] == "b" and row["value"] == "x"
    assert await engine.fetch_one("SELECT key FROM meta WHERE key = ?", ("zz",)) is None
    async with engine.transaction():
        await engine.execute("INSERT INTO meta (key, value) VALUES (?, ?)", ("d", "4"))
        async with engine.transaction():  # joins the outer one
            await engine.execute("INSERT INTO meta (key, value) VALUES (?, ?)", ("e", "5"))
    with pytest.raises(RuntimeError):
        async with engine.transaction():
            await engine.execute("DELETE FROM meta")
            raise RuntimeError("roll back")
    keys = [r["key"] for r in await engine.fetch_all("SELECT key FROM meta ORDER BY key")]
    assert keys == ["a", "b", "c", "d", "e"]


async def test_another_task_never_sees_nor_joins_an_open_transaction(engine: PostgresEngine) -> None:
    inside = asyncio.Event()
    release = asyncio.Event()

    async def writer() -> None:
        async with engine.transaction():
            await engine.execute("INSERT INTO meta (key, value) VALUES ('w', '1')")
            inside.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await inside.wait()
    assert await engine.fetch_one("SELECT 1 FROM meta WHERE key = 'w'") is None
    release.set()
    await task
    assert await engine.fetch_one("SELECT 1 FROM meta WHERE key = 'w'") is not None


async def test_version_changes_with_commits_not_with_reads(engine: PostgresEngine) -> None:
    with fresh_database():  # another database's writes may change it too: that is allowed
        pass
    first = await engine.version()
    await engine.fetch_all("SELECT * FROM meta")
    assert await engine.version() == first
    other = await PostgresEngine.open(engine.target.url)
    try:
        await other.execute("INSERT INTO meta (key, value) VALUES ('o', '1')")
    finally:
        await other.close()
    assert await engine.version() != first


async def test_concurrent_starts_migrate_once() -> None:
    with fresh_database() as url:
        engines = await asyncio.gather(*(PostgresEngine.open(url) for _ in range(4)))
        try:
            for opened in engines:
                assert await opened.schema_version() == len(MIGRATIONS)
            rows = await engines[0].fetch_all(f"SELECT version FROM {VERSION_TABLE} ORDER BY 1")
            assert [r[0] for r in rows] == list(range(1, len(MIGRATIONS) + 1))
        finally:
            for opened in engines:
                await opened.close()


async def test_a_lost_connection_is_retried(engine: PostgresEngine) -> None:
    await engine.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
    admin = await asyncpg.connect(server_url())
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()", engine.target.database)
    finally:
        await admin.close()
    assert killed >= 1
    row = await engine.fetch_one("SELECT value FROM meta WHERE key = ?", ("k",))
    assert row is not None and row[0] == "v"


async def test_a_serialization_failure_is_retried_as_a_transaction(engine: PostgresEngine) -> None:
    await engine.execute("INSERT INTO meta (key, value) VALUES ('n', '')")
    both_read = asyncio.Event()
    readers = 0
    attempts = {"a": 0, "b": 0}

    def body(name: str):  # type: ignore[no-untyped-def]
        async def run() -> None:
            nonlocal readers
            attempts[name] += 1
            await engine.fetch_one("SELECT value FROM meta WHERE key = 'n'")
            readers += 1
            if readers >= 2:
                both_read.set()
            await both_read.wait()
            await engine.execute("UPDATE meta SET value = value || ? WHERE key = 'n'", (name,))
        return run

    await asyncio.gather(engine.run_transaction(body("a"), isolation="repeatable_read"),
                         engine.run_transaction(body("b"), isolation="repeatable_read"))
    row = await engine.fetch_one("SELECT value FROM meta WHERE key = 'n'")
    assert row is not None and sorted(row[0]) == ["a", "b"]
    assert sorted(attempts.values()) == [1, 2]  # one of them conflicted and ran again


async def test_a_conflict_in_a_plain_transaction_is_storage_busy(engine: PostgresEngine) -> None:
    await engine.execute("INSERT INTO meta (key, value) VALUES ('n', '')")
    first_updated = asyncio.Event()
    second_has_snapshot = asyncio.Event()

    async def first() -> None:
        async with engine._transaction("repeatable_read"):
            await engine.execute("UPDATE meta SET value = 'a' WHERE key = 'n'")
            first_updated.set()
            await second_has_snapshot.wait()

    async def second() -> None:
        async with engine._transaction("repeatable_read"):
            await engine.fetch_one("SELECT 1")  # the snapshot: before the first commits
            second_has_snapshot.set()
            await first_updated.wait()
            await engine.execute("UPDATE meta SET value = 'b' WHERE key = 'n'")

    results = await asyncio.gather(first(), second(), return_exceptions=True)
    assert results[0] is None
    assert isinstance(results[1], StorageBusy)
    assert "conflicted" in str(results[1]) and "\n" not in str(results[1])


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_connection_refused_is_one_line_without_the_password() -> None:
    server_url()  # the other error tests need the server; this one is here for symmetry
    url = f"postgresql://bot:hunter2@127.0.0.1:{_closed_port()}/news"
    with pytest.raises(StorageError) as caught:
        await PostgresEngine.open(url)
    message = str(caught.value)
    assert "connection refused" in message and "\n" not in message
    assert "hunter2" not in message and "PostgreSQL bot@127.0.0.1:" in message


async def test_wrong_password_is_an_authentication_error() -> None:
    parts = urlsplit(server_url())
    url = f"postgresql://briefbot_pw:wrong-pass@{parts.hostname}:{parts.port}/postgres"
    with pytest.raises(StorageError) as caught:
        await PostgresEngine.open(url)
    message = str(caught.value)
    assert "authentication failed" in message and "\n" not in message
    assert "wrong-pass" not in message


async def test_a_missing_database_is_named() -> None:
    parts = urlsplit(server_url())
    url = f"postgresql://postgres@{parts.hostname}:{parts.port}/no_such_briefbot_db"
    with pytest.raises(StorageError, match="no_such_briefbot_db: the database does not exist"):
        await PostgresEngine.open(url)


async def test_a_newer_schema_is_refused(engine: PostgresEngine) -> None:
    await engine.execute(f"INSERT INTO {VERSION_TABLE} (version, applied_at) VALUES (?, 'x')",
                         (len(MIGRATIONS) + 5,))
    with pytest.raises(StorageError, match="newer than this briefbot knows"):
        await PostgresEngine.open(engine.target.url)

"""The SQLite engine: one aiosqlite connection (WAL, busy timeout, foreign keys) and the migrations.

Every call into aiosqlite/sqlite3 runs inside :func:`bot.storage.engine.wrap_exceptions` with
:func:`_translate`, so a driver error leaves this module only as one ``StorageError`` line naming
the file and what to do. PRAGMAs live here and nowhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractContextManager, asynccontextmanager
from pathlib import Path
from types import TracebackType

import aiosqlite

from bot.errors import StorageBusy, StorageError
from bot.storage.engine import Row, wrap_exceptions
from bot.storage.schema import MIGRATIONS, migration_script, statements

DEFAULT_BUSY_TIMEOUT = 10.0  # seconds a writer waits for another process's write lock


class SQLiteEngine:
    """The :class:`~bot.storage.engine.Engine` of an SQLite file (or ``:memory:``).

    One connection is shared by the tasks of a process: a transaction belongs to the task that
    opened it, and other tasks' writes wait until it ends (so they never land in it by accident).
    """

    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: Path | str,
                 busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.conn = conn
        self.path = path
        self.busy_timeout = busy_timeout
        self.description = f"SQLite {path}"
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None
        self._closed = False

    # --- opening ----------------------------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path | str, *,
                   busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> SQLiteEngine:
        """Open (creating folders and the file) and migrate.

        Raises:
            StorageError: the file cannot be opened, read or written, is not a database, or has a
                newer schema than this briefbot knows; the message names the file.
            StorageBusy: another process kept the write lock while a migration was due.
        """
        _check_path(path)
        with wrap_exceptions(sqlite3.Error, lambda e: _translate(path, e, busy_timeout)):
            # a file that cannot be opened or read fails here, in a plain thread: a failed
            # aiosqlite connect leaves its worker thread to answer after the loop has closed
            await asyncio.to_thread(_probe, str(path))
            conn = await aiosqlite.connect(str(path), isolation_level=None)
        engine = cls(conn, path, busy_timeout)
        try:
            await engine._configure()
            await engine.migrate()
            # after the migrations: a table rebuilt by one must not cascade its drop
            await engine.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            # close, or the connection's thread outlives the event loop ("Event loop is closed")
            await engine.close()
            raise
        return engine

    async def _configure(self) -> None:
        self.conn.row_factory = aiosqlite.Row
        # the busy timeout first: switching to WAL on a new file waits for other openers too
        await self.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        await self.fetch_one("PRAGMA journal_mode = WAL")
        await self.execute("PRAGMA synchronous = NORMAL")
        await self.fetch_one("SELECT COUNT(*) FROM sqlite_master")  # fails now if not a database

    async def migrate(self) -> None:
        """Apply the missing migrations, each in its own write transaction.

        The version is read again after the write lock is taken: two processes starting on a new
        file both see version 0, but only the first to get the lock migrates; the second finds the
        new version and does nothing.

        Raises:
            StorageError: a migration failed, or the file's schema is newer than this code's.
        """
        while (version := await self.schema_version()) < len(MIGRATIONS):
            async with self.transaction():
                version = await self.schema_version()  # inside the lock: the truth
                if version >= len(MIGRATIONS):
                    break
                for statement in statements(migration_script(version, self.dialect)):
                    await self.execute(statement)
                await self.execute(f"PRAGMA user_version = {version + 1}")
        if version > len(MIGRATIONS):
            raise StorageError(
                f"the database {self.path} has schema version {version}, newer than this "
                f"briefbot knows ({len(MIGRATIONS)}); upgrade briefbot or use another file"
            )

    # --- the Engine protocol ----------------------------------------------------------------------

    async def execute(self, sql: str, args: Sequence[object] = ()) -> int:
        async with self._writer():
            with self._wrapped():
                cursor = await self.conn.execute(sql, tuple(args))
                count = cursor.rowcount
                await cursor.close()
        return max(count, 0)

    async def execute_many(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        if not rows:
            return
        async with self._writer():
            with self._wrapped():
                await self.conn.executemany(sql, [tuple(r) for r in rows])

    async def fetch_one(self, sql: str, args: Sequence[object] = ()) -> Row | None:
        rows = await self.fetch_all(sql, args)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, args: Sequence[object] = ()) -> list[Row]:
        # INSERT ... RETURNING writes: it waits like execute; a plain read never waits
        gate = self._writer() if _writes(sql) else contextlib.nullcontext()
        async with gate:
            with self._wrapped():  # one trip to the connection's thread, not three
                rows: list[Row] = list(await self.conn.execute_fetchall(sql, tuple(args)))
        return rows

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if self._owner is not None and self._owner is task:
            yield
            return
        async with self._lock:
            with self._wrapped():
                await self.conn.execute("BEGIN IMMEDIATE")
            self._owner = task
            try:
                yield
            except BaseException:
                self._owner = None
                await self._rollback()
                raise
            self._owner = None
            try:
                with self._wrapped():
                    await self.conn.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise

    async def version(self) -> tuple[int, int]:
        """Rows this connection wrote, and commits by other connections (``data_version``)."""
        row = await self.fetch_one("PRAGMA data_version")
        return self.conn.total_changes, int(row[0]) if row else 0

    async def schema_version(self) -> int:
        row = await self.fetch_one("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(sqlite3.Error, ValueError):  # a half-opened one: nothing to save
            await self.conn.close()

    # --- helpers ----------------------------------------------------------------------------------

    def _wrapped(self) -> AbstractContextManager[None]:
        return wrap_exceptions(sqlite3.Error,
                               lambda e: _translate(self.path, e, self.busy_timeout))

    @asynccontextmanager
    async def _writer(self) -> AsyncIterator[None]:
        """A write outside the caller's own transaction waits until another task's one ends."""
        if self._owner is None or self._owner is asyncio.current_task():
            yield
            return
        async with self._lock:
            yield

    async def _rollback(self) -> None:
        if self.conn.in_transaction:
            with self._wrapped():
                await self.conn.execute("ROLLBACK")

    async def __aenter__(self) -> SQLiteEngine:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()


def _writes(sql: str) -> bool:
    return sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")


def _probe(path: str) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchall()
    finally:
        conn.close()


def _check_path(path: Path | str) -> None:
    """Problems with the path itself, named before SQLite reports them vaguely.

    Raises:
        StorageError: the path is a folder, or its folder cannot be created.
    """
    if str(path) == ":memory:":
        return
    file = Path(path)
    if file.is_dir():
        raise StorageError(f"the database {file} is a folder, not a file; set [storage] database "
                           "to a file path (for example briefbot-data/briefbot.db)")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StorageError(f"cannot create the folder for the database {file}: {e.strerror}; "
                           "create it or set [storage] database to another path") from e


def _translate(path: Path | str, error: BaseException, busy_timeout: float) -> StorageError:
    """One line naming the file, what went wrong and what to do."""
    text = str(error)
    lower = text.lower()
    if "locked" in lower or "busy" in lower:
        return StorageBusy(f"the database {path} is locked by another writer (waited "
                           f"{busy_timeout:g} s); it is retried at the next run")
    if "readonly" in lower or "read-only" in lower:
        return StorageError(f"the database {path} is read-only ({text}): make the file and its "
                            "folder writable for this user, or set [storage] database to "
                            "another file")
    if "unable to open" in lower or "authorization" in lower:
        return StorageError(f"cannot open the database {path} ({text}): check that the file and "
                            "its folder are readable and writable for this user, or set "
                            "[storage] database to another file")
    if "not a database" in lower or "malformed" in lower or "corrupt" in lower:
        return StorageError(f"{path} is not a usable briefbot database ({text}): restore it from "
                            "a backup, or set [storage] database to another file")
    return StorageError(f"the database {path} failed: {text}")

"""Opening the SQLite database: pragmas, migrations and the per-domain stores."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType

import aiosqlite

from bot.errors import StorageError
from bot.storage.schema import MIGRATIONS


class Database:
    """One aiosqlite connection (WAL, busy_timeout, foreign keys) shared by the domain stores."""

    def __init__(self, conn: aiosqlite.Connection, path: Path | str) -> None:
        self.conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """One write transaction; nested uses in the same task join the outer one, so that an
        item, its claims and what is derived from them are committed together (and once). Other
        tasks wait their turn: they share the one connection."""
        task = asyncio.current_task()
        if self._owner is not None and self._owner is task:
            yield
            return
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            self._owner = task
            try:
                yield
            except BaseException:
                self._owner = None
                await self.conn.execute("ROLLBACK")
                raise
            self._owner = None
            try:
                await self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                raise

    async def version(self) -> tuple[int, int]:
        """Changes so far: rows this connection wrote, and commits by other connections. Equal
        versions mean equal contents, so a reader may keep what it built from them."""
        async with self.conn.execute("PRAGMA data_version") as cur:
            row = await cur.fetchone()
        return self.conn.total_changes, int(row[0]) if row else 0

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open (creating folders and the file) and migrate.

        Raises:
            StorageError: the file cannot be opened or has a newer schema than this briefbot knows.
        """
        if str(path) != ":memory:":
            p = Path(path)
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StorageError(f"cannot create the folder for {p}: {e.strerror}") from e
        try:
            conn = await aiosqlite.connect(str(path), isolation_level=None)
        except sqlite3.Error as e:
            raise StorageError(f"cannot open the database {path}: {e}") from e
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA busy_timeout = 10000")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as e:
            # close, or the connection's thread keeps the process alive after the error
            await conn.close()
            raise StorageError(f"cannot open the database {path}: {e}") from e
        db = cls(conn, path)
        try:
            await db.migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def migrate(self) -> None:
        try:
            async with self.conn.execute("PRAGMA user_version") as cur:
                row = await cur.fetchone()
            version = int(row[0]) if row else 0
            if version > len(MIGRATIONS):
                raise StorageError(
                    f"the database {self.path} has schema version {version}, newer than this "
                    f"briefbot knows ({len(MIGRATIONS)}); upgrade briefbot or use another file"
                )
            for index in range(version, len(MIGRATIONS)):
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _statements(MIGRATIONS[index]):
                        await self.conn.execute(statement)
                    await self.conn.execute(f"PRAGMA user_version = {index + 1}")
                    await self.conn.execute("COMMIT")
                except BaseException:
                    await self.conn.execute("ROLLBACK")
                    raise
        except sqlite3.Error as e:
            raise StorageError(f"cannot migrate the database {self.path}: {e}") from e

    async def close(self) -> None:
        await self.conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (our scripts have no semicolons inside strings)."""
    parts = []
    for raw in script.split(";"):
        lines = [line.split("--", 1)[0] for line in raw.splitlines()]
        statement = "\n".join(lines).strip()
        if statement:
            parts.append(statement)
    return parts

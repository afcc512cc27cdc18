"""The PostgreSQL engine: an asyncpg pool, the same migrations as SQLite, errors as StorageError.

Why asyncpg (not psycopg 3): it is asyncio-native with no libpq underneath (wheels on PyPI, nothing
else to install), its ``Record`` is already the engine's ``Row`` (``row["id"]`` and ``row[0]``), it
speaks the binary protocol with prepared statements cached per connection, and its exceptions are
one class per SQLSTATE, so the translation below is a lookup rather than parsing messages.

Every call into asyncpg runs inside :func:`bot.storage.engine.wrap_exceptions` with
:func:`translate`; a lost connection (the server restarted, a proxy dropped it) is retried on a
fresh connection for statements outside a transaction, and a serialization failure or deadlock is
retried as a whole transaction by :meth:`PostgresEngine.run_transaction` (and for single
statements, which are transactions of their own).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractContextManager, asynccontextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import asyncpg

from bot.errors import StorageBusy, StorageError
from bot.storage.engine import Row, wrap_exceptions
from bot.storage.postgres_sql import PostgresTarget, numbered, parse_url, translate_ddl
from bot.storage.schema import MIGRATIONS, migration_script, statements

log = logging.getLogger("briefbot.storage")

T = TypeVar("T")

# pg_advisory_xact_lock key of the migrations: "brie" + "fbot" as two 32-bit halves
MIGRATION_LOCK = 0x62726965_66626F74
VERSION_TABLE = "briefbot_schema_version"
RETRIES = 3  # more attempts after the first, for a lost connection or a serialization failure
_BACKOFF = (0.1, 0.5, 1.5)

_LOST = (
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08
    asyncpg.AdminShutdownError,
    asyncpg.CannotConnectNowError,
    # a connection terminated by the server while the driver was mid-operation ("cannot switch to
    # state …; another operation is in progress"): lost as well, seen when backends are killed
    asyncpg.InternalClientError,
    ConnectionError,
)
_CONFLICT = (asyncpg.SerializationError, asyncpg.DeadlockDetectedError)
_DRIVER_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError,
                  asyncio.TimeoutError)


class PostgresEngine:
    """The :class:`~bot.storage.engine.Engine` of one PostgreSQL database.

    A pool of connections: tasks run their statements side by side. A transaction belongs to the
    task that opened it (its connection is held for the task in a context variable), so nested use
    joins it and other tasks' statements never land in it.
    """

    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, target: PostgresTarget) -> None:
        self.pool = pool
        self.target = target
        self.description = target.description
        self._current: ContextVar[tuple[asyncio.Task[Any] | None, asyncpg.Connection] | None] = \
            ContextVar(f"briefbot-pg-{id(self)}", default=None)
        self._closed = False

    # --- opening ----------------------------------------------------------------------------------

    @classmethod
    async def open(cls, url: str, *, max_connections: int = 10) -> PostgresEngine:
        """Connect and migrate.

        Raises:
            ConfigError: the URL is not a PostgreSQL URL.
            StorageError: the server refused or could not be reached, the login failed, the
                database does not exist, a migration failed or the schema is newer than this code.
        """
        target = parse_url(url)
        with wrap_exceptions(_DRIVER_ERRORS, lambda e: translate(target, e)):
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=max_connections, command_timeout=120, timeout=15)
        engine = cls(pool, target)
        try:
            await engine.migrate()
        except BaseException:
            await engine.close()
            raise
        return engine

    async def migrate(self) -> None:
        """Apply the missing migrations in one transaction under an advisory lock.

        Two processes starting on a new database both find version 0; the second waits at the
        lock until the first committed, then reads the new version and does nothing. DDL is
        transactional in PostgreSQL, so a failed migration leaves the previous schema intact.

        Raises:
            StorageError: a migration failed, or the schema is newer than this code's.
        """
        async with self.transaction():
            await self.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
            await self.execute(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} ("
                               "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
            version = await self.schema_version()
            if version > len(MIGRATIONS):
                raise StorageError(
                    f"the database {self.description} has schema version {version}, newer than "
                    f"this briefbot knows ({len(MIGRATIONS)}); upgrade briefbot or use another "
                    "database")
            for index in range(version, len(MIGRATIONS)):
                for statement in migration_statements(index):
                    await self.execute(statement)
                await self.execute(
                    f"INSERT INTO {VERSION_TABLE} (version, applied_at) "
                    "VALUES (?, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS'))",
                    (index + 1,))
                log.info("%s: applied migration %d", self.description, index + 1)

    # --- the Engine protocol ----------------------------------------------------------------------

    async def execute(self, sql: str, args: Sequence[object] = ()) -> int:
        status: str = await self._run(lambda conn: conn.execute(numbered(sql), *args))
        return _changed(status)

    async def execute_many(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        if not rows:
            return
        await self._run(lambda conn: conn.executemany(numbered(sql), [tuple(r) for r in rows]))

    async def fetch_one(self, sql: str, args: Sequence[object] = ()) -> Row | None:
        row: Row | None = await self._run(lambda conn: conn.fetchrow(numbered(sql), *args))
        return row

    async def fetch_all(self, sql: str, args: Sequence[object] = ()) -> list[Row]:
        rows: list[Row] = list(await self._run(lambda conn: conn.fetch(numbered(sql), *args)))
        return rows

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """READ COMMITTED, as SQLite's writers see each other's commits. A serialization failure
        or deadlock at this level is raised as ``StorageBusy``; :meth:`run_transaction` retries
        the whole body instead."""
        async with self._transaction("read_committed"):
            yield

    async def run_transaction(self, body: Callable[[], Awaitable[T]], *,
                              isolation: str = "read_committed") -> T:
        """Run ``body`` in a transaction; on a serialization failure, a deadlock or a connection
        lost before the commit, roll back and run it again (``RETRIES`` times, with a pause).

        Raises:
            StorageBusy: it still conflicted after the retries.
            StorageError: anything else, or the connection stayed lost.
        """
        if self._own_connection() is not None:
            return await body()  # nested: the outer transaction decides (and retries)

        async def attempt() -> T:
            async with self._transaction(isolation):
                return await body()

        return await self._retrying(attempt, "transaction")

    async def version(self) -> str:
        """The database's current snapshot (xmin:xmax:in-progress ids): it changes whenever a
        writing transaction begins or ends anywhere in the cluster, so equal values mean nothing
        was committed in between. Reads alone never change it."""
        row = await self.fetch_one("SELECT pg_current_snapshot()::text")
        return str(row[0]) if row else ""

    async def schema_version(self) -> int:
        row = await self.fetch_one(f"SELECT COALESCE(MAX(version), 0) FROM {VERSION_TABLE}")
        return int(row[0]) if row else 0

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await asyncio.wait_for(self.pool.close(), timeout=10)
        except (TimeoutError, *_DRIVER_ERRORS):
            self.pool.terminate()

    # --- helpers ----------------------------------------------------------------------------------

    def _wrapped(self) -> AbstractContextManager[None]:
        return wrap_exceptions(_DRIVER_ERRORS, lambda e: translate(self.target, e))

    wrapped = _wrapped  # for the session lock of ``bot.storage.leader``, on a connection of its own

    def _own_connection(self) -> asyncpg.Connection | None:
        current = self._current.get()
        if current is not None and current[0] is asyncio.current_task():
            return current[1]
        return None

    async def _run(self, call: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """One call on the task's transaction connection, else on a pooled connection, retried
        when the connection was lost or the statement (its own transaction) conflicted."""
        conn = self._own_connection()
        if conn is not None:
            with self._wrapped():
                return await call(conn)

        async def attempt() -> T:
            with self._wrapped():
                async with self.pool.acquire() as pooled:
                    return await call(pooled)

        return await self._retrying(attempt, "statement")

    async def _retrying(self, attempt: Callable[[], Awaitable[T]], what: str) -> T:
        """``attempt()``, again after a pause (``RETRIES`` times) when it failed for a lost
        connection, a serialization failure or a deadlock; other errors at once."""
        for number in range(RETRIES + 1):
            try:
                return await attempt()
            except StorageError as e:
                if number == RETRIES or not isinstance(e.__cause__, _LOST + _CONFLICT):
                    raise
                log.warning("%s: %s retried (%s)", self.description, what, _first_line(e))
                await asyncio.sleep(_BACKOFF[min(number, len(_BACKOFF) - 1)])
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def _transaction(self, isolation: str) -> AsyncIterator[None]:
        if self._own_connection() is not None:
            yield  # nested: joins the task's transaction
            return
        with self._wrapped():
            pooled = await self.pool.acquire()
        try:
            with self._wrapped():
                tx = pooled.transaction(isolation=isolation)
                await tx.start()
            token = self._current.set((asyncio.current_task(), pooled))
            try:
                yield
            except BaseException:
                self._current.reset(token)
                with self._wrapped():
                    if not pooled.is_closed():
                        await tx.rollback()
                raise
            self._current.reset(token)
            with self._wrapped():
                await tx.commit()
        finally:
            with self._wrapped():
                await self.pool.release(pooled)


def migration_statements(index: int) -> list[str]:
    """The statements of migration ``index`` (0-based) on PostgreSQL: its own ``"postgresql"``
    text where it has one, else its portable text translated (``postgres_sql.translate_ddl``)."""
    migration = MIGRATIONS[index]
    if isinstance(migration, str):
        return [translate_ddl(s, migration=index + 1) for s in statements(migration)]
    return statements(migration_script(index, "postgresql"))


def _changed(status: str) -> int:
    """Rows changed, from a command tag such as ``INSERT 0 3``, ``UPDATE 2`` or ``DELETE 0``."""
    parts = status.split()
    if parts and parts[0] in ("INSERT", "UPDATE", "DELETE", "MERGE") and parts[-1].isdigit():
        return int(parts[-1])
    return 0


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def translate(target: PostgresTarget, error: BaseException) -> StorageError:
    """One line naming the database (never its password), what went wrong and what to do."""
    where = target.description
    text = _first_line(error)
    if isinstance(error, _CONFLICT):
        return StorageBusy(f"{where}: a concurrent transaction conflicted with this one ({text}); "
                           "it is retried at the next run")
    if isinstance(error, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError):
        return StorageError(f"{where}: authentication failed ({text}); check the user and the "
                            "password in BRIEFBOT_DATABASE_URL or [storage] url (or PGPASSWORD, "
                            "~/.pgpass)")
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return StorageError(f"{where}: the database does not exist; create it "
                            f"(createdb -O {target.user} {target.database}) or fix the URL")
    if isinstance(error, socket.gaierror):
        return StorageError(f"{where}: the host name cannot be resolved ({text}); check the URL")
    if isinstance(error, ConnectionRefusedError):
        return StorageError(f"{where}: connection refused; is PostgreSQL running there, and are "
                            "the host and port in the URL right?")
    if isinstance(error, _LOST):
        return StorageError(f"{where}: the connection was lost ({text}); it is retried at the "
                            "next run")
    if isinstance(error, asyncio.TimeoutError | TimeoutError):
        return StorageError(f"{where}: no answer in time; is the server reachable and not "
                            "overloaded?")
    if isinstance(error, OSError):
        return StorageError(f"{where}: cannot connect ({error.strerror or text}); check the host "
                            "and port in the URL")
    return StorageError(f"{where} failed: {text}")

"""The seam between the stores and a database engine (SQLite now, PostgreSQL beside it).

The stores write their SQL once, with ``?`` placeholders, in portable SQL (``INSERT ... ON
CONFLICT``, ``RETURNING id``, booleans as 0/1, timestamps as ISO text); an engine runs it. Where two
dialects must differ, the stores keep both texts side by side, keyed by ``Engine.dialect``. Every
driver error leaves an engine as a :class:`~bot.errors.StorageError` (see :func:`wrap_exceptions`),
so nothing above storage ever sees ``sqlite3`` or ``asyncpg``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager
from typing import Any, Protocol, runtime_checkable

from bot.errors import StorageError


@runtime_checkable
class Row(Protocol):
    """One result row: by column name (``row["id"]``) and by position (``row[0]``).

    ``sqlite3.Row``/``aiosqlite.Row`` and ``asyncpg.Record`` are rows.
    """

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> Any: ...


class Engine(Protocol):
    """A connection (or pool) to one database, with the schema of ``bot.storage.schema`` applied.

    Every method raises :class:`~bot.errors.StorageError` (or a subclass) for any failure of the
    driver or the database, never the driver's own exception; ``StorageBusy`` when another writer
    kept the write lock beyond the bounded wait, so that a job can retry at its next run.
    """

    dialect: str  # "sqlite" | "postgresql"
    description: str  # for ``check`` and logs: "SQLite /path/file.db"; never a password

    async def execute(self, sql: str, args: Sequence[object] = ()) -> int:
        """Run one statement; returns the number of rows it changed (0 for DDL).

        Raises:
            StorageError: the statement failed (constraint, read-only file, lost connection).
            StorageBusy: the write lock could not be had within the busy timeout.
        """
        ...

    async def execute_many(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        """Run one statement once per row of arguments (an empty ``rows`` does nothing).

        Raises:
            StorageError, StorageBusy: as ``execute``.
        """
        ...

    async def fetch_one(self, sql: str, args: Sequence[object] = ()) -> Row | None:
        """The first row of a query (or of ``INSERT ... RETURNING``), None when there is none.

        Raises:
            StorageError, StorageBusy: as ``execute``.
        """
        ...

    async def fetch_all(self, sql: str, args: Sequence[object] = ()) -> list[Row]:
        """Every row of a query, in the order the query gives.

        Raises:
            StorageError, StorageBusy: as ``execute``.
        """
        ...

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite: the write lock is taken at the
        start, so it never fails half-way for want of it). Committed when the block ends, rolled
        back when it raises. Nested use in the same task joins the outer transaction; other tasks
        wait for it to end.

        Raises:
            StorageBusy: the write lock could not be had within the busy timeout.
            StorageError: begin or commit failed.
        """
        ...

    async def version(self) -> Hashable:
        """A value that changes whenever any connection committed: equal versions mean equal
        contents, so a reader may keep what it built from them.

        Raises:
            StorageError: as ``execute``.
        """
        ...

    async def schema_version(self) -> int:
        """The number of migrations applied (``len(MIGRATIONS)`` once the engine is open).

        Raises:
            StorageError: as ``execute``.
        """
        ...

    async def close(self) -> None:
        """Close the connection(s); safe to call twice. Never raises."""
        ...


def placeholders(count: int) -> str:
    """``?, ?, ?`` for an ``IN (...)`` list of ``count`` values."""
    return ", ".join("?" for _ in range(count))


def chunks(values: Sequence[Any], size: int = 500) -> Iterator[list[Any]]:
    """``values`` in lists of at most ``size``: SQLite limits the arguments of one statement."""
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


async def fetch_in(db: Engine, sql: str, values: Iterable[Any],
                   after: Sequence[object] = ()) -> list[Row]:
    """The rows of ``sql`` for every one of ``values``, whose ``IN ({marks})`` list is filled a
    chunk at a time (SQLite limits the arguments of one statement); ``after`` are the arguments
    that follow the list. Each value is asked once, in sorted order."""
    rows: list[Row] = []
    for chunk in chunks(sorted(set(values))):
        rows.extend(await db.fetch_all(sql.format(marks=placeholders(len(chunk))),
                                       (*chunk, *after)))
    return rows


def pick(engine: Engine, texts: Mapping[str, str]) -> str:
    """The statement for this engine's dialect, where the dialects need different texts."""
    try:
        return texts[engine.dialect]
    except KeyError as e:
        raise StorageError(f"no statement for the {engine.dialect} dialect") from e


@contextmanager
def wrap_exceptions(
    driver_errors: type[BaseException] | tuple[type[BaseException], ...],
    translate: Callable[[BaseException], StorageError],
) -> Iterator[None]:
    """The one place a driver's exceptions become ``StorageError``: each engine wraps every call
    into its driver with this, giving its own ``translate`` (which names the database and says what
    to do). ``StorageError`` itself passes unchanged."""
    try:
        yield
    except StorageError:
        raise
    except driver_errors as e:
        raise translate(e) from e

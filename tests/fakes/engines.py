"""An engine wrapper that lets a test act between two commits of a store: what a crash or another
process can do to a writer, at every point the database can see.

Wrap only the store under test (``LiveStore(Interrupting(storage.db, at=k, action=...))``) and run
it once per ``k`` until ``fired`` stays False: every statement outside a transaction, and every
transaction as a whole, is one point. Inside a transaction nothing is interrupted: a process that
dies there leaves nothing (the database rolls it back), the same as dying just before it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from bot.storage.engine import Engine, Row


class Crash(BaseException):
    """The process died here: nothing after it runs (a BaseException, so no handler of the code
    under test catches it)."""


class Interrupting:
    """:class:`~bot.storage.engine.Engine` over ``db``; ``action`` runs before the ``at``-th
    point (1-based), once."""

    def __init__(self, db: Engine, *, at: int, action: Callable[[], Awaitable[None]]) -> None:
        self.db, self.at, self.action = db, at, action
        self.dialect, self.description = db.dialect, db.description
        self.points = 0
        self.depth = 0
        self.fired = False

    async def _point(self) -> None:
        if self.depth:
            return
        self.points += 1
        if self.points == self.at:
            self.fired = True
            await self.action()

    async def execute(self, sql: str, args: Sequence[object] = ()) -> int:
        await self._point()
        return await self.db.execute(sql, args)

    async def execute_many(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        await self._point()
        await self.db.execute_many(sql, rows)

    async def fetch_one(self, sql: str, args: Sequence[object] = ()) -> Row | None:
        await self._point()
        return await self.db.fetch_one(sql, args)

    async def fetch_all(self, sql: str, args: Sequence[object] = ()) -> list[Row]:
        await self._point()
        return await self.db.fetch_all(sql, args)

    def transaction(self) -> AbstractAsyncContextManager[None]:
        return self._transaction()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[None]:
        await self._point()
        self.depth += 1
        try:
            async with self.db.transaction():
                yield
        finally:
            self.depth -= 1

    async def version(self) -> Hashable:
        return await self.db.version()

    async def schema_version(self) -> int:
        return await self.db.schema_version()

    async def close(self) -> None:
        await self.db.close()


async def crash() -> None:
    raise Crash

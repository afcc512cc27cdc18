"""The lock that makes one process among the workers on a database the holder of a role (the
Discord gateway without shard settings).

Two ways, one per backend, both released when the holder dies:

- PostgreSQL: ``pg_try_advisory_lock`` on a connection taken out of the pool and kept for the
  process's life. The server releases a session lock when its connection ends, so a SIGKILLed
  holder frees the role at once (as soon as the server sees the socket close). A holder checks
  its connection at every renewal: a lost connection means a lost lock.
- SQLite: a row in ``leases`` with an expiry, renewed by its holder (``LeasesStorage.take``); a
  holder that died frees the role when the row expires.
"""

from __future__ import annotations

import logging
import zlib
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.errors import StorageError
from bot.storage.postgres import PostgresEngine
from bot.storage.protocols import LeasesStorage

log = logging.getLogger(__name__)


class RoleLock(Protocol):
    """Held by at most one process at a time."""

    async def hold(self, now: datetime) -> bool:
        """Take the lock, or confirm (renew) it when this process holds it: True when held now.

        Raises:
            StorageError: the database could not be asked (the state is unknown: try again).
        """
        ...

    async def release(self) -> None:
        """Let go (a clean stop), so another process takes the role at once. Never raises."""
        ...


def advisory_key(name: str) -> int:
    """A stable 63-bit key for ``pg_try_advisory_lock`` from the role's name."""
    return 0x6272_0000_0000_0000 | zlib.crc32(name.encode())


class AdvisoryLock:
    """:class:`RoleLock` on PostgreSQL: a session advisory lock on a connection of its own."""

    def __init__(self, engine: PostgresEngine, name: str) -> None:
        self.engine = engine
        self.key = advisory_key(name)
        self._conn: Any = None  # an asyncpg connection held out of the pool while the lock is ours

    async def hold(self, now: datetime) -> bool:
        if self._conn is not None:
            return await self._still_ours()
        with self.engine.wrapped():
            conn = await self.engine.pool.acquire()
        try:
            with self.engine.wrapped():
                taken = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key))
        except BaseException:
            await self._drop(conn)
            raise
        if not taken:
            with self.engine.wrapped():
                await self.engine.pool.release(conn)
            return False
        self._conn = conn
        return True

    async def _still_ours(self) -> bool:
        try:
            with self.engine.wrapped():
                await self._conn.fetchval("SELECT 1")
            return True
        except StorageError as e:  # the server closed the session: its lock is gone with it
            log.warning("the connection holding the gateway lock was lost: %s", e)
            conn, self._conn = self._conn, None
            await self._drop(conn)
            return False

    async def _drop(self, conn: Any) -> None:
        try:
            with self.engine.wrapped():
                conn.terminate()
                await self.engine.pool.release(conn)
        except StorageError:  # the pool had already let go of the broken connection
            pass

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            with self.engine.wrapped():
                await conn.fetchval("SELECT pg_advisory_unlock($1)", self.key)
                await self.engine.pool.release(conn)
        except StorageError:  # the session ends with the connection, and its lock with it
            await self._drop(conn)


class LeaseLock:
    """:class:`RoleLock` on a ``leases`` row that expires ``lease`` after its last renewal."""

    def __init__(self, leases: LeasesStorage, name: str, owner: str, *, lease: timedelta) -> None:
        self.leases = leases
        self.name = name
        self.owner = owner
        self.lease = lease
        self._held = False

    async def hold(self, now: datetime) -> bool:
        self._held = await self.leases.take(self.name, self.owner, now, until=now + self.lease)
        return self._held

    async def release(self) -> None:
        if not self._held:
            return
        self._held = False
        try:
            await self.leases.give_up(self.name, self.owner)
        except StorageError as e:  # it expires on its own
            log.warning("could not give up the %s lease: %s", self.name, e)


def role_lock(db: object, leases: LeasesStorage, name: str, owner: str, *,
              lease: timedelta) -> RoleLock:
    """The lock of role ``name`` for this backend: an advisory lock on PostgreSQL, else a lease."""
    if isinstance(db, PostgresEngine):
        return AdvisoryLock(db, name)
    return LeaseLock(leases, name, owner, lease=lease)

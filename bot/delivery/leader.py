"""Which process holds the Discord gateway when there are no shard settings: the leader.

Discord delivers each interaction over a gateway connection; with several ``briefbot run``
processes and one shard, exactly one of them may hold it, and the others post through REST only.
The leader is whoever holds the role lock (``bot.storage.leader``: an advisory lock on PostgreSQL,
an expiring lease on SQLite). A follower tries to take it every ``retry`` seconds and connects
when it gets it, so a dead leader is replaced within about ``retry`` seconds (on SQLite: once its
lease has lapsed). A leader that loses the lock (its database connection dropped, or its lease
was not renewed in time) must stop using the gateway, or two connections would answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.errors import BriefbotError, StorageError
from bot.ports import Clock
from bot.storage.leader import RoleLock
from bot.storage.protocols import LeasesStorage

log = logging.getLogger(__name__)

GATEWAY_ROLE = "discord-gateway"
ONCE_HOLD = timedelta(hours=1)  # longer than a platform resends a request it got no answer to


class LeadershipLost(BriefbotError):
    """The gateway lock was lost while this process held the gateway."""


@dataclass
class GatewayLeader:
    lock: RoleLock
    clock: Clock
    retry: float  # seconds between a follower's attempts
    renew: float  # seconds between a leader's renewals (a third of an expiring lease)
    leader: bool = False

    async def try_now(self) -> bool:
        """One attempt (at start, so that the start line can say what this process is)."""
        try:
            self.leader = await self.lock.hold(self.clock.now())
        except StorageError as e:
            log.warning("could not ask for the gateway lock (%s); trying again in %g s", e,
                        self.retry)
            self.leader = False
        return self.leader

    async def follow(self, elected: Callable[[], Awaitable[None]]) -> None:
        """Until cancelled: try to take the lock every ``retry`` seconds while following, call
        ``elected`` when it is taken, renew it while leading.

        Raises:
            LeadershipLost: the lock was lost while leading.
        """
        if self.leader:
            await elected()
        while True:
            await asyncio.sleep(self.renew if self.leader else self.retry)
            was_leader = self.leader
            try:
                held = await self.lock.hold(self.clock.now())
            except StorageError as e:  # unknown: a lease outlives a few failed renewals
                log.warning("the gateway lock could not be %s: %s",
                            "renewed" if was_leader else "asked for", e)
                continue
            self.leader = held
            if was_leader and not held:
                raise LeadershipLost("this worker lost the Discord gateway lock (its database "
                                     "connection or lease ended); it stops so that only one "
                                     "process holds the gateway: restart it (systemd does)")
            if held and not was_leader:
                log.warning("took the Discord gateway lock: connecting to the gateway")
                await elected()

    async def release(self) -> None:
        if self.leader:
            self.leader = False
            await self.lock.release()


def once_among_workers(leases: LeasesStorage, worker: str, clock: Clock, kind: str, *,
                       hold: timedelta = ONCE_HOLD) -> Callable[[str], Awaitable[bool]]:
    """``once(key)``: True for exactly one call per ``key`` across every process on the database
    (within ``hold``), e.g. the one that answers a Slack command Slack sent twice.

    ``once`` raises StorageError when the database cannot be asked.
    """

    async def once(key: str) -> bool:
        now = clock.now()
        return await leases.take_once(f"{kind}:{key}", worker, now, until=now + hold)

    return once

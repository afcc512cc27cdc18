"""Which worker this process is, and how long it may hold a feed it is polling.

With several ``briefbot run`` processes on one database, a due feed is leased to one of them
(``bot.storage.leases``) before it is fetched, so each feed is fetched once per interval whatever
the number of workers. The lease (``[workers] feed_lease_seconds``) is renewed every third of its
length while the poll runs, so a slow feed (many article pages, a server trickling bytes) is never
taken by a second worker mid-poll; it is released when the poll ends, and a worker that dies holds
its feeds only until the lease lapses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta

from bot.errors import StorageError
from bot.ports import Clock
from bot.storage.protocols import LeasesStorage

log = logging.getLogger(__name__)

WORKER_VARIABLE = "BRIEFBOT_WORKER_ID"


def worker_id(env: Mapping[str, str] | None = None) -> str:
    """``BRIEFBOT_WORKER_ID`` when set (e.g. ``briefbot@2`` under systemd), else host:pid: unique
    among the processes sharing a database, and readable in ``/sources``."""
    env = os.environ if env is None else env
    named = env.get(WORKER_VARIABLE, "").strip()
    return named or f"{socket.gethostname()}:{os.getpid()}"


@contextlib.asynccontextmanager
async def kept_leased(
    leases: LeasesStorage, source_id: int, worker: str, clock: Clock, lease: timedelta
) -> AsyncIterator[None]:
    """While the block runs, ``worker``'s lease of the feed is renewed every third of ``lease``
    (to ``lease`` from then): a poll slower than the lease keeps its feed."""
    renewal = asyncio.create_task(_renew(leases, source_id, worker, clock, lease),
                                  name=f"renew lease of source {source_id}")
    try:
        yield
    finally:
        renewal.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewal


async def _renew(
    leases: LeasesStorage, source_id: int, worker: str, clock: Clock, lease: timedelta
) -> None:
    while True:
        await asyncio.sleep(lease.total_seconds() / 3)
        try:
            kept = await leases.renew(source_id, worker, until=clock.now() + lease)
        except StorageError as e:  # two more tries before the lease lapses
            log.warning("the lease of feed %d could not be renewed: %s", source_id, e)
            continue
        if not kept:
            log.warning("the lease of feed %d lapsed while %s polled it (the worker was stalled "
                        "longer than [workers] feed_lease_seconds); another worker may poll it "
                        "too", source_id, worker)
            return

"""Which worker this process is, and how long it may hold a feed it is polling.

With several ``briefbot run`` processes on one database, a due feed is leased to one of them
(``bot.storage.leases``) before it is fetched, so each feed is fetched once per interval whatever
the number of workers. The lease is generous (a poll with its article pages ends well within it)
and is released when the poll ends; a worker that dies holds its feeds only until the lease lapses.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from datetime import timedelta

FEED_LEASE = timedelta(minutes=10)
WORKER_VARIABLE = "BRIEFBOT_WORKER_ID"


def worker_id(env: Mapping[str, str] | None = None) -> str:
    """``BRIEFBOT_WORKER_ID`` when set (e.g. ``briefbot@2`` under systemd), else host:pid: unique
    among the processes sharing a database, and readable in ``/sources``."""
    env = os.environ if env is None else env
    named = env.get(WORKER_VARIABLE, "").strip()
    return named or f"{socket.gethostname()}:{os.getpid()}"

"""Giving the event loop its turn during long stretches of ingest work that must run on it.

Some ingest steps are plain Python over many rows and read or write the store between their
steps: the ledger update after a feed poll (keys, candidates, comparisons for every new claim),
the planning of a feed's entries, building hundreds of articles. They cannot move to the analysis
processes (those have no database connection), and between two awaits of theirs that really wait,
nothing else runs on the loop: a 500-item feed used to stall heartbeats and commands for up to
half a second. ``await pace()`` inside such loops hands the loop over whenever the code has held it
for ``BUDGET`` since the loop last had a turn, so no stall is much longer than that.

Only the order in which the loop interleaves other tasks changes: the work and its results stay
the same, and the caller's transaction stays open across the turns (other tasks' writes wait for
it, as they wait for any transaction).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from weakref import WeakKeyDictionary

BUDGET = 0.02  # seconds of work on the loop before it gets a turn


class _Pacer:
    """The time the loop last had a turn, as seen by a callback queued at the first ``pace``
    after it: a stretch of work that really awaited (the database) refreshes it by itself.

    Tasks over the budget wait in line and each turn wakes the first of them only: waking them
    all at every turn (``sleep(0)`` in each) made a thousand article builders paced at once cost
    a thousand wake-ups per turn, a quarter of a 1,000-item poll."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.since = time.perf_counter()
        self.queued = False
        self.waiting: deque[asyncio.Future[None]] = deque()

    def _queue_turn(self) -> None:
        if not self.queued:  # the next turn refreshes ``since``
            self.queued = True
            self.loop.call_soon(self._turn)

    def _turn(self) -> None:
        self.since = time.perf_counter()
        self.queued = False
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():  # a cancelled task left the line
                waiter.set_result(None)
                return

    async def pace(self) -> None:
        self._queue_turn()
        if time.perf_counter() - self.since <= BUDGET and not self.waiting:
            return
        waiter = self.loop.create_future()
        self.waiting.append(waiter)
        try:
            await waiter  # first in line, after a turn of the loop
        finally:  # also when cancelled after it was woken: else the line would sleep on
            if self.waiting:
                self._queue_turn()  # the next in line goes after the next turn


_pacers: WeakKeyDictionary[asyncio.AbstractEventLoop, _Pacer] = WeakKeyDictionary()


async def pace() -> None:
    """Let the loop run other tasks if this one (or any pacing one) has held it for ``BUDGET``.
    Cheap when it has not: call it once per row or item of a long loop."""
    loop = asyncio.get_running_loop()
    pacer = _pacers.get(loop)
    if pacer is None:
        pacer = _pacers[loop] = _Pacer(loop)
    await pacer.pace()

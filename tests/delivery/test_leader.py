"""The gateway election loop (``bot.delivery.leader.GatewayLeader``) on a scripted lock: a
follower connects once it takes the lock, a leader that loses it stops, and a database error
alone changes nothing (a lease outlives a failed renewal)."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from bot.delivery.leader import GatewayLeader, LeadershipLost
from bot.errors import StorageError
from tests.conftest import FixedClock


class ScriptedLock:
    """Answers ``hold`` from a script (True, False or an error), then keeps the last answer."""

    def __init__(self, *answers: bool | StorageError) -> None:
        self.answers = list(answers)
        self.asked = 0
        self.released = False
        self.eight_asked = asyncio.Event()

    async def hold(self, now: datetime) -> bool:
        self.asked += 1
        if self.asked >= 8:
            self.eight_asked.set()
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, StorageError):
            raise answer
        return answer

    async def release(self) -> None:
        self.released = True


def _leader(lock: ScriptedLock) -> GatewayLeader:
    return GatewayLeader(lock, FixedClock(), retry=0.001, renew=0.001)


async def test_a_follower_retries_and_connects_once_when_it_takes_the_lock() -> None:
    lock = ScriptedLock(False, False, StorageError("down"), False, True)
    leader = _leader(lock)
    assert not await leader.try_now()
    elected = asyncio.Event()
    calls: list[int] = []

    async def on_elected() -> None:
        calls.append(lock.asked)
        elected.set()

    task = asyncio.create_task(leader.follow(on_elected))
    await asyncio.wait_for(elected.wait(), 10)
    await asyncio.wait_for(lock.eight_asked.wait(), 10)  # it keeps renewing: no second election
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert calls == [5] and leader.leader
    await leader.release()
    assert lock.released and not leader.leader


async def test_a_leader_that_loses_the_lock_stops_but_not_for_one_storage_error() -> None:
    lock = ScriptedLock(True, StorageError("busy"), True, False)
    leader = _leader(lock)
    assert await leader.try_now()
    elected: list[bool] = []

    async def on_elected() -> None:
        elected.append(True)

    with pytest.raises(LeadershipLost):
        await asyncio.wait_for(leader.follow(on_elected), 10)
    assert elected == [True]  # connected at once, as the leader it already was
    assert lock.asked == 4

"""``pace()`` hands the event loop over once the work since its last turn exceeds the budget, and
only then; of many tasks paced at once, only those within the budget go on after a turn. Time is
a fake clock that the work advances, so nothing here depends on the machine's speed."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.text import pacing


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def perf_counter(self) -> float:
        return self.now

    def work(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    clock = FakeTime()
    monkeypatch.setattr(pacing.time, "perf_counter", clock.perf_counter)
    return clock


async def ticks_during(work: asyncio.Future[None], log: list[str]) -> None:
    while not work.done():
        log.append("tick")
        await asyncio.sleep(0)


async def test_the_loop_gets_a_turn_once_the_budget_is_spent(fake_time: FakeTime) -> None:
    await pacing.pace()  # a first turn: the pacer starts counting from here
    log: list[str] = []

    async def work() -> None:
        for step in range(10):
            await pacing.pace()
            log.append(f"step {step}")
            fake_time.work(pacing.BUDGET / 4)  # four steps fill the budget

    task = asyncio.ensure_future(work())
    await ticks_during(task, log)
    runs = [0]  # steps between two ticks
    for entry in log:
        if entry == "tick":
            runs.append(0)
        else:
            runs[-1] += 1
    assert sum(runs) == 10
    assert max(runs) <= 5  # never more than the budget and one step
    assert sum(1 for run in runs if run) >= 2  # the ticker ran in between


async def test_no_turn_is_taken_within_the_budget(fake_time: FakeTime) -> None:
    await pacing.pace()
    log: list[str] = []

    async def work() -> None:
        for step in range(3):
            await pacing.pace()
            log.append(f"step {step}")
            fake_time.work(pacing.BUDGET / 10)

    task = asyncio.ensure_future(work())
    await asyncio.sleep(0)  # the task starts and runs its three steps in one go
    assert log == ["step 0", "step 1", "step 2"]
    await task


async def test_many_tasks_share_one_budget(fake_time: FakeTime) -> None:
    """Each task paces once (as the poller's article builders do): after a turn the first
    ones go on and the others wait for the next turn, which comes."""
    await pacing.pace()
    done: list[int] = []
    turns: list[int] = []  # how many tasks had finished at each turn of the ticker

    async def one(index: int) -> None:
        await pacing.pace()
        fake_time.work(pacing.BUDGET / 5)
        done.append(index)

    tasks = asyncio.gather(*(one(i) for i in range(30)))
    for _ in range(100):  # bounded: a waiting task that no turn ever wakes fails, not hangs
        if tasks.done():
            break
        turns.append(len(done))
        await asyncio.sleep(0)
    assert tasks.done(), f"{len(done)} of 30 tasks finished"
    assert sorted(done) == list(range(30))
    per_turn = [b - a for a, b in itertools.pairwise(turns)]
    assert max(per_turn) <= 6


async def test_each_turn_wakes_one_waiting_task(fake_time: FakeTime,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Many tasks over the budget wait in line: the clock is read a few times per task, not once
    per waiting task at every turn (a thousand article builders made that quadratic)."""
    await pacing.pace()
    reads = [0]

    def counted() -> float:
        reads[0] += 1
        return fake_time.now

    monkeypatch.setattr(pacing.time, "perf_counter", counted)
    done: list[int] = []

    async def one(index: int) -> None:
        await pacing.pace()
        fake_time.work(pacing.BUDGET * 2)  # every task spends the budget alone
        done.append(index)

    tasks = asyncio.gather(*(one(i) for i in range(200)))
    for _ in range(2000):
        if tasks.done():
            break
        await asyncio.sleep(0)
    assert tasks.done(), f"{len(done)} of 200 tasks finished"
    assert sorted(done) == list(range(200))
    assert reads[0] <= 4 * 200


async def test_a_cancelled_waiting_task_does_not_hold_up_the_line(fake_time: FakeTime) -> None:
    await pacing.pace()
    await asyncio.sleep(0)  # the turn queued above
    fake_time.work(pacing.BUDGET * 2)  # then work past the budget: both tasks must wait
    finished: list[str] = []

    async def one(name: str) -> None:
        await pacing.pace()
        finished.append(name)

    first = asyncio.ensure_future(one("first"))
    second = asyncio.ensure_future(one("second"))
    await asyncio.sleep(0)  # both wait in line
    first.cancel()
    await asyncio.wait_for(second, timeout=5)
    assert finished == ["second"]
    assert first.cancelled()


async def test_a_task_cancelled_after_it_was_woken_hands_the_turn_on() -> None:
    """The woken task queues the next turn; cancelled between its wake-up and its resumption
    (a timeout firing in the same pass), it must still do so, or the rest of the line sleeps
    until some other task paces."""
    pacer = pacing._Pacer(asyncio.get_running_loop())
    pacer.since -= 10 * pacing.BUDGET  # over the budget: both wait in line
    pacer.queued = True  # no turn runs on its own: this test turns the loop's pacer by hand
    first = asyncio.create_task(pacer.pace())
    second = asyncio.create_task(pacer.pace())
    await asyncio.sleep(0)  # both tasks run to their wait
    assert len(pacer.waiting) == 2
    pacer.queued = False
    pacer._turn()  # wakes the first in line...
    first.cancel()  # ...which is cancelled before it runs again
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, timeout=5)  # a guard against a hang, not a timing

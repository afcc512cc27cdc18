"""Fixtures for delivery tests: a real SQLite file, the services, a fake clock and a fake sleep."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import DeliveryConfig
from bot.delivery.service import DeliveryService
from bot.delivery.subscriptions import SubscriptionService
from bot.storage import Storage
from tests.conftest import FixedClock
from tests.fakes.delivery import RecordingPublisher, build_digest


class FakeSleep:
    """Backoff without waiting: records the delay and moves the clock; ``gate`` holds it open."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.delays: list[float] = []
        self.gate: asyncio.Event | None = None
        self.waiting = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.waiting.set()
        if self.gate is not None:
            await self.gate.wait()
        self.clock.current += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 1, 10, 12, 0, tzinfo=UTC))


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    s = await Storage.open(tmp_path / "delivery.db")
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
def subs(storage: Storage, clock: FixedClock) -> SubscriptionService:
    return SubscriptionService(storage.deliveries, clock)


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher("discord")


@pytest.fixture
def sleep(clock: FixedClock) -> FakeSleep:
    return FakeSleep(clock)


@pytest.fixture
def service(subs: SubscriptionService, publisher: RecordingPublisher, clock: FixedClock,
            sleep: FakeSleep) -> DeliveryService:
    return DeliveryService(subs, {"discord": publisher}, build_digest, clock, sleep=sleep,
                           settings=DeliveryConfig(grace_hours=6, lease_seconds=300,
                                                   max_attempts=4),
                           owner="test-owner")

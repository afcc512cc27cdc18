"""Child-process bodies for the multi-process tests (started with multiprocessing "spawn").

Each child opens the same SQLite file (WAL) on its own connection and runs the real services; the
clock is fixed from an argument, so nothing waits on wall time. Results go to JSON files.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from adapters.console_publisher import ConsolePublisher
from bot.config import Config, DeliveryConfig, DigestConfig
from bot.delivery.runtime import DeliveryRuntime
from bot.delivery.service import DeliveryService
from bot.delivery.subscriptions import SubscriptionService
from bot.model import Receipt, Reply, Target
from bot.storage import Storage
from bot.storage.deliveries import SubscriptionRow
from tests.fakes.delivery import FilePublisher, build_digest

SETTINGS = DeliveryConfig(grace_hours=6, lease_seconds=300, max_attempts=3)


class Clock:
    def __init__(self, now: str) -> None:
        self.current = datetime.fromisoformat(now)

    def now(self) -> datetime:
        return self.current


def _outcomes(outcomes: list[Any]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(o) for o in outcomes]


async def _service(db: str, publisher: Any, now: str, build: Any = build_digest
                   ) -> tuple[Storage, DeliveryService]:
    storage = await Storage.open(db)
    clock = Clock(now)
    subs = SubscriptionService(storage.deliveries, clock)
    return storage, DeliveryService(subs, {"discord": publisher}, build, clock, settings=SETTINGS)


def race(db: str, posts: str, sub_ids: list[str], now: str, barrier: Any, out: str,
         who: str) -> None:
    """For each subscription: wait at the barrier with the other process, then deliver."""

    async def main() -> list[dict[str, Any]]:
        storage, service = await _service(db, FilePublisher(Path(posts), who=who), now)
        results = []
        try:
            for sub_id in sub_ids:
                barrier.wait(timeout=30)  # both processes go at once
                results += _outcomes(await service.deliver_subscription(sub_id))
        finally:
            await storage.close()
        return results

    Path(out).write_text(json.dumps(asyncio.run(main())))


def crash(db: str, posts: str, now: str, point: str) -> None:
    """Claim the due slot, then SIGKILL ourselves: "after_claim" (before any publish call) or
    "after_send" (the post is on the platform, the log does not know yet)."""

    def die_while_building(sub: SubscriptionRow, since: datetime, until: datetime) -> Reply:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")

    async def main() -> None:
        publisher = FilePublisher(Path(posts), who="first", kill_after_post=point == "after_send")
        build = die_while_building if point == "after_claim" else build_digest
        _, service = await _service(db, publisher, now, build)
        await service.deliver_due()
        raise AssertionError("the child should have been killed")

    asyncio.run(main())


def restart(db: str, posts: str, now: str, out: str, can_tell: bool) -> None:
    """A fresh process: catch up at start, as ``briefbot run`` does."""

    async def main() -> list[dict[str, Any]]:
        publisher = FilePublisher(Path(posts), who="second", can_tell=can_tell)
        storage, service = await _service(db, publisher, now)
        try:
            return _outcomes(await service.catch_up())
        finally:
            await storage.close()

    Path(out).write_text(json.dumps(asyncio.run(main())))


class _KillAfterPosting(ConsolePublisher):
    async def publish(self, target: Target, reply: Reply, *, idempotency_key: str) -> Receipt:
        receipt = await super().publish(target, reply, idempotency_key=idempotency_key)
        os.kill(os.getpid(), signal.SIGKILL)
        return receipt


def run_bot(db: str, screen: str, journal: str, now: str, out: str, kill_after_post: bool) -> None:
    """The start sequence of ``briefbot run`` (DeliveryRuntime) with the console publisher."""

    async def main(stream: TextIO) -> list[dict[str, Any]]:
        storage = await Storage.open(db)
        config = Config(digests=(DigestConfig(platform="console", channel="console",
                                              time="08:00", timezone="Europe/Berlin"),),
                        delivery=SETTINGS)
        cls = _KillAfterPosting if kill_after_post else ConsolePublisher
        publisher = cls(stream, journal=Path(journal))
        runtime = DeliveryRuntime.build(config, storage, Clock(now), {"console": publisher},
                                        build_digest)
        try:
            return _outcomes(await runtime.start(wait_for_catch_up=True))
        finally:
            await runtime.stop()
            await storage.close()

    with Path(screen).open("a", encoding="utf-8") as stream:
        results = asyncio.run(main(stream))
    Path(out).write_text(json.dumps(results))

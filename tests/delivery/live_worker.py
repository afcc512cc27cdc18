"""Child-process body for the live SIGKILL test (started with multiprocessing "spawn"): one tick
of the real live delivery on its own connection, posting to an append-only file."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from bot.delivery.live import LiveDelivery
from bot.storage import Storage
from tests.delivery.proc_worker import Clock
from tests.fakes.delivery import FilePublisher


def tick(db: str, posts: str, now: str, who: str, kill_after_post: bool) -> None:
    async def main() -> None:
        storage = await Storage.open(db)
        try:
            publisher = FilePublisher(Path(posts), who=who, kill_after_post=kill_after_post)
            live = LiveDelivery(storage, {"discord": publisher}, Clock(now), owner=who)
            await live.tick()
        finally:
            await storage.close()

    datetime.fromisoformat(now)  # fail early on a bad argument
    asyncio.run(main())

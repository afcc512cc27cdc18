"""Fakes for delivery tests: publishers that record (in memory or in a file), a digest builder.

Also imported by the child processes of the multi-process tests, so nothing here needs pytest.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.errors import PublishError
from bot.model import Receipt, Reply, Section, Target
from bot.storage.deliveries import SubscriptionRow


def build_digest(sub: SubscriptionRow, since: datetime, until: datetime) -> Reply:
    return Reply(title=f"digest {sub.id}",
                 sections=(Section(heading=f"{since.isoformat()} .. {until.isoformat()}"),))


@dataclass
class Post:
    target: Target
    reply: Reply
    key: str
    message_id: str


class RecordingPublisher:
    """In memory. ``failures[channel]`` are raised one per call before posting; ``gates[channel]``
    makes a post wait until the test sets the event; ``can_tell=False``: find_existing cannot."""

    def __init__(self, platform: str = "discord", *, can_tell: bool = True) -> None:
        self.platform = platform
        self.can_tell = can_tell
        self.posts: list[Post] = []
        self.failures: dict[str, list[Exception]] = defaultdict(list)
        self.after_post_failures: dict[str, list[Exception]] = defaultdict(list)
        self.gates: dict[str, asyncio.Event] = {}
        self.posted: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.calls: list[str] = []

    async def publish(self, target: Target, reply: Reply, *, idempotency_key: str) -> Receipt:
        self.calls.append(target.channel)
        if target.channel in self.gates:
            await self.gates[target.channel].wait()
        if self.failures[target.channel]:
            raise self.failures[target.channel].pop(0)
        message_id = f"m{len(self.posts) + 1}"
        self.posts.append(Post(target, reply, idempotency_key, message_id))
        self.posted[target.channel].set()
        if self.after_post_failures[target.channel]:  # posted, but the answer got lost
            raise self.after_post_failures[target.channel].pop(0)
        return Receipt(message_id)

    async def find_existing(self, target: Target, idempotency_key: str) -> Receipt | None:
        if not self.can_tell:
            raise NotImplementedError
        for post in self.posts:
            if post.key == idempotency_key and post.target == target:
                return Receipt(post.message_id)
        return None

    def channels(self) -> list[str]:
        return [p.target.channel for p in self.posts]


class FilePublisher:
    """Appends one JSON line per post to ``path`` (fsynced), so posts survive the poster's death.

    ``kill_after_post``: SIGKILL this process right after a post is on "the platform", before
    ``publish`` returns, i.e. between send and confirmation.
    """

    def __init__(self, path: Path, *, platform: str = "discord", can_tell: bool = True,
                 kill_after_post: bool = False, who: str = "") -> None:
        self.path = path
        self.platform = platform
        self.can_tell = can_tell
        self.kill_after_post = kill_after_post
        self.who = who or str(os.getpid())

    async def publish(self, target: Target, reply: Reply, *, idempotency_key: str) -> Receipt:
        message_id = f"{self.who}-{os.urandom(4).hex()}"
        line = json.dumps({"channel": target.channel, "key": idempotency_key, "id": message_id,
                           "title": reply.title, "by": self.who})
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        if self.kill_after_post:
            os.kill(os.getpid(), signal.SIGKILL)
        return Receipt(message_id)

    async def find_existing(self, target: Target, idempotency_key: str) -> Receipt | None:
        if not self.can_tell:
            raise NotImplementedError
        for post in read_posts(self.path):
            if post["key"] == idempotency_key and post["channel"] == target.channel:
                return Receipt(post["id"])
        return None


def read_posts(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class Failing(PublishError):
    """A publisher raising something it should not (a bug); used to check isolation."""

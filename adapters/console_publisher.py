"""The console publisher: scheduled digests printed to a stream, for setups without a platform.

A terminal cannot be asked what it showed, so exactly-once needs help: with a ``journal`` file the
publisher appends each idempotency key after printing, and ``find_existing`` reads it back. Without a
journal ``find_existing`` raises ``NotImplementedError`` (the caller then posts and reports a possible
duplicate). The key is written *after* the text: a crash between the two repeats a digest rather than
losing it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from adapters.console import render_reply
from bot.errors import TransientPublishError
from bot.model import Platform, Receipt, Reply, Target

Renderer = Callable[[Reply], str]


def plain_renderer(reply: Reply) -> str:
    return render_reply(reply, language=reply.language or "en", rich=False)


class ConsolePublisher:
    platform: str = Platform.CONSOLE

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        render: Renderer = plain_renderer,
        journal: Path | None = None,
    ) -> None:
        self.stream = stream
        self.render = render
        self.journal = journal
        self._lock = asyncio.Lock()

    async def publish(self, target: Target, reply: Reply, *, idempotency_key: str) -> Receipt:
        message_id = "console-" + secrets.token_hex(6)
        text = self.render(reply)
        stream = self.stream or sys.stdout
        async with self._lock:
            try:
                stream.write(f"--- digest for console channel {target.channel} ---\n{text}")
                if not text.endswith("\n"):
                    stream.write("\n")
                stream.flush()
                if self.journal is not None:
                    await asyncio.to_thread(self._append, idempotency_key, message_id,
                                            target.channel)
            except OSError as e:
                raise TransientPublishError(f"cannot write to the console: {e}") from e
        return Receipt(message_id=message_id)

    async def find_existing(self, target: Target, idempotency_key: str) -> Receipt | None:
        if self.journal is None:
            raise NotImplementedError("the console keeps no record of what it printed")
        try:
            lines = await asyncio.to_thread(self._read)
        except OSError as e:
            raise TransientPublishError(f"cannot read {self.journal}: {e}") from e
        for line in lines:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[0] == idempotency_key and parts[2] == target.channel:
                return Receipt(message_id=parts[1])
        return None

    def _append(self, key: str, message_id: str, channel: str) -> None:
        assert self.journal is not None
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        with self.journal.open("a", encoding="utf-8") as f:
            f.write(f"{key}\t{message_id}\t{channel}\n")
            f.flush()
            os.fsync(f.fileno())

    def _read(self) -> list[str]:
        assert self.journal is not None
        if not self.journal.exists():
            return []
        return self.journal.read_text(encoding="utf-8").splitlines()

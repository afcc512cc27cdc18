"""The console publisher prints digests and, with a journal, can say what it already printed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from adapters.console_publisher import ConsolePublisher
from bot.model import Reply, Section, Target
from bot.ports import Publisher


async def test_prints_plain_text_and_returns_a_receipt() -> None:
    out = io.StringIO()
    publisher = ConsolePublisher(out)
    assert isinstance(publisher, Publisher)
    reply = Reply(title="Daily digest", sections=(Section("Top stories",
                                                          bullets=("a\x1b[31mb",)),))
    receipt = await publisher.publish(Target("console", "console"), reply, idempotency_key="k1")
    text = out.getvalue()
    assert "Daily digest" in text and "Top stories" in text
    assert "\x1b" not in text  # feed text cannot drive the terminal
    assert receipt.message_id.startswith("console-")
    with pytest.raises(NotImplementedError):
        await publisher.find_existing(Target("console", "console"), "k1")


async def test_the_journal_remembers_keys_across_instances(tmp_path: Path) -> None:
    journal = tmp_path / "posted.tsv"
    first = ConsolePublisher(io.StringIO(), journal=journal,
                             render=lambda reply: reply.title)
    target = Target("console", "console")
    receipt = await first.publish(target, Reply(title="x"), idempotency_key="k1")
    second = ConsolePublisher(io.StringIO(), journal=journal)  # e.g. after a restart
    assert await second.find_existing(target, "k1") == receipt
    assert await second.find_existing(target, "k2") is None
    assert await second.find_existing(Target("console", "other"), "k1") is None

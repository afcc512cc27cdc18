"""Seeding the briefing code's memos from what ingest stored, so a command reads no item texts.

``bot.topics.relevance`` and ``bot.briefing.stories`` keep memos of topic scores and story keys;
the scores and keys themselves were computed at ingest (``bot.ingest.derive``) and stored, so a
command hands them over instead of recomputing them.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.briefing.stories import is_remembered, remember
from bot.config import TopicConfig
from bot.model import Item
from bot.storage import Storage
from bot.topics import remember as remember_score


async def seed_story_keys(storage: Storage, items: Sequence[Item]) -> None:
    """Story keys of ``items`` from the stored ones, so clustering reads no texts."""
    missing = [i for i in items if not is_remembered(i)]
    if not missing:
        return
    stored = await storage.prepared.item_keys([i.id for i in missing])
    for item in missing:
        if item.id in stored:
            remember(item, stored[item.id])


def seed_topic_scores(topic: TopicConfig, scored: Sequence[tuple[Item, int]]) -> None:
    """Topic scores of items as ingest stored them (never computed again)."""
    for item, value in scored:
        remember_score(topic, item.title, item.text, value)

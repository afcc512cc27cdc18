"""Seeding the app's story-key memo (``bot.briefing.stories.StoryMemo``) from what ingest
stored, so clustering reads no item texts (the keys were computed at ingest: ``bot.ingest.derive``)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.briefing.stories import StoryMemo
from bot.model import Item
from bot.storage import Storage


async def seed_story_keys(storage: Storage, items: Sequence[Item], memo: StoryMemo) -> None:
    """Story keys of ``items`` from the stored ones, so clustering reads no texts."""
    missing = [i for i in items if not memo.is_remembered(i)]
    if not missing:
        return
    stored = await storage.prepared.item_keys([i.id for i in missing])
    for item in missing:
        if item.id in stored:
            memo.remember(item, stored[item.id])


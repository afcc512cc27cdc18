"""Which items belong to which configured topic: term matching on title and body.

Ingest stores each item's topics with their scores (``item_topics``), so commands select an item's
topics in SQL instead of running every topic's patterns over every stored text. The table is rebuilt
when the configured topics (or this matching code) change: ``topics_fingerprint``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from functools import lru_cache

from bot.config import TopicConfig
from bot.model import Item
from bot.storage import Storage

MATCHING_VERSION = "1"  # bump when ``score`` counts differently: stored scores are rebuilt


@lru_cache(maxsize=256)
def _pattern(term: str) -> re.Pattern[str]:
    # word boundaries where the term starts/ends with a word character; "H20" must not match "H200"
    left = r"(?<!\w)" if term[:1].isalnum() else ""
    right = r"(?!\w)" if term[-1:].isalnum() else ""
    return re.compile(left + re.escape(term) + right, re.IGNORECASE)


def score(topic: TopicConfig, title: str, text: str) -> int:
    """Number of term occurrences; title hits count three times."""
    total = 0
    for term in topic.terms:
        pattern = _pattern(term)
        total += 3 * len(pattern.findall(title)) + len(pattern.findall(text))
    return total


def item_relevance(
    topic: TopicConfig, item: Item, stored: Mapping[int, int] | None = None
) -> int:
    """``item``'s score for ``topic``: from ``stored`` (item id -> score, as ingest stored them; an
    item missing there scores 0) when given, else counted in its title and text."""
    if stored is not None:
        return stored.get(item.id, 0)
    return score(topic, item.title, item.text)


def topic_scores(topics: tuple[TopicConfig, ...], title: str, text: str) -> dict[str, int]:
    """{topic name: score} of the topics an item matches, in config order."""
    out = {}
    for t in topics:
        value = score(t, title, text)
        if value > 0:
            out[t.name] = value
    return out


def item_topics(topics: tuple[TopicConfig, ...], item: Item) -> list[str]:
    return [t.name for t in topics if score(t, item.title, item.text) > 0]


def matches(topic: TopicConfig, item: Item) -> bool:
    return score(topic, item.title, item.text) > 0


def topics_fingerprint(topics: tuple[TopicConfig, ...]) -> str:
    basis = repr((MATCHING_VERSION, [(t.name, t.terms) for t in topics]))
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


async def sync_item_topics(storage: Storage, topics: tuple[TopicConfig, ...]) -> bool:
    """Rebuild ``item_topics`` when the topics config differs from the one it was built with.

    True when it rebuilt (in one transaction, reading only ids, titles and texts).
    """
    fingerprint = topics_fingerprint(topics)
    if await storage.prepared.meta("topics") == fingerprint:
        return False
    async with storage.db.transaction():
        await storage.prepared.clear_item_topics()
        for item_id, title, text in await storage.items.texts():
            await storage.prepared.set_item_topics(
                item_id, {t.name: score(t, title, text) for t in topics})
        await storage.prepared.set_meta("topics", fingerprint)
    return True

"""Which items belong to which configured topic: term matching on title and body."""

from __future__ import annotations

import re
from functools import lru_cache

from bot.config import TopicConfig
from bot.model import Item


@lru_cache(maxsize=256)
def _pattern(term: str) -> re.Pattern[str]:
    # word boundaries where the term starts/ends with a word character; "H20" must not match "H200"
    left = r"(?<!\w)" if term[:1].isalnum() else ""
    right = r"(?!\w)" if term[-1:].isalnum() else ""
    return re.compile(left + re.escape(term) + right, re.IGNORECASE)


def relevance(topic: TopicConfig, title: str, text: str) -> int:
    """Number of term occurrences; title hits count three times."""
    score = 0
    for term in topic.terms:
        pattern = _pattern(term)
        score += 3 * len(pattern.findall(title)) + len(pattern.findall(text))
    return score


def item_topics(topics: tuple[TopicConfig, ...], item: Item) -> list[str]:
    return [t.name for t in topics if relevance(t, item.title, item.text) > 0]


def matches(topic: TopicConfig, item: Item) -> bool:
    return relevance(topic, item.title, item.text) > 0

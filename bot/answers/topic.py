"""A topic's briefing (``/deepseek``): the state of the story from the items stored on the topic."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from bot.answers.claims import ClaimAnswers
from bot.answers.prepared import (
    NEVER,
    AnswerKey,
    Built,
    PreparedAnswers,
    briefing_parts_data,
    parse_briefing_parts,
    seed_story_keys,
)
from bot.briefing.stories import StoryMemo
from bot.briefing.topic import (
    MAX_CLAIMS,
    MAX_ITEMS,
    BriefingParts,
    briefing_of,
    prepare_topic_briefing,
)
from bot.config import Config, TopicConfig
from bot.delivery.audience import EVERYONE, Audience
from bot.errors import CommandError
from bot.model import Item, Reply
from bot.ports import Clock
from bot.storage import Storage


class TopicBriefings:
    def __init__(self, config: Config, storage: Storage, clock: Clock, claims: ClaimAnswers,
                 memo: StoryMemo, *, prepared: PreparedAnswers | None = None) -> None:
        """``prepared``: where ``/deepseek`` reads its prepared rows (None: built on each call)."""
        self.config = config
        self.memo = memo
        self.storage = storage
        self.clock = clock
        self.claims = claims
        self.language = config.bot.language
        self.prepared = prepared
        if prepared is not None:
            prepared.register("briefing", self._prepare)

    def topic(self, name: str) -> TopicConfig:
        """Raises CommandError for a topic the config does not name."""
        config = self.config.topic(name)
        if config is None:
            raise CommandError(f"unknown topic {name!r}")
        return config

    async def scored(self, name: str, *, newest: int | None = None,
                     audience: Audience = EVERYONE) -> list[tuple[Item, int]]:
        """The items stored as matching topic ``name`` with their stored scores, newest first
        (then the more relevant).

        ``newest``: only the newest so many by publication time, as the briefing takes them.
        ``audience``: only items of the sources it sees.
        """
        self.topic(name)
        if newest is None:
            scored = await self.storage.items.on_topic(name, sources=audience.sources)
        else:
            scored = await self.storage.items.on_topic(name, by="published", limit=newest,
                                                       sources=audience.sources)
        scored.sort(key=lambda p: (p[0].published or p[0].ingested_at, p[1]), reverse=True)
        return scored

    async def briefing(self, name: str, *, language: str | None = None,
                       community: str | None = None) -> Reply:
        """The topic's briefing of what the reader sees: its prepared row (``prepared``) with
        the claims as ranked now (a LIMIT read of the ranks)."""
        language = language or self.language
        audience = await self.claims.audiences.reader(community)
        topic = self.topic(name)
        if self.prepared is None:
            parts = await self._parts(topic, language, audience, self.clock.now())
        else:
            answer = await self.prepared.read(AnswerKey("briefing", audience.sources, name,
                                                        language))
            parts = parse_briefing_parts(json.loads(answer.body))
        claims = await self.claims.filtered(topic=name, audience=audience, limit=MAX_CLAIMS)
        return briefing_of(parts, topic, claims, language)

    async def _prepare(self, key: AnswerKey, now: datetime) -> Built:
        assert key.topic is not None  # briefings are keyed by their topic
        parts = await self._parts(self.topic(key.topic), key.language,
                                  Audience(sources=key.sources), now)
        # only new items change it; the story order is that of ``now`` (FRESH_FOR)
        return Built(json.dumps(briefing_parts_data(parts), ensure_ascii=False),
                     NEVER)

    async def _parts(self, topic: TopicConfig, language: str, audience: Audience,
                     now: datetime) -> BriefingParts:
        """The briefing as data; the CPU-bound part in a thread (off the event loop)."""
        # it reads no more than the newest so many
        scored = await self.scored(topic.name, newest=MAX_ITEMS, audience=audience)
        items = [item for item, _ in scored]
        await seed_story_keys(self.storage, items, self.memo)
        figures = await self.storage.items.figures_many([i.id for i in items])
        story_of = await self.storage.stories.stories_of([i.id for i in items])
        return await asyncio.to_thread(
            prepare_topic_briefing, topic, items, figures, language, now=now,
            topic_scores={item.id: value for item, value in scored}, memo=self.memo,
            story_of=story_of)

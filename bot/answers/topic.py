"""A topic's briefing (``/deepseek``): the state of the story from the items stored on the topic."""

from __future__ import annotations

from bot.answers.claims import ClaimAnswers
from bot.answers.prepared import seed_story_keys
from bot.briefing.stories import StoryMemo
from bot.briefing.topic import MAX_CLAIMS, MAX_ITEMS, build_topic_briefing
from bot.config import Config, TopicConfig
from bot.delivery.audience import EVERYONE, Audience
from bot.errors import CommandError
from bot.model import Item, Reply
from bot.ports import Clock
from bot.storage import Storage


class TopicBriefings:
    def __init__(self, config: Config, storage: Storage, clock: Clock, claims: ClaimAnswers,
                 memo: StoryMemo) -> None:
        self.config = config
        self.memo = memo
        self.storage = storage
        self.clock = clock
        self.claims = claims
        self.language = config.bot.language

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
        language = language or self.language
        audience = await self.claims.audiences.reader(community)
        # it reads no more than the newest so many
        scored = await self.scored(name, newest=MAX_ITEMS, audience=audience)
        items = [item for item, _ in scored]
        await seed_story_keys(self.storage, items, self.memo)
        figures = await self.storage.items.figures_many([i.id for i in items])
        claims = await self.claims.filtered(topic=name, audience=audience, limit=MAX_CLAIMS)
        return build_topic_briefing(self.topic(name), items, figures, claims, language,
                                    now=self.clock.now(),
                                    topic_scores={item.id: value for item, value in scored},
                                    memo=self.memo,
                                    story_of=await self.storage.stories.stories_of(
                                        [i.id for i in items]))

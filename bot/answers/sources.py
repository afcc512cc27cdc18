"""``/sources``: every feed and seed with its health, and the digests a permanent error disabled."""

from __future__ import annotations

from bot.answers.feeds import health_line
from bot.config import Config
from bot.delivery.subscriptions import disabled_notices
from bot.feeds.health import source_health
from bot.i18n import label
from bot.model import Reply, Section
from bot.ports import Clock
from bot.storage import Storage


class SourceAnswers:
    def __init__(self, config: Config, storage: Storage, clock: Clock) -> None:
        self.config = config
        self.storage = storage
        self.clock = clock
        self.language = config.bot.language

    async def sources(self, *, language: str | None = None, community: str | None = None) -> Reply:
        """The config's feeds and seeds; the disabled subscriptions of ``community`` (all of
        them for the operator, ``community`` None)."""
        language = language or self.language
        now = self.clock.now()
        bullets = [health_line(h, language, now)
                   for h in await source_health(self.storage, self.config)]
        sections = [Section("", bullets=tuple(bullets))]  # the title says it: no heading again
        disabled = tuple(await disabled_notices(
            self.storage.deliveries, self.storage.community_subscriptions, community,
            language=language))
        if disabled:
            sections.append(Section(label("subscriptions", language), bullets=disabled))
        return Reply(title=label("sources", language), sections=tuple(sections))

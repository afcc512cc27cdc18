"""``/language``: the language a Discord server or Slack workspace reads, stored per community.

Read from storage at every command (one indexed row), never kept in memory: another process of
the same instance may have changed it.
"""

from __future__ import annotations

from bot.i18n import LANGUAGES
from bot.ports import Clock
from bot.storage.communities import CommunitiesStorage


class CommunityAnswers:
    def __init__(self, store: CommunitiesStorage, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def language_of(self, platform: str, community: str | None) -> str | None:
        """The community's own language; None when it chose none (the config's applies)."""
        if community is None:
            return None
        return await self.store.language(platform, community)

    async def set_language(self, platform: str, community: str, language: str) -> None:
        """Raises ValueError for a language without a label table (the router's choices keep
        users from getting here)."""
        if language not in LANGUAGES:
            raise ValueError(f"no label table for {language!r}")
        await self.store.set_language(platform, community, language, self.clock.now())

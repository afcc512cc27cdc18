"""Community settings: what a Discord server or a Slack workspace chose for itself (``/language``).

One row per (platform, community id); a community without a row reads the config's defaults, so
the table holds only choices people made. The SQL is portable (``ON CONFLICT ... DO UPDATE``,
timestamps as ISO text) and runs on any engine of ``bot.storage``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.storage._util import ts
from bot.storage.engine import Engine


class CommunitiesStorage(Protocol):
    """Settings per community. Every method may raise ``bot.errors.StorageError`` (never a
    driver's own exception)."""

    async def language(self, platform: str, community: str) -> str | None:
        """The language the community chose, None when it chose none (the config decides).

        Raises:
            StorageError: the database could not be read.
        """
        ...

    async def set_language(self, platform: str, community: str, language: str,
                           now: datetime) -> None:
        """Store the community's language (replacing an earlier choice).

        Raises:
            StorageError: the database could not be written.
        """
        ...


class CommunityStore:
    """:class:`CommunitiesStorage` on an engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    async def language(self, platform: str, community: str) -> str | None:
        row = await self.db.fetch_one(
            "SELECT language FROM community_settings WHERE platform = ? AND community_id = ?",
            (platform, community),
        )
        return None if row is None else str(row["language"])

    async def set_language(self, platform: str, community: str, language: str,
                           now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO community_settings (platform, community_id, language, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (platform, community_id) DO UPDATE SET "
            "language = excluded.language, updated_at = excluded.updated_at",
            (platform, community, language, ts(now)),
        )

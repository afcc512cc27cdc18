"""All SQL lives in this package, split by domain, and runs on an engine (``engine.Engine``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.config import Config, database_target
from bot.storage.claim_reads import ClaimReadStore
from bot.storage.claims import ClaimStore
from bot.storage.communities import CommunitiesStorage, CommunityStore
from bot.storage.communities_feeds import (
    CommunitySubscriptionsStorage,
    CommunitySubscriptionStore,
    FeedOwnersStorage,
    FeedOwnerStore,
)
from bot.storage.deliveries import DeliveryStore
from bot.storage.digests import PreparedAnswersStorage, PreparedAnswerStore
from bot.storage.engine import Engine
from bot.storage.items import ItemStore
from bot.storage.leases import LeaseStore
from bot.storage.live import LiveStore
from bot.storage.postgres import PostgresEngine
from bot.storage.postgres_sql import is_postgres_url
from bot.storage.prepared import PreparedStore
from bot.storage.protocols import (
    ClaimReadsStorage,
    ClaimsStorage,
    DeliveriesStorage,
    ItemsStorage,
    LeasesStorage,
    LiveStorage,
    PreparedStorage,
    SourcesStorage,
    StoriesStorage,
)
from bot.storage.sources import SourceStore
from bot.storage.sqlite import DEFAULT_BUSY_TIMEOUT, SQLiteEngine
from bot.storage.stories import StoryStore


class Storage:
    """The engine (``db``) and the domain stores, each a Protocol of ``bot.storage.protocols``."""

    def __init__(self, db: Engine) -> None:
        self.db = db
        self.sources: SourcesStorage = SourceStore(db)
        self.items: ItemsStorage = ItemStore(db)
        self.claims: ClaimsStorage = ClaimStore(db)
        self.deliveries: DeliveriesStorage = DeliveryStore(db)
        self.prepared: PreparedStorage = PreparedStore(db)
        self.leases: LeasesStorage = LeaseStore(db)
        self.communities: CommunitiesStorage = CommunityStore(db)
        self.feed_owners: FeedOwnersStorage = FeedOwnerStore(db)
        self.community_subscriptions: CommunitySubscriptionsStorage = (
            CommunitySubscriptionStore(db))
        self.live: LiveStorage = LiveStore(db)
        self.stories: StoriesStorage = StoryStore(db)
        self.claim_reads: ClaimReadsStorage = ClaimReadStore(db)
        self.answers: PreparedAnswersStorage = PreparedAnswerStore(db)

    @classmethod
    async def open(cls, path: Path | str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Storage:
        """Open and migrate the database: a ``postgresql://`` URL, else an SQLite file.

        Raises:
            StorageError: it cannot be opened, read, written or migrated (one line naming it).
            ConfigError: a PostgreSQL URL that cannot be parsed.
        """
        if is_postgres_url(path):
            return cls(await PostgresEngine.open(str(path)))
        return cls(await SQLiteEngine.open(path, busy_timeout=busy_timeout))

    @classmethod
    async def from_config(cls, config: Config, env: Mapping[str, str] | None = None) -> Storage:
        """The database the configuration names (see ``bot.config.database_target``)."""
        return await cls.open(database_target(config, env),
                              busy_timeout=config.storage.busy_timeout)

    async def check_writable(self) -> None:
        """Try a write inside a transaction that is rolled back (``briefbot check``).

        Raises:
            StorageError: the database cannot be written (read-only file, locked, full disk).
        """
        await check_writable(self.db)

    async def close(self) -> None:
        await self.db.close()


class _Probe(Exception):
    """Raised to roll back the write of ``check_writable``."""


async def check_writable(db: Engine) -> None:
    try:
        async with db.transaction():
            await db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                             ("write-probe", "1"))
            raise _Probe
    except _Probe:
        pass


__all__ = ["Engine", "PostgresEngine", "SQLiteEngine", "Storage"]

"""All SQL lives in this package, split by domain, so another database can follow later."""

from __future__ import annotations

from pathlib import Path

from bot.storage.claims import ClaimStore
from bot.storage.db import Database
from bot.storage.deliveries import DeliveryStore
from bot.storage.items import ItemStore
from bot.storage.prepared import PreparedStore
from bot.storage.sources import SourceStore


class Storage:
    """The database and its domain stores."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.sources = SourceStore(db)
        self.items = ItemStore(db)
        self.claims = ClaimStore(db)
        self.deliveries = DeliveryStore(db)
        self.prepared = PreparedStore(db)

    @classmethod
    async def open(cls, path: Path | str) -> Storage:
        return cls(await Database.open(path))

    async def close(self) -> None:
        await self.db.close()


__all__ = ["Database", "Storage"]

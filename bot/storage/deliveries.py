"""Subscriptions and the delivery log (filled in by the delivery issue)."""

from __future__ import annotations

from bot.storage.db import Database


class DeliveryStore:
    def __init__(self, db: Database) -> None:
        self.db = db

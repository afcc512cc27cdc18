"""``/claims`` and the claims every other answer shows: the ledger, filtered, ranked and paged."""

from __future__ import annotations

from collections.abc import Hashable

from bot.claims.query import filter_claims, ledger_claims, page_of, rank
from bot.config import Config
from bot.i18n import label
from bot.model import Claim, Reply, Section
from bot.storage import Storage

PER_PAGE = 10


class ClaimAnswers:
    """Reads the ledger through ``bot.claims.query.ledger_claims``, kept until the database
    changes (``Database.version``): one cache per app, never per process."""

    def __init__(self, config: Config, storage: Storage) -> None:
        self.config = config
        self.storage = storage
        self.language = config.bot.language
        self._ledger: tuple[Hashable, list[Claim]] | None = None

    async def ledger(self) -> list[Claim]:
        """Every claim as a ledger entry (unranked)."""
        version = await self.storage.db.version()
        if self._ledger is not None and self._ledger[0] == version:
            return list(self._ledger[1])
        claims = await ledger_claims(self.storage, topics=[t.name for t in self.config.topics],
                                     language=self.language)
        if await self.storage.db.version() == version:  # nothing written while reading
            self._ledger = (version, claims)
        return list(claims)

    async def filtered(
        self, *, claimant: str | None = None, status: str | None = None, topic: str | None = None
    ) -> list[Claim]:
        """Matching claims, most important first (``bot.claims.query.rank``)."""
        claims = filter_claims(await self.ledger(), claimant=claimant, topic=topic, status=status)
        return rank(claims)

    async def page(
        self, *, claimant: str | None, status: str | None, topic: str | None, page: int
    ) -> Reply:
        claims = await self.filtered(claimant=claimant, status=status, topic=topic)
        shown = page_of(claims, page, PER_PAGE)
        filters = ", ".join(
            f"{k}: {v}" for k, v in (("claimant", claimant), ("status", status), ("topic", topic))
            if v
        )
        title = label("claims", self.language) + (f" ({filters})" if filters else "")
        section = Section(
            heading=f"{len(claims)} · {label('page', self.language)} {page}/{shown.pages}",
            claims=shown.claims,
            text=None if shown.claims else label("no_claims", self.language),
        )
        return Reply(title=title, sections=(section,), page=page, pages=shown.pages)

    async def complete_claimant(self, prefix: str) -> list[str]:
        names = sorted(set(await self.storage.claims.claimants()))
        needle = prefix.casefold()
        return [n for n in names if needle in n.casefold()]

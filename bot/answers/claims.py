"""``/claims`` and the claims every other answer shows: the ledger, filtered, ranked and paged."""

from __future__ import annotations

from collections.abc import Hashable

from bot.claims.query import (
    STATUSES,
    closest_names,
    filter_claims,
    fold,
    ledger_claims,
    name_matches,
    page_of,
    rank,
)
from bot.config import Config
from bot.delivery.audience import EVERYONE, Audience, Audiences
from bot.errors import CommandError
from bot.i18n import count_label, label, phrase
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
        self.audiences = Audiences(config, storage)
        self._ledger: tuple[Hashable, list[Claim]] | None = None

    async def ledger(self, audience: Audience = EVERYONE) -> list[Claim]:
        """Every claim the audience may read as a ledger entry (unranked)."""
        return await self.audiences.claims(audience, await self._whole_ledger())

    async def _whole_ledger(self) -> list[Claim]:
        version = await self.storage.db.version()
        if self._ledger is not None and self._ledger[0] == version:
            return list(self._ledger[1])
        claims = await ledger_claims(self.storage, topics=[t.name for t in self.config.topics],
                                     language=self.language)
        if await self.storage.db.version() == version:  # nothing written while reading
            self._ledger = (version, claims)
        return list(claims)

    async def filtered(
        self, *, claimant: str | None = None, status: str | None = None, topic: str | None = None,
        audience: Audience = EVERYONE,
    ) -> list[Claim]:
        """Matching claims, most important first (``bot.claims.query.rank``)."""
        claims = filter_claims(await self.ledger(audience), claimant=claimant, topic=topic, status=status)
        return rank(claims)

    async def page(
        self, *, claimant: str | None, status: str | None, topic: str | None, page: int,
        language: str | None = None, community: str | None = None,
    ) -> Reply:
        """One page of ``/claims`` of what ``community`` reads; a claimant nobody matches is
        answered with the closest names.

        Raises:
            CommandError: an unknown claimant, status or page (in ``language``).
        """
        language = language or self.language
        ledger = await self.ledger(await self.audiences.reader(community))
        named = claimant
        if claimant:
            known = {c.claimant for c in ledger if c.claimant}
            matched = sorted(name for name in known if name_matches(claimant, name))
            if not matched:
                raise CommandError(_unknown_claimant(claimant, sorted(known), language))
            named = matched[0] if len(matched) == 1 else claimant  # "altmann" -> Sam Altman
        claims = rank(filter_claims(ledger, claimant=claimant, topic=topic, status=status,
                                    language=language))
        shown = page_of(claims, page, PER_PAGE, language=language)
        title = label("claims", language)
        filters = filter_words(claimant=named, status=status, topic=topic, language=language)
        if filters:
            title += f" ({filters})"
        count = count_label(len(claims), "claims_one", "claims_count", language)
        section = Section(  # the page is the footer's (every renderer shows it there)
            heading=count,
            claims=shown.claims,
            text=None if shown.claims else label("no_claims", language),
        )
        return Reply(title=title, sections=(section,), page=page, pages=shown.pages,
                     language=language)

    async def complete_claimant(self, prefix: str, *, community: str | None = None) -> list[str]:
        """Names containing what was typed, accents and case ignored; else the closest names.
        Only claimants of what ``community`` reads: a guild never learns another's names."""
        if community is None:
            names = sorted(set(await self.storage.claims.claimants()))
        else:
            ledger = await self.ledger(await self.audiences.reader(community))
            names = sorted({c.claimant for c in ledger if c.claimant})
        needle = fold(prefix)
        found = [n for n in names if needle in fold(n)]
        return found or closest_names(prefix, names)


def filter_words(
    *, claimant: str | None, status: str | None, topic: str | None, language: str
) -> str:
    """``von: Sam Altman, Status: bestritten``: the filters of a /claims page in words."""
    parts = []
    if claimant:
        parts.append(f"{label('filter_claimant', language)}: {claimant}")
    if status:
        code = STATUSES.get(status.strip().casefold(), status)
        parts.append(f"{label('filter_status', language)}: {label('status_' + code, language)}")
    if topic:
        parts.append(f"{label('filter_topic', language)}: {topic}")
    return ", ".join(parts)


def _unknown_claimant(name: str, known: list[str], language: str) -> str:
    message = phrase("err_unknown_claimant", language, name=repr(name))
    nearest = closest_names(name, known)
    return f"{message}; {phrase('err_closest', language, names=', '.join(nearest))}" if nearest \
        else message

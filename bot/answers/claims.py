"""``/claims`` and the claims every other answer shows: the ledger, filtered, ranked and paged."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.briefing.digest import MAX_CLAIMS
from bot.claims.query import (
    STATUSES,
    closest_names,
    filter_claims,
    fold,
    ledger_claims,
    matching_claimants,
    name_matches,
    page_count,
    page_of,
    rank,
    rank_key,
    status_code,
)
from bot.claims.ranks import (
    Scopes,
    after_prune,
    by_claim,
    entries_and_refs,
    follows_changed,
    ready,
    update_ranks,
    visible,
)
from bot.config import Config
from bot.delivery.audience import EVERYONE, Audience, Audiences
from bot.errors import CommandError
from bot.i18n import count_label, label, phrase
from bot.model import Claim, Reply, Section
from bot.storage import Storage
from bot.storage.claim_reads import RankFilter

PER_PAGE = 10
_Refs = list[tuple[int, str | None]]  # (source id, link) of a claim's items: who may see them
NARROWED_BATCH = 50  # wide rows a narrowed reader's ``filtered`` reads at a time
ENTRIES_KEPT = 5000  # ledger entries an app keeps between commands (by stamp, see _entries)


@dataclass(frozen=True)
class _View:
    """A reader whose claims are ranked at ingest: its overlay scope (None: the base), and the
    sources it sees (None: every source)."""

    overlay: str | None
    sees: Callable[[int], bool] | None


class ClaimAnswers:
    """Reads the claims ranked at ingest (``bot.claims.ranks``): a page is a LIMIT read of an
    index, its entries read by id. Until the ranks are made for the current feeds and topics
    (after a feed was followed, at the next ledger step), the whole ledger
    (``bot.claims.query.ledger_claims``), kept until the database changes (``Database.version``)."""

    def __init__(self, config: Config, storage: Storage) -> None:
        self.config = config
        self.storage = storage
        self.language = config.bot.language
        self.topics = [t.name for t in config.topics]
        self.audiences = Audiences(config, storage)
        self._ledger: tuple[Hashable, list[Claim]] | None = None
        self._scopes: tuple[Hashable, Scopes | None] | None = None
        # claim id -> (stamp, entry, (source id, link) of its items): see ``_entries``
        self._entry_cache: OrderedDict[str, tuple[str, Claim, list[tuple[int, str | None]]]] = (
            OrderedDict())

    async def ledger(self, audience: Audience = EVERYONE) -> list[Claim]:
        """Every claim the audience may read as a ledger entry (unranked): the whole ledger."""
        return await self.audiences.claims(audience, await self._whole_ledger())

    async def _whole_ledger(self) -> list[Claim]:
        version = await self.storage.db.version()
        if self._ledger is not None and self._ledger[0] == version:
            return list(self._ledger[1])
        claims = await ledger_claims(self.storage, topics=self.topics, language=self.language)
        if await self.storage.db.version() == version:  # nothing written while reading
            self._ledger = (version, claims)
        return list(claims)

    async def update_ranks(self, item_ids: list[int]) -> None:
        """The end of the ledger step: the ranks of what these items changed (``bot.claims.ranks``).
        With no items (at start, ``prepare``): nothing but a compare of the stored marker when
        nothing changed; every row again, in chunks with a progress line, after an upgrade."""
        await update_ranks(self.storage, item_ids, topics=self.topics,
                           scopes=await self.audiences.scopes())

    async def prepare(self) -> None:
        """At start, beside ``IngestService.prepare``: the ranks made for the current feeds and
        topics (the one slow start after an upgrade happens here, not in a command)."""
        await self.update_ranks([])

    async def after_prune(self) -> None:
        """After ``ItemsStorage.prune``: the claims that lost some of their items ranked again."""
        await after_prune(self.storage, topics=self.topics, scopes=await self.audiences.scopes())

    async def follows_changed(self) -> None:
        """After ``/feeds add`` or ``/feeds remove``: the community's overlay ranked again now
        (only the claims of the feeds it gained or lost), so its reads stay on the ranks."""
        await follows_changed(self.storage, topics=self.topics,
                              scopes=await self.audiences.scopes())

    async def _view(self, audience: Audience) -> _View | None:
        """The reader's ranked scope; None when the ranks are not ready or no scope has these
        readers (a subscription narrowed to some feeds)."""
        scopes = await self._ready_scopes()
        if scopes is None:
            return None
        try:
            overlay = scopes.overlay_of(audience.sources)
        except KeyError:
            return None
        return _View(overlay, None if audience.everything else audience.sees)

    async def _ready_scopes(self) -> Scopes | None:
        """The scopes ranked for, None when the ranks are not made for the current ones; kept
        until the database changes (one read instead of four on each command)."""
        version = await self.storage.db.version()
        if self._scopes is not None and self._scopes[0] == version:
            return self._scopes[1]
        scopes = await self.audiences.scopes()
        made = await ready(self.storage, topics=self.topics, scopes=scopes)
        if await self.storage.db.version() == version:  # nothing written while reading
            self._scopes = (version, scopes if made else None)
        return scopes if made else None

    async def filtered(
        self, *, claimant: str | None = None, status: str | None = None, topic: str | None = None,
        audience: Audience = EVERYONE, limit: int | None = None,
    ) -> list[Claim]:
        """Matching claims, most important first (``bot.claims.query.rank``); the first
        ``limit`` of them (None: all)."""
        view = await self._view(audience)
        if view is not None:
            where = await self._where(view, claimant=claimant, status=status, topic=topic,
                                      language=self.language)
            return await self._entries(view, await self.storage.claim_reads.page(where,
                                                                                 limit=limit))
        scopes = await self._ready_scopes()
        if scopes is None:
            claims = filter_claims(await self.ledger(audience), claimant=claimant, topic=topic,
                                   status=status)
            return rank(claims)[:limit]
        return await self._narrowed(scopes, audience, claimant=claimant, status=status,
                                    topic=topic, limit=limit)

    async def _narrowed(
        self, scopes: Scopes, audience: Audience, *, claimant: str | None, status: str | None,
        topic: str | None, limit: int | None,
    ) -> list[Claim]:
        """``filtered`` for a reader no scope ranks for (a subscription narrowed to some feeds):
        the matching claims of the widest scope (a superset: a narrowed reader sees fewer links
        and disputes, never other claimants or topics), as the reader sees them, ranked again."""
        wide = _View(scopes.overlay_of(None), None)
        where = await self._where(wide, claimant=claimant, status=status, topic=topic,
                                  language=self.language)
        batch = None if limit is None else max(limit, NARROWED_BATCH)
        found: list[Claim] = []
        offset = 0
        while True:
            ids = await self.storage.claim_reads.page(where, limit=batch, offset=offset)
            kept, refs = await self._kept(ids)
            seen = visible(kept, refs, audience.sees)
            fresh = filter_claims(seen, status=status, language=self.language)
            # a re-rank between two batches can move a claim past the offset: list it once
            found = rank(list({c.id: c for c in [*found, *fresh]}.values()))
            offset += len(ids)
            # a narrowed reader's rank of a claim is never above the widest one (fewer links,
            # fewer disputes): once the last wanted claim outranks the next wide row, stop
            if batch is None or len(ids) < batch or not kept or (
                    limit is not None and len(found) >= limit
                    and rank_key(found[limit - 1]) < rank_key(kept[-1])):
                return found[:limit]

    async def _where(self, view: _View, *, claimant: str | None, status: str | None,
                     topic: str | None, language: str,
                     known: list[str] | None = None) -> RankFilter:
        """``known``: the view's claimants when read already. Raises CommandError for an
        unknown status (in ``language``)."""
        claimants = None
        if claimant:
            if known is None:
                known = await self.storage.claim_reads.claimants(view.overlay)
            claimants = tuple(matching_claimants(claimant, known))
        return RankFilter(overlay=view.overlay, claimants=claimants,
                          status=status_code(status, language),
                          topics=None if topic is None else tuple(
                              n for n in self.topics if n.casefold() == topic.casefold()))

    async def _entries(self, view: _View, ids: list[str]) -> list[Claim]:
        """The entries of ``ids`` as the reader sees them. Entries are kept by the stamp their
        rank rows carry (a hash of the entry when ranked): only those changed since are read."""
        return await self._stamped(ids, view.sees)

    async def _stamped(self, ids: list[str], sees: Callable[[int], bool] | None) -> list[Claim]:
        claims, refs = await self._kept(ids)
        return claims if sees is None else visible(claims, refs, sees)

    async def _kept(self, ids: list[str]) -> tuple[list[Claim], dict[str, _Refs]]:
        """The whole entries of ``ids`` (in that order), and who may see each link of them and of
        their dispute partners (what ``visible`` needs)."""
        stamps = await self.storage.claim_reads.stamps(ids)
        kept = self._entry_cache
        stale = [cid for cid in stamps if cid not in kept or kept[cid][0] != stamps[cid]]
        if stale:
            claims, found = await entries_and_refs(self.storage, stale, topics=self.topics)
            refs = by_claim(found)
            for claim in claims:
                kept[claim.id] = (stamps[claim.id], claim, refs.get(claim.id, []))
        wanted = {cid: kept[cid] for cid in stamps if cid in kept}
        for cid in wanted:
            kept.move_to_end(cid)
        while len(kept) > ENTRIES_KEPT:  # after taking what this read needs: it may ask for more
            kept.popitem(last=False)
        return ([wanted[cid][1] for cid in dict.fromkeys(ids) if cid in wanted],
                {cid: entry[2] for cid, entry in wanted.items()})

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
        audience = await self.audiences.reader(community)
        view = await self._view(audience)
        if view is None:
            return await self._ledger_page(audience, claimant=claimant, status=status,
                                           topic=topic, page=page, language=language)
        named, known = claimant, None
        if claimant:
            known = await self.storage.claim_reads.claimants(view.overlay)
            named = _named(claimant, [n for n in known if n], language)
        where = await self._where(view, claimant=claimant, status=status, topic=topic,
                                  language=language, known=known)
        total = await self.storage.claim_reads.count(where)
        pages = page_count(total, page, PER_PAGE, language=language)
        ids = await self.storage.claim_reads.page(where, limit=PER_PAGE,
                                                  offset=(page - 1) * PER_PAGE)
        words = filter_words(claimant=named, status=status, topic=topic, language=language)
        return _claims_reply(await self._entries(view, ids), total, pages, page,
                             language=language, filters=words)

    async def _ledger_page(
        self, audience: Audience, *, claimant: str | None, status: str | None,
        topic: str | None, page: int, language: str,
    ) -> Reply:
        """``page`` from the whole ledger (no ranks ready)."""
        ledger = await self.ledger(audience)
        named = claimant
        if claimant:
            named = _named(claimant, sorted({c.claimant for c in ledger if c.claimant}), language)
        claims = rank(filter_claims(ledger, claimant=claimant, topic=topic, status=status,
                                    language=language))
        shown = page_of(claims, page, PER_PAGE, language=language)
        words = filter_words(claimant=named, status=status, topic=topic, language=language)
        return _claims_reply(list(shown.claims), len(claims), shown.pages, page,
                             language=language, filters=words)

    async def window_claims(
        self, audience: Audience, *, since: datetime, until: datetime, topic: str | None,
        disputes: Iterable[frozenset[str]] = (),
    ) -> list[Claim]:
        """The claims the digest's ``claim_changes`` can show of a window, as ``audience`` reads
        them: the first MAX_CLAIMS first seen in it in the digest's order, and those with a
        dispute found in it (``disputes``); any other claim it would leave out."""
        view = await self._view(audience)
        if view is None:
            scopes = await self._ready_scopes()
            if scopes is None:
                return await self.ledger(audience)
            # a narrowed reader: every claim of the window, then only what it sees
            overlay, limit = scopes.overlay_of(None), None
            sees: Callable[[int], bool] | None = audience.sees
        else:
            overlay, limit, sees = view.overlay, MAX_CLAIMS, view.sees
        fresh = await self.storage.claim_reads.first_seen_between(
            overlay, since, until, topic=topic, limit=limit)
        disputed = sorted({cid for pair in disputes for cid in pair})
        return await self._stamped([*fresh, *disputed], sees)

    async def complete_claimant(self, prefix: str, *, community: str | None = None) -> list[str]:
        """Names containing what was typed, accents and case ignored; else the closest names.
        Only claimants of what ``community`` reads: a guild never learns another's names."""
        if community is None:
            names = sorted(set(await self.storage.claims.claimants()))
        else:
            audience = await self.audiences.reader(community)
            view = await self._view(audience)
            if view is None:
                names = sorted({c.claimant for c in await self.ledger(audience) if c.claimant})
            else:
                names = [n for n in await self.storage.claim_reads.claimants(view.overlay) if n]
        needle = fold(prefix)
        found = [n for n in names if needle in fold(n)]
        return found or closest_names(prefix, names)


def _named(claimant: str, known: Sequence[str], language: str) -> str:
    """The name a /claims title shows for what was typed ("altmann" -> Sam Altman).

    Raises:
        CommandError: nobody matches (with the closest names).
    """
    matched = sorted(name for name in set(known) if name_matches(claimant, name))
    if not matched:
        raise CommandError(_unknown_claimant(claimant, sorted(set(known)), language))
    return matched[0] if len(matched) == 1 else claimant


def _claims_reply(shown: Sequence[Claim], total: int, pages: int, page: int, *, language: str,
                  filters: str) -> Reply:
    title = label("claims", language)
    if filters:
        title += f" ({filters})"
    count = count_label(total, "claims_one", "claims_count", language)
    section = Section(  # the page is the footer's (every renderer shows it there)
        heading=count,
        claims=tuple(shown),
        text=None if shown else label("no_claims", language),
    )
    return Reply(title=title, sections=(section,), page=page, pages=pages, language=language)


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

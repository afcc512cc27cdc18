"""Claims ranked at ingest for each audience (migration 9), and the reads of given claims a page
of them needs.

A scope's rows are what ``bot.claims.ranks`` computed for its readers: the rank
(``bot.claims.query.score``, then last and first seen, then id), the flags ``/claims`` filters on
and how many links its readers see. Scope ``''`` holds every claim every community reads; an
overlay scope (a community key, ``'*'`` for the operator) holds only the claims whose rank differs
there, so a reader's view is its overlay rows plus the base rows of every other claim. A page is
an index walk with a LIMIT on each; the reads of its claims go by claim id.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.model import Link
from bot.storage._util import dt, ts
from bot.storage.claims import DisputeRow
from bot.storage.engine import Engine, Row, chunks, fetch_in, placeholders

BASE = ""  # the scope every community reads
_ORDERED = "r.score DESC, r.last_seen DESC, r.first_seen DESC, r.claim_id"  # the indexes' order
_RANK_TABLES = ("claim_ranks", "claim_rank_topics", "claim_rank_refs", "claim_rank_partners")


@dataclass(frozen=True)
class RankRow:
    """One claim's rank in one scope; ``topics``: the configured names of its items' topics."""

    scope: str
    claim_id: str
    score: float
    last_seen: datetime
    first_seen: datetime
    claimant: str | None
    disputed: bool
    no_evidence: bool
    hedged: bool
    sources: int
    topics: tuple[str, ...] = ()
    stamp: str = ""  # a hash of the claim's whole entry: equal stamps, equal entries
    shadows: bool = False  # an overlay row of a claim the base has a row of too


@dataclass(frozen=True)
class ClaimRef:
    """An item reporting a claim, with its source and link: who may see it."""

    claim_id: str
    item_id: int
    source_id: int
    url: str | None


@dataclass
class Mentions:
    """The mentions of some claims: claim id -> (item id, position) by item then position, the
    items' links, and who may see each (by claim then item)."""

    positions: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    links: dict[int, Link] = field(default_factory=dict)
    refs: list[ClaimRef] = field(default_factory=list)


@dataclass(frozen=True)
class RankFilter:
    """What a reader asks for. ``overlay``: the reader's overlay scope (None: the base only);
    ``claimants``: the names to keep (None in it: claims without one), None: anyone;
    ``status``: ``disputed``, ``no_evidence`` or ``hedged``; ``topics``: configured names."""

    overlay: str | None = None
    claimants: tuple[str | None, ...] | None = None
    status: str | None = None
    topics: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Ranked:
    """A rank read back: enough to merge the base and an overlay in rank order."""

    claim_id: str
    score: float
    last_seen: str
    first_seen: str

    def key(self) -> tuple[float, float, float, str]:
        return (-self.score, -_stamp(self.last_seen), -_stamp(self.first_seen), self.claim_id)


class ClaimReadStore:
    """:class:`~bot.storage.protocols.ClaimReadsStorage` on an engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    # --- writes (the end of the ledger step) ------------------------------------------------------

    async def replace(self, claim_ids: Iterable[str], ranks: Sequence[RankRow],
                      refs: Sequence[ClaimRef], partners: Sequence[tuple[str, str]]) -> None:
        ids = sorted(set(claim_ids))
        for chunk in chunks(ids):
            for table in _RANK_TABLES:
                await self.db.execute(
                    f"DELETE FROM {table} WHERE claim_id IN ({placeholders(len(chunk))})", chunk)
        await self.db.execute_many(
            "INSERT INTO claim_ranks (scope, claim_id, score, last_seen, first_seen, claimant, "
            "disputed, no_evidence, hedged, sources, stamp, shadows) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(r.scope, r.claim_id, r.score, ts(r.last_seen), ts(r.first_seen), r.claimant,
              int(r.disputed), int(r.no_evidence), int(r.hedged), r.sources, r.stamp,
              int(r.shadows)) for r in ranks])
        await self.db.execute_many(
            "INSERT INTO claim_rank_topics (scope, topic, claim_id, score, last_seen, first_seen) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(r.scope, topic, r.claim_id, r.score, ts(r.last_seen), ts(r.first_seen))
             for r in ranks for topic in dict.fromkeys(r.topics)])
        await self.db.execute_many(
            "INSERT INTO claim_rank_refs (claim_id, item_id, source_id, url) VALUES (?, ?, ?, ?)",
            [(r.claim_id, r.item_id, r.source_id, r.url) for r in refs])
        await self.db.execute_many(
            "INSERT INTO claim_rank_partners (claim_id, other_id) VALUES (?, ?) "
            "ON CONFLICT DO NOTHING", list(partners))

    async def drop_scope(self, scope: str) -> None:
        for table in ("claim_ranks", "claim_rank_topics"):
            await self.db.execute(f"DELETE FROM {table} WHERE scope = ?", (scope,))

    async def clear(self) -> None:
        for table in _RANK_TABLES:
            await self.db.execute(f"DELETE FROM {table}")

    # --- what to re-rank --------------------------------------------------------------------------

    async def claims_of_items(self, item_ids: Sequence[int]) -> set[str]:
        # the claims the items report now (the ledger's mentions) and those ranked from them
        # (a claim an item no longer reports), in one statement per chunk
        out: set[str] = set()
        for chunk in chunks(sorted(set(item_ids)), 250):
            marks = placeholders(len(chunk))
            rows = await self.db.fetch_all(
                f"SELECT claim_id FROM claim_mentions WHERE item_id IN ({marks}) UNION "
                f"SELECT claim_id FROM claim_rank_refs WHERE item_id IN ({marks})",
                (*chunk, *chunk))
            out.update(str(r[0]) for r in rows)
        return out

    async def ranked_partners(self, claim_ids: Iterable[str]) -> set[str]:
        wanted = set(claim_ids)
        out: set[str] = set()
        for mine, other in (("claim_id", "other_id"), ("other_id", "claim_id")):
            rows = await fetch_in(
                self.db, f"SELECT {other} FROM claim_rank_partners WHERE {mine} IN ({{marks}})",
                wanted)
            out.update(str(r[0]) for r in rows)
        return out

    async def merged_away(self, claim_ids: Iterable[str]) -> set[str]:
        # a claim merged into one of these gave it its mentions: it was ranked from one of their
        # items, and is gone (its rank rows went with it; its refs and partners are left)
        rows = await fetch_in(
            self.db, "SELECT DISTINCT f.claim_id FROM claim_mentions m "
            "JOIN claim_rank_refs f ON f.item_id = m.item_id WHERE m.claim_id IN ({marks}) "
            "AND NOT EXISTS (SELECT 1 FROM claims k WHERE k.id = f.claim_id)", claim_ids)
        return {str(r[0]) for r in rows}

    async def ranked_from_gone_items(self) -> set[str]:
        rows = await self.db.fetch_all(
            "SELECT DISTINCT claim_id FROM claim_rank_refs "
            "WHERE item_id NOT IN (SELECT id FROM items)")
        return {str(r[0]) for r in rows}

    async def reported_by(self, source_ids: Iterable[int]) -> set[str]:
        rows = await fetch_in(self.db, "SELECT DISTINCT claim_id FROM claim_rank_refs "
                              "WHERE source_id IN ({marks})", source_ids)
        return {str(r[0]) for r in rows}

    async def all_claim_ids(self) -> builtins.list[str]:
        return [str(r[0]) for r in await self.db.fetch_all("SELECT id FROM claims ORDER BY id")]

    # --- ranked reads -----------------------------------------------------------------------------

    async def page(self, where: RankFilter, *, limit: int | None,
                   offset: int = 0) -> builtins.list[str]:
        if where.overlay is None:
            sql, args = _select(BASE, where, None)
            clause, bounds = _limit(limit, offset)
            rows = await self.db.fetch_all(f"{sql} ORDER BY {_ORDERED}{clause}", (*args, *bounds))
            return [str(r[0]) for r in rows]
        found: builtins.list[Ranked] = []
        for scope, hidden_by in ((where.overlay, None), (BASE, where.overlay)):
            sql, args = _select(scope, where, hidden_by)
            clause, bounds = _limit(None if limit is None else offset + limit, 0)
            rows = await self.db.fetch_all(f"{sql} ORDER BY {_ORDERED}{clause}", (*args, *bounds))
            found += [Ranked(str(r[0]), float(r[1]), str(r[2]), str(r[3])) for r in rows]
        found.sort(key=Ranked.key)
        return [r.claim_id for r in found[offset:None if limit is None else offset + limit]]

    async def count(self, where: RankFilter) -> int:
        total = await self._count(*_select(BASE, where, None, what="COUNT(*)"))
        if where.overlay is None:
            return total
        # the overlay's rows, less the base rows they stand in for: without a filter those are
        # the overlay rows marked ``shadows`` (an index count); with one, the base rows that
        # match and have an overlay row (a probe per matching base row, by key)
        total += await self._count(*_select(where.overlay, where, None, what="COUNT(*)"))
        if where == RankFilter(overlay=where.overlay):
            return total - await self._count(
                "SELECT COUNT(*) FROM claim_ranks WHERE scope = ? AND shadows = 1",
                [where.overlay])
        sql, args = _select(BASE, where, None, what="COUNT(*)")
        return total - await self._count(f"{sql} AND {_IN_OVERLAY}",
                                         [*args, where.overlay])

    async def _count(self, sql: str, args: Sequence[object]) -> int:
        row = await self.db.fetch_one(sql, args)
        return int(row[0]) if row else 0

    async def claimants(self, overlay: str | None) -> builtins.list[str]:
        scopes = [BASE] if overlay is None else [BASE, overlay]
        rows = await self.db.fetch_all(
            "SELECT DISTINCT claimant FROM claim_ranks WHERE claimant IS NOT NULL AND scope IN "
            f"({placeholders(len(scopes))})", scopes)
        return sorted({str(r[0]) for r in rows})

    async def first_seen_between(self, overlay: str | None, since: datetime, until: datetime, *,
                                 topic: str | None, limit: int | None) -> builtins.list[str]:
        out: builtins.list[tuple[tuple[int, int, int, str], str]] = []
        for scope, hidden_by in ((BASE, overlay), (overlay, None)):
            if scope is None:
                continue
            sql = ("SELECT r.claim_id, r.disputed, r.no_evidence, r.sources FROM claim_ranks r "
                   "WHERE r.scope = ? AND r.first_seen >= ? AND r.first_seen <= ?")
            args: builtins.list[object] = [scope, ts(since), ts(until)]
            if topic is not None:
                sql += (" AND EXISTS (SELECT 1 FROM claim_rank_topics t WHERE t.scope = r.scope "
                        "AND t.topic = ? AND t.claim_id = r.claim_id)")
                args.append(topic)
            if hidden_by is not None:
                sql += _NOT_IN_OVERLAY
                args.append(hidden_by)
            sql += " ORDER BY r.disputed DESC, r.no_evidence DESC, r.sources DESC, r.claim_id"
            if limit is not None:
                sql += " LIMIT ?"
                args.append(limit)
            rows = await self.db.fetch_all(sql, args)
            out += [((-int(r[1]), -int(r[2]), -int(r[3]), str(r[0])), str(r[0])) for r in rows]
        out.sort()
        return [claim_id for _, claim_id in (out if limit is None else out[:limit])]

    async def stamps(self, claim_ids: Iterable[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for chunk in chunks(sorted(set(claim_ids)), 250):
            marks = placeholders(len(chunk))
            rows = await self.db.fetch_all(
                "SELECT DISTINCT r.claim_id, r.stamp FROM claim_ranks r "
                f"WHERE r.claim_id IN ({marks}) OR r.claim_id IN (SELECT other_id FROM "
                f"claim_rank_partners WHERE claim_id IN ({marks}))", (*chunk, *chunk))
            out.update((str(r[0]), str(r[1])) for r in rows)
        return out

    # --- the claims of a page, by id --------------------------------------------------------------

    async def mentions_of(self, claim_ids: Iterable[str]) -> Mentions:
        """From the ledger itself (mentions and their items), not the rank rows: always current."""
        found = Mentions()
        for chunk in chunks(sorted(set(claim_ids))):
            rows = await self.db.fetch_all(
                "SELECT m.claim_id, m.item_id, m.position, i.source_id, i.title, i.url, "
                "i.published, i.language FROM claim_mentions m JOIN items i ON i.id = m.item_id "
                f"WHERE m.claim_id IN ({placeholders(len(chunk))})", chunk)
            for r in rows:
                claim_id, item_id = str(r[0]), int(r[1])
                found.positions.setdefault(claim_id, []).append((item_id, int(r[2])))
                found.refs.append(ClaimRef(claim_id, item_id, int(r[3]), r[5]))
                found.links[item_id] = Link(r[4], r[5], dt(r[6]), r[7])
        for mentions in found.positions.values():
            mentions.sort()
        found.refs.sort(key=lambda r: (r.claim_id, r.item_id))
        return found

    async def disputes_of(self, claim_ids: Iterable[str]) -> builtins.list[DisputeRow]:
        found: dict[tuple[str, str], Row] = {}
        for chunk in chunks(sorted(set(claim_ids)), 250):
            marks = placeholders(len(chunk))
            rows = await self.db.fetch_all(
                "SELECT claim_id, other_id, reason, found_at FROM claim_disputes "
                f"WHERE claim_id IN ({marks}) OR other_id IN ({marks})", (*chunk, *chunk))
            found.update(((str(r[0]), str(r[1])), r) for r in rows)
        # the whole-table read's order (``DISPUTE_ORDER``), across chunks
        ordered = sorted(found.values(), key=lambda r: (str(r[3]), str(r[0]), str(r[1])))
        return [_dispute(r) for r in ordered]

    async def disputes_found_between(self, since: datetime,
                                     until: datetime) -> builtins.list[DisputeRow]:
        rows = await self.db.fetch_all(
            "SELECT claim_id, other_id, reason, found_at FROM claim_disputes "
            "WHERE found_at >= ? AND found_at <= ?", (ts(since), ts(until)))
        return [_dispute(r) for r in rows]

    async def item_topics_of(self, item_ids: Sequence[int]) -> dict[int, builtins.list[str]]:
        out: dict[int, builtins.list[str]] = {}
        for chunk in chunks(sorted(set(item_ids))):
            rows = await self.db.fetch_all(
                "SELECT item_id, topic FROM item_topics WHERE item_id IN "
                f"({placeholders(len(chunk))})", chunk)
            for r in rows:
                out.setdefault(int(r[0]), []).append(str(r[1]))
        return out


_IN_OVERLAY = ("EXISTS (SELECT 1 FROM claim_ranks o WHERE o.scope = ? "
               "AND o.claim_id = r.claim_id)")
_NOT_IN_OVERLAY = f" AND NOT {_IN_OVERLAY}"
_STATUS_COLUMNS = frozenset({"disputed", "no_evidence", "hedged"})  # a status is its column


def _select(scope: str, where: RankFilter, hidden_by: str | None, *,
            what: str = "r.claim_id, r.score, r.last_seen, r.first_seen"
            ) -> tuple[str, list[object]]:
    """The statement (without ORDER BY) over one scope's rows, through the topic table's order
    when a topic is asked for; ``hidden_by``: leave out the claims this overlay holds.
    A claim deleted beside the ledger step (another process, a prune) takes its rows with it
    (ON DELETE CASCADE, migration 12): no check per row."""
    conditions: list[str] = ["r.scope = ?"]
    args: list[object] = [scope]
    if where.topics is not None:
        # the topic table is in rank order per topic; its rows join the rank for the filters
        table = ("claim_rank_topics r JOIN claim_ranks c ON c.scope = r.scope "
                 "AND c.claim_id = r.claim_id")
        conditions.append(f"r.topic IN ({placeholders(len(where.topics))})" if where.topics
                          else "1 = 0")
        args += where.topics
        flags = "c"
    else:
        table, flags = "claim_ranks r", "r"
    if where.status is not None:
        if where.status not in _STATUS_COLUMNS:
            raise ValueError(f"unknown status {where.status!r}")
        conditions.append(f"{flags}.{where.status} = 1")
    if where.claimants is not None:
        clause, names = _claimant_clause(flags, where.claimants)
        conditions.append(clause)
        args += names
    sql = f"SELECT {what} FROM {table} WHERE " + " AND ".join(conditions)
    if hidden_by is not None:
        sql += _NOT_IN_OVERLAY
        args.append(hidden_by)
    return sql, args


def _claimant_clause(flags: str, claimants: tuple[str | None, ...]) -> tuple[str, list[object]]:
    """The condition keeping these claimants (None: claims without one); none matches nothing."""
    names: list[object] = [n for n in claimants if n is not None]
    either = [f"{flags}.claimant IN ({placeholders(len(names))})"] if names else []
    if None in claimants:
        either.append(f"{flags}.claimant IS NULL")
    return "(" + " OR ".join(either or ["1 = 0"]) + ")", names


def _limit(limit: int | None, offset: int) -> tuple[str, tuple[int, ...]]:
    """The LIMIT clause and its arguments; none for every row (from ``offset``)."""
    if limit is None and not offset:
        return "", ()
    return " LIMIT ? OFFSET ?", (_NO_LIMIT if limit is None else limit, offset)


_NO_LIMIT = 2 ** 62  # what both backends take as "every row" beside an OFFSET


def _stamp(value: str) -> float:
    when = dt(value)
    return when.timestamp() if when else 0.0


def _dispute(row: Row) -> DisputeRow:
    when = dt(row[3])
    assert when is not None  # a NOT NULL column
    return DisputeRow(str(row[0]), str(row[1]), str(row[2]), when)

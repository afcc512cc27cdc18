"""Claims ledger: one row per claim, one mention per item that reported it, dispute links.

What a claim's identity is and how two reports of it merge are rules of ``bot.claims.merge``: this
store writes the rows it is given.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.model import ClaimSpans, Link
from bot.storage._util import dt, ts
from bot.storage.engine import Engine, Row, chunks, fetch_in, placeholders


@dataclass(frozen=True)
class Mention:
    item_id: int
    position: int
    spans: ClaimSpans
    seen_at: datetime


@dataclass(frozen=True)
class ClaimRow:
    id: str
    claimant: str | None
    text: str
    kind: str
    cue: str | None
    hedged: bool
    hedges: tuple[str, ...]
    evidence: str
    figures: tuple[str, ...]
    first_seen: datetime
    last_seen: datetime
    mentions: tuple[Mention, ...]


@dataclass(frozen=True)
class DisputeRow:
    claim_id: str
    other_id: str
    reason: str
    found_at: datetime


@dataclass(frozen=True)
class ClaimMention:
    """One claim an item reports, as it is to be stored: the claim's values already merged with
    any stored report of it (``bot.claims.merge``), and where the item says it."""

    claim: ClaimRow
    position: int
    spans: ClaimSpans


_CLAIM_COLUMNS = ("id, claimant, text, kind, cue, hedged, hedges, evidence, figures, "
                  "first_seen, last_seen")
_WRITE_CLAIM = (
    f"INSERT INTO claims ({_CLAIM_COLUMNS}, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "(SELECT COALESCE(MAX(seq), 0) + 1 FROM claims)) "
    "ON CONFLICT (id) DO UPDATE SET first_seen = excluded.first_seen, "
    "last_seen = excluded.last_seen, evidence = excluded.evidence, "
    "hedged = excluded.hedged, hedges = excluded.hedges")
_ADD_DISPUTE = ("INSERT INTO claim_disputes (claim_id, other_id, reason, found_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
_DENIAL = '%"code": "denial"%'
DISPUTE_ORDER = "found_at, claim_id, other_id"


class ClaimStore:
    """:class:`~bot.storage.protocols.ClaimsStorage` on an engine."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    async def replace_for_item(
        self, item_id: int, mentions: Sequence[ClaimMention], seen_at: datetime, *,
        new_item: bool = False,
    ) -> builtins.list[str]:
        async with self.db.transaction():
            # only the claims this item reported can lose their last mention here: checking
            # those (index lookups) instead of every claim keeps an item's cost flat; a new
            # item has none
            before = [] if new_item else await self.db.fetch_all(
                "DELETE FROM claim_mentions WHERE item_id = ? RETURNING claim_id", (item_id,))
            # one statement per table for the item's claims, in their order: each claim row
            # takes the next ``seq`` as it is inserted, so the order is the one of a row each
            await self.db.execute_many(_WRITE_CLAIM, [_claim_args(m.claim) for m in mentions])
            await self.db.execute_many(
                "INSERT INTO claim_mentions (claim_id, item_id, position, message_start, "
                "message_end, claimant_start, claimant_end, cue_start, cue_end, seen_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_mention_args(m, item_id, seen_at) for m in mentions])
            await self.db.execute_many(
                "DELETE FROM claims WHERE id = ? AND NOT EXISTS "
                "(SELECT 1 FROM claim_mentions WHERE claim_id = ?)",
                [(r[0], r[0]) for r in before])
        return [m.claim.id for m in mentions]

    async def list(self) -> builtins.list[ClaimRow]:
        mentions = _mentions(
            await self.db.fetch_all("SELECT * FROM claim_mentions ORDER BY item_id, position"))
        rows = await self.db.fetch_all("SELECT * FROM claims ORDER BY seq, id")
        out = [_row(r, mentions) for r in rows]
        out.sort(key=_list_order)
        return out

    async def add_dispute(self, claim_id_: str, other_id: str, reason: str, now: datetime) -> bool:
        a, b = sorted((claim_id_, other_id))
        return await self.db.execute(_ADD_DISPUTE, (a, b, reason, ts(now))) == 1

    async def add_disputes(self, links: Sequence[tuple[str, str, str]], now: datetime) -> None:
        """``add_dispute`` for each (claim, other, reason), in order, in one statement."""
        await self.db.execute_many(
            _ADD_DISPUTE, [(*sorted((a, b)), reason, ts(now)) for a, b, reason in links])

    async def disputes(self) -> builtins.list[DisputeRow]:
        # the order a claim lists its disputes in (``DISPUTE_ORDER``): by stored columns, the
        # same on every backend (a table's physical order is not: PostgreSQL moves rows)
        rows = await self.db.fetch_all(f"SELECT * FROM claim_disputes ORDER BY {DISPUTE_ORDER}")
        return [DisputeRow(r["claim_id"], r["other_id"], r["reason"], _when(r["found_at"]))
                for r in rows]

    async def clear_disputes(self) -> None:
        await self.db.execute("DELETE FROM claim_disputes")

    async def merge(self, merged: ClaimRow, source: str) -> None:
        await self.merge_many([(merged, source)])

    async def merge_many(self, merges: Sequence[tuple[ClaimRow, str]]) -> None:
        """Fold each (merged row, source id) in turn, as ``merge`` one after another would:
        the source's mentions move to the merged claim (one per item), the merged values are
        written, the source's dispute links go (a denial's link to the claim it answers follows
        that claim), and the source is deleted. One statement per step for all of them: the
        steps of two merges touch other rows, or the rows of a chain (A into B, then B into C)
        in the order given, so running each step for all merges gives what one merge after
        another gives."""
        if not merges:
            return
        sources = [source for _, source in merges]
        async with self.db.transaction():
            # each of the source's items probed among the merged claim's (a primary-key
            # lookup), not the merged claim's items listed for each merge: the claim a common
            # text's claims merge into has thousands
            await self.db.execute_many(
                "UPDATE claim_mentions SET claim_id = ? WHERE claim_id = ? AND NOT EXISTS "
                "(SELECT 1 FROM claim_mentions kept WHERE kept.claim_id = ? "
                "AND kept.item_id = claim_mentions.item_id)",
                [(merged.id, source, merged.id) for merged, source in merges])
            await self.db.execute_many("DELETE FROM claim_mentions WHERE claim_id = ?",
                                       [(source,) for source in sources])
            await self.db.execute_many(
                "UPDATE claims SET first_seen = ?, last_seen = ?, evidence = ?, hedged = ?, "
                "hedges = ? WHERE id = ?",
                [(ts(merged.first_seen), ts(merged.last_seen), merged.evidence,
                  int(merged.hedged), json.dumps(list(merged.hedges), ensure_ascii=False),
                  merged.id) for merged, _ in merges])
            if await self._denials_of(sources):  # rare: moved merge by merge
                for merged, source in merges:
                    await self._move_denials(merged.id, source)
            else:
                await self.db.execute_many(
                    "DELETE FROM claim_disputes WHERE claim_id = ? OR other_id = ?",
                    [(source, source) for source in sources])
            await self.db.execute_many("DELETE FROM claims WHERE id = ?",
                                       [(source,) for source in sources])

    async def _denials_of(self, ids: Sequence[str]) -> bool:
        """Whether any of ``ids`` has a denial link (the only links a merge moves)."""
        for chunk in chunks(sorted(set(ids)), 250):
            marks = placeholders(len(chunk))
            if await self.db.fetch_one(
                    f"SELECT 1 FROM claim_disputes WHERE (claim_id IN ({marks}) OR other_id IN "
                    f"({marks})) AND reason LIKE ? LIMIT 1", (*chunk, *chunk, _DENIAL)):
                return True
        return False

    async def _move_denials(self, into: str, source: str) -> None:
        # a denial's link to the claim it answers follows that claim into the one it joins
        for r in await self.db.fetch_all(
                "SELECT claim_id, other_id, reason, found_at FROM claim_disputes WHERE "
                "(claim_id = ? OR other_id = ?) AND reason LIKE ?", (source, source, _DENIAL)):
            other = r["other_id"] if r["claim_id"] == source else r["claim_id"]
            if other != into:
                await self.add_dispute(into, other, r["reason"], _when(r["found_at"]))
        await self.db.execute(
            "DELETE FROM claim_disputes WHERE claim_id = ? OR other_id = ?", (source, source))

    async def ids_for_items(self, item_ids: builtins.list[int]) -> set[str]:
        rows = await fetch_in(self.db, "SELECT DISTINCT claim_id FROM claim_mentions "
                              "WHERE item_id IN ({marks})", item_ids)
        return {str(r[0]) for r in rows}

    async def items_reporting(self, item_ids: builtins.list[int]) -> dict[str, set[int]]:
        """claim id -> which of these items report it (``ids_for_items`` with the items)."""
        out: dict[str, set[int]] = {}
        for r in await fetch_in(self.db, "SELECT claim_id, item_id FROM claim_mentions "
                                "WHERE item_id IN ({marks})", item_ids):
            out.setdefault(str(r[0]), set()).add(int(r[1]))
        return out

    # --- lean reads for commands (no spans, no item text) -----------------------------------------

    async def entries(self, ids: Iterable[str] | None = None) -> builtins.list[ClaimRow]:
        sql = f"SELECT {_CLAIM_COLUMNS}, seq FROM claims"
        if ids is None:
            rows = await self.db.fetch_all(sql + " ORDER BY seq, id")
        else:
            rows = []
            for chunk in chunks(sorted(set(ids))):
                rows.extend(await self.db.fetch_all(
                    f"{sql} WHERE id IN ({placeholders(len(chunk))})", chunk))
            rows.sort(key=lambda r: (int(r["seq"]), str(r["id"])))
        return [_row(r, {}) for r in rows]

    async def sources(self) -> tuple[dict[str, builtins.list[tuple[int, int]]], dict[int, Link]]:
        """(claim id -> (item id, position) of its mentions by item id and position, item id ->
        the item's title, link and date): one link per item, however many claims it reports."""
        refs: dict[str, builtins.list[tuple[int, int]]] = {}
        for r in await self.db.fetch_all(
                "SELECT claim_id, item_id, position FROM claim_mentions ORDER BY item_id, position"):
            refs.setdefault(r[0], []).append((r[1], r[2]))
        links: dict[int, Link] = {}
        for r in await self.db.fetch_all(
                "SELECT id, title, url, published, language FROM items "
                "WHERE id IN (SELECT DISTINCT item_id FROM claim_mentions)"):
            links[int(r[0])] = Link(r[1], r[2], dt(r[3]), r[4])
        return refs, links

    async def claimants(self) -> builtins.list[str]:
        rows = await self.db.fetch_all(
            "SELECT DISTINCT claimant FROM claims WHERE claimant IS NOT NULL ORDER BY claimant")
        return [str(r[0]) for r in rows]

    # --- comparison keys (the ledger compares a claim only with claims sharing one) ---------------

    async def mention_items(self, ids: Iterable[str]) -> dict[str, set[int]]:
        wanted = sorted(set(ids))
        out: dict[str, set[int]] = {cid: set() for cid in wanted}
        for chunk in chunks(wanted):
            for r in await self.db.fetch_all(
                    "SELECT claim_id, item_id FROM claim_mentions "
                    f"WHERE claim_id IN ({placeholders(len(chunk))})", chunk):
                out[r[0]].add(int(r[1]))
        return out

    async def mention_counts(self, ids: Iterable[str], cap: int) -> dict[str, int]:
        """How many items report each claim (0 for none), counted up to ``cap`` in the index:
        the ledger asks whether two claims share an item led by the one with fewer, and a claim
        of a common text has thousands, which need not be counted to know it is the larger."""
        out: dict[str, int] = {}
        for claim in sorted(set(ids)):
            row = await self.db.fetch_one(
                "SELECT COUNT(*) FROM (SELECT 1 FROM claim_mentions WHERE claim_id = ? LIMIT ?) "
                "AS mentions", (claim, cap))
            out[claim] = int(row[0]) if row else 0
        return out

    async def share_item(self, first: Collection[str], second: Collection[str]) -> bool:
        """Whether an item reports one of ``first`` and one of ``second``: a walk over the
        mentions of ``first`` (give the side with fewer), each looked up among ``second``'s
        (a primary-key probe), that stops at the first shared item."""
        if not first or not second:
            return False
        led, probed = sorted(first), sorted(second)
        row = await self.db.fetch_one(
            "SELECT 1 FROM claim_mentions a "
            f"WHERE a.claim_id IN ({placeholders(len(led))}) AND EXISTS "
            "(SELECT 1 FROM claim_mentions b WHERE b.item_id = a.item_id "
            f"AND b.claim_id IN ({placeholders(len(probed))})) LIMIT 1", (*led, *probed))
        return row is not None

    async def linked_pairs(self, ids: Iterable[str]) -> set[tuple[str, str]]:
        """The (claim, other) dispute links of the given claims, as stored (the pair sorted)."""
        wanted = set(ids)
        rows = [*await fetch_in(self.db, "SELECT claim_id, other_id FROM claim_disputes "
                                "WHERE claim_id IN ({marks})", wanted),
                *await fetch_in(self.db, "SELECT claim_id, other_id FROM claim_disputes "
                                "WHERE other_id IN ({marks})", wanted)]
        return {(str(r[0]), str(r[1])) for r in rows}

    async def mention_sources(self) -> dict[str, builtins.list[tuple[int, str | None]]]:
        out: dict[str, builtins.list[tuple[int, str | None]]] = {}
        for r in await self.db.fetch_all(
                "SELECT m.claim_id, i.source_id, i.url FROM claim_mentions m "
                "JOIN items i ON i.id = m.item_id ORDER BY m.claim_id, i.id"):
            out.setdefault(str(r[0]), []).append((int(r[1]), r[2]))
        return out

    async def list_order(self, ids: Iterable[str]) -> dict[str, tuple[int, int, int]]:
        """(first item, first position, seq) of each claim, the order of ``list()``: each
        minimum is one index lookup (migration 10's ``claim_mentions_position``), not a walk
        over the claim's mentions."""
        rows = await fetch_in(
            self.db, "SELECT c.id, "
            "(SELECT MIN(m.item_id) FROM claim_mentions m WHERE m.claim_id = c.id), "
            "(SELECT MIN(m.position) FROM claim_mentions m WHERE m.claim_id = c.id), "
            "c.seq FROM claims c WHERE c.id IN ({marks})", ids)
        return {str(r[0]): (int(r[1] or 0), int(r[2] or 0), int(r[3])) for r in rows}

    async def add_keys(self, pairs: Iterable[tuple[str, str]]) -> None:
        await self.db.execute_many(
            "INSERT INTO claim_keys (claim_id, key) VALUES (?, ?) ON CONFLICT DO NOTHING",
            builtins.list(pairs))

    async def clear_keys(self) -> None:
        await self.db.execute("DELETE FROM claim_keys")

    async def unkeyed(self) -> builtins.list[str]:
        rows = await self.db.fetch_all(
            "SELECT id FROM claims WHERE id NOT IN (SELECT claim_id FROM claim_keys) "
            "ORDER BY seq, id")
        return [str(r[0]) for r in rows]

    async def key_counts(self, keys: Iterable[str]) -> dict[str, int]:
        """How many claims have each key (0 for none): the ledger looks up the rarest."""
        wanted = sorted(set(keys))
        out = dict.fromkeys(wanted, 0)
        for chunk in chunks(wanted):
            for r in await self.db.fetch_all(
                    "SELECT key, COUNT(*) FROM claim_keys "
                    f"WHERE key IN ({placeholders(len(chunk))}) GROUP BY key", chunk):
                out[r[0]] = int(r[1])
        return out

    async def postings(self, keys: Iterable[str]) -> dict[str, set[str]]:
        wanted = sorted(set(keys))
        out: dict[str, set[str]] = {k: set() for k in wanted}
        for chunk in chunks(wanted):
            for r in await self.db.fetch_all(
                    "SELECT key, claim_id FROM claim_keys "
                    f"WHERE key IN ({placeholders(len(chunk))})", chunk):
                out[r[0]].add(r[1])
        return out


def _claim_args(c: ClaimRow) -> tuple[object, ...]:
    return (c.id, c.claimant, c.text, c.kind, c.cue, int(c.hedged),
            json.dumps(list(c.hedges), ensure_ascii=False), c.evidence,
            json.dumps(list(c.figures), ensure_ascii=False), ts(c.first_seen), ts(c.last_seen))


def _mention_args(mention: ClaimMention, item_id: int, seen_at: datetime) -> tuple[object, ...]:
    s = mention.spans
    return (mention.claim.id, item_id, mention.position, s.message[0], s.message[1],
            s.claimant[0] if s.claimant else None, s.claimant[1] if s.claimant else None,
            s.cue[0] if s.cue else None, s.cue[1] if s.cue else None, ts(seen_at))


def _mentions(rows: Iterable[Row]) -> dict[str, builtins.list[Mention]]:
    mentions: dict[str, builtins.list[Mention]] = {}
    for m in rows:
        spans = ClaimSpans(
            message=(m["message_start"], m["message_end"]),
            claimant=(m["claimant_start"], m["claimant_end"])
            if m["claimant_start"] is not None
            else None,
            cue=(m["cue_start"], m["cue_end"]) if m["cue_start"] is not None else None,
        )
        mentions.setdefault(m["claim_id"], []).append(
            Mention(m["item_id"], m["position"], spans, _when(m["seen_at"]))
        )
    return mentions


def _row(r: Row, mentions: dict[str, builtins.list[Mention]]) -> ClaimRow:
    return ClaimRow(
        id=r["id"],
        claimant=r["claimant"],
        text=r["text"],
        kind=r["kind"],
        cue=r["cue"],
        hedged=bool(r["hedged"]),
        hedges=tuple(json.loads(r["hedges"])),
        evidence=r["evidence"],
        figures=tuple(json.loads(r["figures"])),
        first_seen=_when(r["first_seen"]),
        last_seen=_when(r["last_seen"]),
        mentions=tuple(mentions.get(r["id"], ())),
    )


def _list_order(c: ClaimRow) -> tuple[int, int]:
    return (min((m.item_id for m in c.mentions), default=0),
            min((m.position for m in c.mentions), default=0))


def _when(value: str | None) -> datetime:
    when = dt(value)
    assert when is not None
    return when

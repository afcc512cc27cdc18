"""Claims ledger: one row per claim, one mention per item that reported it, dispute links."""

from __future__ import annotations

import builtins
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.model import ClaimSpans, ExtractedClaim, Link
from bot.storage._util import dt, ts
from bot.storage.db import Database


def normalize_claim_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\"'„“”‚‘’»«]", "", text)
    return re.sub(r"\W+", " ", text).strip()


def claim_id(claimant: str | None, text: str) -> str:
    """Stable across re-ingest: depends only on the canonical claimant and the message's words."""
    basis = f"{(claimant or '').casefold()}|{normalize_claim_text(text)}"
    return "c" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:11]


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


class ClaimStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def replace_for_item(
        self, item_id: int, claims: list[ExtractedClaim], seen_at: datetime
    ) -> list[str]:
        """Make ``claims`` the claims of this item; claims no item reports any more are removed.

        Returns the claim ids in order. Claims with the same id from other items are merged: the
        mention is added, ``first_seen``/``last_seen`` widen.
        """
        conn = self.db.conn
        ids: list[str] = []
        async with self.db.transaction():
            await conn.execute("DELETE FROM claim_mentions WHERE item_id = ?", (item_id,))
            for position, c in enumerate(claims):
                cid = claim_id(c.claimant, c.text)
                if cid in ids:
                    continue
                ids.append(cid)
                await conn.execute(
                    "INSERT INTO claims (id, claimant, text, kind, cue, hedged, hedges, evidence, "
                    "figures, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET "
                    "first_seen = MIN(first_seen, excluded.first_seen), "
                    "last_seen = MAX(last_seen, excluded.last_seen), "
                    "evidence = CASE WHEN claims.evidence = 'unstated' THEN excluded.evidence "
                    "ELSE claims.evidence END, "
                    "hedged = MAX(claims.hedged, excluded.hedged)",
                    (
                        cid,
                        c.claimant,
                        c.text,
                        c.kind,
                        c.cue,
                        int(c.hedged),
                        json.dumps(list(c.hedges), ensure_ascii=False),
                        c.evidence,
                        json.dumps(list(c.figures), ensure_ascii=False),
                        ts(seen_at),
                        ts(seen_at),
                    ),
                )
                s = c.spans
                await conn.execute(
                    "INSERT INTO claim_mentions (claim_id, item_id, position, message_start, "
                    "message_end, claimant_start, claimant_end, cue_start, cue_end, seen_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        cid,
                        item_id,
                        position,
                        s.message[0],
                        s.message[1],
                        s.claimant[0] if s.claimant else None,
                        s.claimant[1] if s.claimant else None,
                        s.cue[0] if s.cue else None,
                        s.cue[1] if s.cue else None,
                        ts(seen_at),
                    ),
                )
            await conn.execute(
                "DELETE FROM claims WHERE id NOT IN (SELECT claim_id FROM claim_mentions)"
            )
        return ids

    async def list(self) -> list[ClaimRow]:
        conn = self.db.conn
        async with conn.execute("SELECT * FROM claim_mentions ORDER BY item_id, position") as cur:
            mentions = _mentions(await cur.fetchall())
        async with conn.execute("SELECT * FROM claims") as cur:
            rows = await cur.fetchall()
        out = [_row(r, mentions) for r in rows]
        out.sort(key=_list_order)
        return out

    async def add_dispute(self, claim_id_: str, other_id: str, reason: str, now: datetime) -> bool:
        """Link two claims (stored once, in id order); True when the link is new."""
        a, b = sorted((claim_id_, other_id))
        async with self.db.conn.execute(
            "INSERT INTO claim_disputes (claim_id, other_id, reason, found_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (a, b, reason, ts(now)),
        ) as cur:
            return cur.rowcount == 1

    async def disputes(self) -> builtins.list[DisputeRow]:
        async with self.db.conn.execute("SELECT * FROM claim_disputes") as cur:
            rows = await cur.fetchall()
        return [
            DisputeRow(r["claim_id"], r["other_id"], r["reason"], dt(r["found_at"]))  # type: ignore[arg-type]
            for r in rows
        ]

    async def clear_disputes(self) -> None:
        await self.db.conn.execute("DELETE FROM claim_disputes")

    async def merge(self, into: str, source: str) -> None:
        await merge_claims(self.db, into, source)

    async def ids_for_items(self, item_ids: builtins.list[int]) -> set[str]:
        return await claim_ids_for_items(self.db, item_ids)

    # --- lean reads for commands (no spans, no item text) -----------------------------------------

    async def entries(self, ids: Iterable[str] | None = None) -> builtins.list[ClaimRow]:
        """Claims (all, or the given ones) without their mentions, in rowid order (the order
        ``list()`` breaks ties in)."""
        sql = ("SELECT id, claimant, text, kind, cue, hedged, hedges, evidence, figures, "
               "first_seen, last_seen FROM claims")
        if ids is None:
            async with self.db.conn.execute(sql + " ORDER BY rowid") as cur:
                rows = await cur.fetchall()
        else:
            wanted, rows = sorted(set(ids)), []
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                marks = ",".join("?" for _ in chunk)
                async with self.db.conn.execute(
                    f"{sql} WHERE id IN ({marks}) ORDER BY rowid", chunk
                ) as cur:
                    rows.extend(await cur.fetchall())
        return [
            ClaimRow(
                id=r[0], claimant=r[1], text=r[2], kind=r[3], cue=r[4], hedged=bool(r[5]),
                hedges=tuple(json.loads(r[6])), evidence=r[7], figures=tuple(json.loads(r[8])),
                first_seen=dt(r[9]), last_seen=dt(r[10]), mentions=(),  # type: ignore[arg-type]
            )
            for r in rows
        ]

    async def sources(self) -> tuple[dict[str, builtins.list[tuple[int, int]]], dict[int, Link]]:
        """(claim id -> (item id, position) of its mentions by item id and position, item id ->
        the item's title, link and date): one link per item, however many claims it reports."""
        refs: dict[str, builtins.list[tuple[int, int]]] = {}
        async with self.db.conn.execute(
            "SELECT claim_id, item_id, position FROM claim_mentions ORDER BY item_id, position"
        ) as cur:
            for r in await cur.fetchall():
                refs.setdefault(r[0], []).append((r[1], r[2]))
        links: dict[int, Link] = {}
        async with self.db.conn.execute(
            "SELECT id, title, url, published FROM items "
            "WHERE id IN (SELECT DISTINCT item_id FROM claim_mentions)"
        ) as cur:
            for r in await cur.fetchall():
                links[int(r[0])] = Link(r[1], r[2], dt(r[3]))
        return refs, links

    async def claimants(self) -> builtins.list[str]:
        async with self.db.conn.execute(
            "SELECT DISTINCT claimant FROM claims WHERE claimant IS NOT NULL"
        ) as cur:
            return [str(r[0]) for r in await cur.fetchall()]

    # --- comparison keys (the ledger compares a claim only with claims sharing one) ---------------

    async def mention_items(self, ids: Iterable[str]) -> dict[str, set[int]]:
        """claim id -> ids of the items reporting it (no spans: what the ledger compares on)."""
        wanted = sorted(set(ids))
        out: dict[str, set[int]] = {cid: set() for cid in wanted}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" for _ in chunk)
            async with self.db.conn.execute(
                f"SELECT claim_id, item_id FROM claim_mentions WHERE claim_id IN ({marks})", chunk
            ) as cur:
                for r in await cur.fetchall():
                    out[r[0]].add(int(r[1]))
        return out

    async def list_order(self, ids: Iterable[str]) -> dict[str, tuple[int, int, int]]:
        """claim id -> where ``list()`` puts it: (first item id, first position, rowid)."""
        wanted = sorted(set(ids))
        out: dict[str, tuple[int, int, int]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" for _ in chunk)
            async with self.db.conn.execute(
                "SELECT c.id, MIN(m.item_id), MIN(m.position), c.rowid FROM claims c "
                "LEFT JOIN claim_mentions m ON m.claim_id = c.id "
                f"WHERE c.id IN ({marks}) GROUP BY c.id", chunk
            ) as cur:
                for r in await cur.fetchall():
                    out[r[0]] = (int(r[1] or 0), int(r[2] or 0), int(r[3]))
        return out

    async def add_keys(self, pairs: Iterable[tuple[str, str]]) -> None:
        """(claim id, key) pairs; existing ones are kept."""
        await self.db.conn.executemany(
            "INSERT OR IGNORE INTO claim_keys (claim_id, key) VALUES (?, ?)", list(pairs))

    async def clear_keys(self) -> None:
        await self.db.conn.execute("DELETE FROM claim_keys")

    async def unkeyed(self) -> builtins.list[str]:
        async with self.db.conn.execute(
            "SELECT id FROM claims WHERE id NOT IN (SELECT claim_id FROM claim_keys)"
        ) as cur:
            return [str(r[0]) for r in await cur.fetchall()]

    async def postings(self, keys: Iterable[str]) -> dict[str, set[str]]:
        """key -> ids of the claims having it, for each of ``keys`` (absent keys map to {})."""
        wanted = sorted(set(keys))
        out: dict[str, set[str]] = {k: set() for k in wanted}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" for _ in chunk)
            async with self.db.conn.execute(
                f"SELECT key, claim_id FROM claim_keys WHERE key IN ({marks})", chunk
            ) as cur:
                for r in await cur.fetchall():
                    out[r[0]].add(r[1])
        return out


def _mentions(rows: Iterable[Any]) -> dict[str, builtins.list[Mention]]:
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
            Mention(m["item_id"], m["position"], spans, dt(m["seen_at"]))  # type: ignore[arg-type]
        )
    return mentions


def _row(r: Any, mentions: dict[str, builtins.list[Mention]]) -> ClaimRow:
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
        first_seen=dt(r["first_seen"]),  # type: ignore[arg-type]
        last_seen=dt(r["last_seen"]),  # type: ignore[arg-type]
        mentions=tuple(mentions.get(r["id"], ())),
    )


def _list_order(c: ClaimRow) -> tuple[int, int]:
    return (min((m.item_id for m in c.mentions), default=0),
            min((m.position for m in c.mentions), default=0))


_EVIDENCE_RANK = {"none_given": 2, "cited": 1, "unstated": 0}


async def merge_claims(db: Database, into: str, source: str) -> None:
    """Fold claim ``source`` into ``into``: its mentions (one per item), its time range, the
    strongest evidence status and any hedge; then delete it (its dispute links go with it and are
    recomputed by the ledger)."""
    conn = db.conn
    async with db.transaction():
        async with conn.execute(
            "SELECT id, first_seen, last_seen, evidence, hedged, hedges FROM claims "
            "WHERE id IN (?, ?)", (into, source)
        ) as cur:
            rows = {r["id"]: r for r in await cur.fetchall()}
        if into not in rows or source not in rows:
            return
        a, b = rows[into], rows[source]
        evidence = max((a["evidence"], b["evidence"]), key=lambda e: _EVIDENCE_RANK.get(e, 0))
        hedges = list(json.loads(a["hedges"]))
        hedges += [h for h in json.loads(b["hedges"]) if h not in hedges]
        await conn.execute(
            "UPDATE claim_mentions SET claim_id = ? WHERE claim_id = ? AND item_id NOT IN "
            "(SELECT item_id FROM claim_mentions WHERE claim_id = ?)", (into, source, into)
        )
        await conn.execute("DELETE FROM claim_mentions WHERE claim_id = ?", (source,))
        await conn.execute(
            "UPDATE claims SET first_seen = ?, last_seen = ?, evidence = ?, hedged = ?, hedges = ? "
            "WHERE id = ?",
            (min(a["first_seen"], b["first_seen"]), max(a["last_seen"], b["last_seen"]), evidence,
             max(a["hedged"], b["hedged"]), json.dumps(hedges, ensure_ascii=False), into),
        )
        await conn.execute("DELETE FROM claim_disputes WHERE claim_id = ? OR other_id = ?",
                           (source, source))
        await conn.execute("DELETE FROM claims WHERE id = ?", (source,))


async def claim_ids_for_items(db: Database, item_ids: list[int]) -> set[str]:
    if not item_ids:
        return set()
    marks = ",".join("?" for _ in item_ids)
    async with db.conn.execute(
        f"SELECT DISTINCT claim_id FROM claim_mentions WHERE item_id IN ({marks})", item_ids
    ) as cur:
        return {r[0] for r in await cur.fetchall()}

"""Claims ledger: one row per claim, one mention per item that reported it, dispute links."""

from __future__ import annotations

import builtins
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from bot.model import ClaimSpans, ExtractedClaim
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
        await conn.execute("BEGIN IMMEDIATE")
        try:
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
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        return ids

    async def list(self) -> list[ClaimRow]:
        conn = self.db.conn
        async with conn.execute("SELECT * FROM claim_mentions ORDER BY item_id, position") as cur:
            mention_rows = await cur.fetchall()
        mentions: dict[str, list[Mention]] = {}
        for m in mention_rows:
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
        async with conn.execute("SELECT * FROM claims") as cur:
            rows = await cur.fetchall()
        out = []
        for r in rows:
            out.append(
                ClaimRow(
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
            )
        out.sort(key=lambda c: (min((m.item_id for m in c.mentions), default=0),
                                min((m.position for m in c.mentions), default=0)))
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


_EVIDENCE_RANK = {"none_given": 2, "cited": 1, "unstated": 0}


async def merge_claims(db: Database, into: str, source: str) -> None:
    """Fold claim ``source`` into ``into``: its mentions (one per item), its time range, the
    strongest evidence status and any hedge; then delete it (its dispute links go with it and are
    recomputed by the ledger)."""
    conn = db.conn
    await conn.execute("BEGIN IMMEDIATE")
    try:
        async with conn.execute(
            "SELECT id, first_seen, last_seen, evidence, hedged, hedges FROM claims "
            "WHERE id IN (?, ?)", (into, source)
        ) as cur:
            rows = {r["id"]: r for r in await cur.fetchall()}
        if into not in rows or source not in rows:
            await conn.execute("ROLLBACK")
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
        await conn.execute("COMMIT")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise


async def claim_ids_for_items(db: Database, item_ids: list[int]) -> set[str]:
    if not item_ids:
        return set()
    marks = ",".join("?" for _ in item_ids)
    async with db.conn.execute(
        f"SELECT DISTINCT claim_id FROM claim_mentions WHERE item_id IN ({marks})", item_ids
    ) as cur:
        return {r[0] for r in await cur.fetchall()}

"""JSON outputs that users script against. Never rename a key or change its type; add keys freely."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.model import Claim, ClaimSpans, Digest, ExtractedClaim


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def digest_json(digest: Digest) -> dict[str, Any]:
    return {
        "title": digest.title,
        "since": iso(digest.since),
        "until": iso(digest.until),
        "window": digest.window,
        "bullets": list(digest.bullets),
        "stories": [
            {
                "headline": s.headline,
                "bullets": list(s.bullets),
                "first_seen": iso(s.first_seen),
                "language": s.language,
                "sources": [
                    {"title": src.title, "url": src.url, "published": iso(src.published)}
                    for src in s.sources
                ],
            }
            for s in digest.stories
        ],
        "new_claims": [c.id for c in digest.new_claims],
        "changes": list(digest.changes),
        "notices": list(digest.notices),
    }


def claim_json(claim: Claim) -> dict[str, Any]:
    data = _claim_fields(claim)
    data.update(
        id=claim.id,
        disputes=list(claim.disputes),
        dispute_reasons=[r.as_json() for r in claim.dispute_reasons],
        topics=list(claim.topics),
        first_seen=iso(claim.first_seen) or "",
        last_seen=iso(claim.last_seen) or "",
        sources=[{"title": s.title, "url": s.url} for s in claim.sources],
    )
    return data


def _claim_fields(c: Claim | ExtractedClaim) -> dict[str, Any]:
    return {"claimant": c.claimant, "text": c.text, "kind": c.kind, "cue": c.cue,
            "hedged": c.hedged, "hedges": list(c.hedges), "evidence": c.evidence}


def spans_json(spans: ClaimSpans) -> dict[str, Any]:
    return {
        "message": list(spans.message),
        "claimant": list(spans.claimant) if spans.claimant else None,
        "cue": list(spans.cue) if spans.cue else None,
    }


def extracted_claim_json(claim: ExtractedClaim, *, claim_id: str, topics: list[str],
                         seen: datetime, title: str | None, disputes: list[str],
                         spans: ClaimSpans) -> dict[str, Any]:
    data: dict[str, Any] = {"id": claim_id}
    data.update(_claim_fields(claim))
    data.update(
        disputes=disputes,
        topics=topics,
        first_seen=iso(seen),
        last_seen=iso(seen),
        sources=[{"title": title or "", "url": None}],
        spans=spans_json(spans),
        rule=claim.rule,
    )
    return data

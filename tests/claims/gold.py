"""Comparing extracted claims with a hand-written gold file (see tests/data/seed.claims.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.claims.extract import RuleClaimExtractor
from bot.model import ExtractedClaim
from bot.text.clean import clean_plain_text
from bot.text.sentences import split_sentences


def extract_file(path: Path, language: str) -> tuple[str, list[ExtractedClaim]]:
    text = clean_plain_text(path.read_text(encoding="utf-8")).text
    return text, RuleClaimExtractor().extract(text, split_sentences(text, language), language)


def overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def compare(gold_path: Path, claims: list[ExtractedClaim]) -> list[str]:
    """Every difference as a line: missed, extra, or a wrong field of a matched claim."""
    gold: list[dict[str, Any]] = json.loads(gold_path.read_text(encoding="utf-8"))["claims"]
    problems: list[str] = []
    used: set[int] = set()
    for g in gold:
        span = (g["span"][0], g["span"][1])
        best = max(
            ((overlap(span, c.spans.message), i) for i, c in enumerate(claims) if i not in used),
            default=(0.0, -1),
        )
        if best[0] < 0.5:
            problems.append(f"missed: {g['claimant']}: {g['message'][:70]}")
            continue
        used.add(best[1])
        c = claims[best[1]]
        got = {"claimant": c.claimant, "cue": (c.cue or "").casefold() or None, "kind": c.kind,
               "hedged": c.hedged, "evidence": c.evidence}
        want = {"claimant": g["claimant"], "cue": (g["cue"] or "").casefold() or None,
                "kind": g["kind"], "hedged": g["hedged"], "evidence": g["evidence"]}
        for key, value in want.items():
            if got[key] != value:
                problems.append(f"{key}: {g['message'][:50]!r}: got {got[key]!r}, want {value!r}")
        claimant_span = g["claimant_span"]
        if claimant_span and c.spans.claimant and overlap(
            (claimant_span[0], claimant_span[1]), c.spans.claimant
        ) == 0:
            problems.append(f"claimant span: {g['message'][:50]!r}")
        cue_span = g["cue_span"]
        if cue_span and c.spans.cue and overlap((cue_span[0], cue_span[1]), c.spans.cue) == 0:
            problems.append(f"cue span: {g['message'][:50]!r}")
    for i, c in enumerate(claims):
        if i not in used:
            problems.append(f"extra: {c.claimant}: {c.text[:70]}")
    return problems

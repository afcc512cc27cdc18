"""Checking a briefing against an expected-facts file (tests/data/*.digest.json)."""

from __future__ import annotations

import re
from typing import Any


def carried(bullets: list[str], groups: list[list[str]]) -> bool:
    """True when one bullet holds an alternative of every group."""
    for bullet in bullets:
        low = bullet.casefold()
        if all(any(alt.casefold() in low for alt in group) for group in groups):
            return True
    return False


def problems(bullets: list[str], spec: dict[str, Any], source: str) -> list[str]:
    """Everything wrong with ``bullets`` by ``spec``; empty when the briefing passes."""
    out: list[str] = []
    if not spec.get("min_bullets", 1) <= len(bullets) <= spec["max_bullets"]:
        out.append(f"{len(bullets)} bullets, expected {spec.get('min_bullets', 1)}-"
                   f"{spec['max_bullets']}")
    for b in bullets:
        if len(b) > spec["max_chars"]:
            out.append(f"bullet over {spec['max_chars']} characters: {b[:60]}...")
        for phrase in spec.get("boilerplate", []):
            if phrase.casefold() in b.casefold():
                out.append(f"boilerplate {phrase!r} in: {b[:60]}...")
        if spec.get("no_questions") and b.rstrip("“”\"»« ").endswith("?"):
            out.append(f"a question as a bullet: {b[:60]}...")
    if "max_total_chars" in spec and sum(map(len, bullets)) > spec["max_total_chars"]:
        out.append(f"{sum(map(len, bullets))} characters in all, over {spec['max_total_chars']}")
    if spec.get("supported"):
        words = {w.casefold() for w in re.findall(r"[\w\-]+", source)}
        for b in bullets:
            extra = [w for w in re.findall(r"[\w\-]+", b) if w.casefold() not in words]
            if extra:
                out.append(f"words not in the source {extra}: {b[:60]}...")
    for name, groups in spec.get("required", {}).items():
        if not carried(bullets, groups):
            out.append(f"required fact missing: {name}")
    missing = [n for n, g in spec.get("expected", {}).items() if not carried(bullets, g)]
    if len(missing) > spec.get("allowed_missing", 0):
        out.append(f"{len(missing)} expected facts missing (allowed "
                   f"{spec.get('allowed_missing', 0)}): {missing}")
    return out

"""The issue-15 fixtures (tests/data/claims/de_*.txt and the English ones for the same cases):
written in our own words before the rules were changed, gold reviewed line by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.claims.gold import compare, extract_file

DATA = Path(__file__).resolve().parent.parent / "data" / "claims"
GERMAN = sorted(DATA.glob("de_*.txt"))


@pytest.mark.parametrize("path", GERMAN, ids=[p.stem for p in GERMAN])
def test_german_fixture_matches_gold(path: Path) -> None:
    _, claims = extract_file(path, "de")
    assert compare(path.with_suffix(".claims.json"), claims) == []

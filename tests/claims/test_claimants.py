"""Claimant spellings: the memoised, bounded name comparison answers as difflib's ratio does."""

from __future__ import annotations

from difflib import SequenceMatcher
from itertools import product

from bot.claims.claimants import _same

WORDS = ["Altman", "Altmann", "Altmans", "Reinhardt", "Reinhart", "Reinhard", "Merkel", "Merkels",
         "Müller", "Mueller", "Straße", "Strasse", "Nvidia", "Nvidias", "Weidmann", "Weidemann",
         "Kolb", "Kolbe", "Okafor", "Okafors", "Ab", "Abc"]


def plain_same(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or a[0] != b[0]:
        return False
    return SequenceMatcher(None, a.casefold(), b.casefold()).ratio() >= 0.88


def test_name_comparison_answers_as_the_plain_ratio() -> None:
    pairs = list(product(WORDS, repeat=2))
    assert [_same(a, b) for a, b in pairs] == [plain_same(a, b) for a, b in pairs]
    assert any(_same(a, b) for a, b in pairs if a != b)  # the list has near spellings

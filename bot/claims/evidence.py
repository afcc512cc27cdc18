"""Evidence status of a claim: ``none_given`` when the text says so, ``cited`` when a document,
study or data set is named as its basis, otherwise ``unstated``.

Only the claim's frame (its sentence without the message) counts for ``cited``: a message that merely
mentions "evidence" or "data" is not evidence. A no-evidence remark counts in the claim's own sentence
or in the next one when that sentence makes no claim itself ("Beweise dafür liefert er jedoch keine.").
"""

from __future__ import annotations

import re

from bot.claims.lexicon import DOCUMENT_SOURCE, DOCUMENT_WORDS, NO_EVIDENCE
from bot.model import Evidence

_BASIS = re.compile(
    r"\b(?:in|im|in einem|in einer|laut|according to|citing|based on|unter Berufung auf|"
    r"gestützt auf|auf Basis|basierend auf|mit Verweis auf|nach|from)\b[^,.;:]{0,50}$",
    re.IGNORECASE,
)


_NAMED_BASIS = re.compile(  # "citing a classified briefing", "unter Berufung auf Insider"
    r"\b(?:citing|unter Berufung auf|mit Verweis auf|gestützt auf|based on|basierend auf)\s+\w",
    re.IGNORECASE,
)


def evidence_status(frame: str, claimant_phrase: str | None, follow: str | None) -> Evidence:
    """``frame``: the claim's sentence with the message blanked out; ``follow``: the next sentence
    when it makes no claim of its own."""
    if NO_EVIDENCE.search(frame) or (follow and NO_EVIDENCE.search(follow)):
        return "none_given"
    if claimant_phrase and DOCUMENT_SOURCE.search(claimant_phrase):
        return "cited"
    if _NAMED_BASIS.search(frame):
        return "cited"
    for m in DOCUMENT_WORDS.finditer(frame):
        if _BASIS.search(frame[max(0, m.start() - 60): m.start()]):
            return "cited"
    return "unstated"

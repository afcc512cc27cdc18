"""When two stored claims are the same claim, and when they contradict each other.

Pure functions over (claimant, text, figures); the ledger applies them to the database.

Same claim: the same claimant (full name or surname, spelling variants merged) and either mostly the
same words or, across languages, the same figures about the same named things ("50.000 Hopper H100"
and "50,000 Nvidia H100 chips").

Dispute: (1) the same quantity about the same named thing with values more than 10% apart (a
training cost, a number of chips), or (2) explicit doubt or denial ("in Wirklichkeit", "sät
Zweifel", "disputes", "questioned", "misleading") against a claim about the same named thing on the
same subject (compute, cost), or against a hedged or reported one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from bot.model import DisputeCode, DisputeReason

_WORD = re.compile(r"[\wÄÖÜäöüß]+(?:[-.][\wÄÖÜäöüß]+)*", re.UNICODE)
_STOP = {
    "der", "die", "das", "des", "dem", "den", "ein", "eine", "einer", "eines", "einem", "einen",
    "und", "oder", "aber", "auch", "nicht", "nur", "noch", "mit", "von", "für", "auf", "aus",
    "bei", "nach", "über", "unter", "vor", "zum", "zur", "im", "in", "an", "am", "als", "wie",
    "so", "sei", "habe", "haben", "hat", "ist", "sind", "war", "es", "er", "sie", "wir", "ihr",
    "sein", "seine", "seiner", "ihre", "dass", "daß", "werden", "wird", "würde", "könnte", "the",
    "a", "and", "or", "but", "not", "only", "also", "with", "from", "for", "on", "at", "by",
    "of", "to", "as", "is", "are", "was", "were", "be", "been", "has", "have", "had", "it",
    "its", "he", "she", "they", "their", "that", "this", "which", "who", "will", "would", "could",
    "said", "says", "told"
}
_ENTITY = re.compile(r"\b(?:[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}\w*|[A-Z]\w*\d\w*|\w*\d+[A-Za-z]\w*)\b")
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)(?![\w])")
_SCALE = {
    "million": 1e6, "millionen": 1e6, "mio": 1e6, "mio.": 1e6, "billion": 1e9,
    "milliarden": 1e9, "mrd": 1e9, "mrd.": 1e9, "thousand": 1e3, "tausend": 1e3,
}
TOPICS = {  # order matters: a figure next to "$" and "chips" is a cost
    "cost": {"kosten", "cost", "costs", "dollar", "euro", "$", "€", "budget", "gekostet",
             "spent", "ausgaben", "investment", "investiert", "invested", "price", "preis"},
    "compute": {"chip", "chips", "gpu", "gpus", "hardware", "beschleuniger", "ki-beschleuniger",
                "prozessoren", "processors", "h100", "h800", "h20", "hopper", "rechenkraft",
                "compute", "accelerators", "grafikprozessoren", "rechenzentrum", "supercomputer",
                "h100-chips", "h800-chips"},
}
DOUBT = re.compile(
    r"\b(?:in Wirklichkeit|tatsächlich aber|Zweifel|bezweifel\w*|bestreite\w*|bestritt\w*|"
    r"dementier\w*|widersprech\w*|widerspricht|irreführend\w*|falsch\w*|stimmt nicht|"
    r"in fact|in reality|actually|disput\w*|question\w*|misleading|denie[sd]|deny|false|"
    r"doubt\w*|not true|untrue)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ClaimView:
    id: str
    claimant: str | None
    text: str
    cue: str | None
    hedged: bool
    kind: str


@lru_cache(maxsize=16384)
def words(text: str) -> frozenset[str]:
    return frozenset(w.casefold() for w in _WORD.findall(text)
                     if len(w) > 2 and w.casefold() not in _STOP)


_COMMON = {"ki", "ai", "us", "usa", "eu", "ceo", "uk", "un", "it", "tv", "dpa", "afp"}


@lru_cache(maxsize=16384)
def entities(text: str) -> frozenset[str]:
    return frozenset({e.casefold() for e in _ENTITY.findall(text)} - _COMMON)


@lru_cache(maxsize=16384)
def figures(text: str) -> tuple[tuple[float, str | None], ...]:
    """Numbers in ``text`` with their value (scaled: "5,6 Millionen" = 5.6e6) and topic."""
    out: list[tuple[float, str | None]] = []
    for m in _NUMBER.finditer(text):
        value = _value(m.group(1))
        if value is None:
            continue
        after = text[m.end(): m.end() + 40].casefold().split()
        before = text[max(0, m.start() - 30): m.start()].casefold().split()
        if after and after[0].strip(".,") in _SCALE:
            value *= _SCALE[after[0].strip(".,")]
        if 1900 <= value <= 2100 and "." not in m.group(1) and "," not in m.group(1):
            continue  # a year
        near = {w.strip(".,:;()") for w in after[:4] + before[-3:]}
        if text[max(0, m.start() - 1): m.start()] == "$":
            near.add("$")
        topic = next((name for name, vocab in TOPICS.items() if near & vocab), None)
        out.append((value, topic))
    return tuple(out)


def _value(raw: str) -> float | None:
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
        return float(re.sub(r"[.,]", "", raw))  # thousands separators, German or English
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def same_claimant(a: str | None, b: str | None) -> bool:
    """Cached: a step compares the same few claimants many times over (difflib is slow)."""
    if a is None or b is None:
        return a is b
    x, y = a.casefold().split(), b.casefold().split()
    if x == y:
        return True
    if not x or not y:
        return False
    return _similar(x[-1], y[-1]) and (len(x) == 1 or len(y) == 1 or _similar(x[0], y[0]))


def _similar(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 5 and SequenceMatcher(None, a, b).ratio() >= 0.88)


def same_claim(a: ClaimView, b: ClaimView) -> bool:
    """The cached text tests first, the claimant comparison (difflib) only when they pass."""
    wa, wb = words(a.text), words(b.text)
    if not (wa and wb and len(wa & wb) / len(wa | wb) >= 0.6):
        fa = _figure_values(a.text)
        if not fa or fa != _figure_values(b.text):
            return False
        if len(entities(a.text) & entities(b.text)) < (1 if a.claimant else 2):
            return False
    return same_claimant(a.claimant, b.claimant)


@lru_cache(maxsize=16384)
def _figure_values(text: str) -> frozenset[float]:
    return frozenset(round(v, 3) for v, _ in figures(text))


def dispute_reason(a: ClaimView, b: ClaimView) -> DisputeReason | None:
    """Why ``a`` and ``b`` contradict each other (a code and its arguments), or None."""
    if a.claimant is not None and same_claimant(a.claimant, b.claimant):
        return None
    shared = _entities(a) & _entities(b)
    if not shared:
        return None
    for va, ta in figures(a.text):
        for vb, tb in figures(b.text):
            if ta is not None and ta == tb and abs(va - vb) > 0.1 * max(va, vb):
                return DisputeReason(DisputeCode.FIGURE_DIFFERS, doubter=a.claimant,
                                     other=b.claimant, subject=ta, values=(va, vb))
    for doubter, other in ((a, b), (b, a)):
        if doubter.kind == "denial" and other.kind != "denial":
            subject = _name(doubter.text + " " + (doubter.claimant or ""), shared)
            return DisputeReason(DisputeCode.DENIAL, doubter=doubter.claimant,
                                 other=other.claimant, subject=subject, marker=doubter.cue)
        marker = DOUBT.search(doubter.text) or DOUBT.search(doubter.cue or "")
        if marker is None or DOUBT.search(other.text):
            continue
        topics_d = {t for _, t in figures(doubter.text) if t} or _topics(doubter.text)
        if topics_d & _topics(other.text) or (
            (other.hedged or other.kind == "reported") and not topics_d
        ):
            subject = _name(doubter.text + " " + (doubter.claimant or ""), shared)
            return DisputeReason(DisputeCode.DOUBT_MARKER, doubter=doubter.claimant,
                                 other=other.claimant, subject=subject, marker=marker.group(0))
    return None


def _entities(c: ClaimView) -> set[str]:
    """Named things of a claim: in its text, and its claimant when that is an organization
    ("DeepSeek said the run cost $5.6 million" is about DeepSeek)."""
    found = set(entities(c.text))
    if c.claimant and len(c.claimant.split()) == 1:
        found.add(c.claimant.casefold())
    return found


def _name(text: str, shared: set[str]) -> str:
    return next((e for e in _ENTITY.findall(text) if e.casefold() in shared), sorted(shared)[0])


def _topics(text: str) -> set[str]:
    low = {w.casefold() for w in _WORD.findall(text)} | ({"$"} if "$" in text else set())
    return {name for name, vocab in TOPICS.items() if low & vocab}

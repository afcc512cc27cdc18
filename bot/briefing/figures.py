"""Key figures of an article: the value, the words around it that say what it measures, and who
says so (a named speaker or source in the same sentence; None when the article states it)."""

from __future__ import annotations

import re

from bot.model import Figure, Sentence
from bot.text.entities import find_figures
from bot.text.lexicon import SPEECH_CUES
from bot.text.trim import _DATELINE

_SEP = re.compile(r"[,;:()–—]|\s-\s")
_NAME = re.compile(r"(?:[A-ZÄÖÜ][\w\-]*[a-zäöüß0-9][\w\-]*\s){0,2}[A-ZÄÖÜ][\w\-]*[a-zäöüß]\w*")
_SOURCE = re.compile(
    r"\b(?:laut|zufolge|according to|Behauptung von|Angaben von|Angaben des|Angaben der)\s+"
    r"(?:dem|der|den|des|the)?\s*([^,.;:]{3,60}?)(?=[,.;:]|\s(?:wurden|hat|ist|"
    r"habe|sind|war|were|was|is|has)\b)",
    re.IGNORECASE,
)
MAX_FIGURES = 8
CONTEXT = 110


def extract_figures(text: str, sentences: list[Sentence], language: str) -> list[Figure]:
    out: list[Figure] = []
    seen: set[str] = set()
    for s in sentences:
        for m in find_figures(s.text, language):
            key = re.sub(r"\s+", " ", m.value.casefold())
            if key in seen:
                continue
            seen.add(key)
            out.append(Figure(value=m.value, measures=_context(s.text, m.start, m.end),
                              source=_source(s.text, m.start, language)))
            if len(out) >= MAX_FIGURES:
                return out
    return out


def _context(sentence: str, start: int, end: int) -> str:
    """The clause around the figure, widened to neighbouring clauses while short."""
    lead = _DATELINE.match(sentence)
    bounds = [lead.end() if lead else 0] + [m.end() for m in _SEP.finditer(sentence)] + [len(sentence)]
    left = max((b for b in bounds if b <= start), default=0)
    right = min((m.start() for m in _SEP.finditer(sentence, end)), default=len(sentence))
    while right - left < 40:
        prev = [b for b in bounds if b < left - 1 and b >= bounds[0]]
        nxt = [m.start() for m in _SEP.finditer(sentence, right + 1)]
        if not prev and right >= len(sentence):
            break
        if prev:
            left = max(prev)
        else:
            right = min(nxt, default=len(sentence))
    clause = sentence[left:right].strip(" ,;:–—-.")
    if len(clause) > CONTEXT:
        rel = start - left
        lo = max(0, rel - CONTEXT // 2)
        clause = clause[lo:lo + CONTEXT].rsplit(" ", 1)[0]
        if lo:
            clause = "…" + clause.split(" ", 1)[-1]
        clause += "…"
    return clause


def _source(sentence: str, start: int, language: str) -> str | None:
    m = _SOURCE.search(sentence)
    if m:
        return m.group(1).strip()
    cues = SPEECH_CUES.get(language, SPEECH_CUES["en"])
    words = list(re.finditer(r"[\w\-]+", sentence))
    for i, w in enumerate(words):
        if w.group(0).casefold() not in cues:
            continue
        after = _NAME.match(sentence, words[i + 1].start()) if i + 1 < len(words) else None
        if after and after.group(0).split()[0].casefold() not in ("die", "der", "das", "er"):
            return after.group(0)
        before = [n for n in _NAME.finditer(sentence[:w.start()]) if " " in n.group(0)]
        if before:
            return before[0].group(0)  # the subject: "Dario Amodei, Chef des ..., sagte"
    return None

"""Tokens with character offsets, rebuilt from the stored sentences.

``Sentence.tokens`` carries no offsets and ``Sentence.lemmas`` only covers word-like tokens, so we
align the tokens to the text once per item. Lemmas fall back to a cached simplemma call, loaded lazily.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.model import Sentence
from bot.text.lemmas import lemma as simplemma_lemma

_WORDLIKE = re.compile(r"\w", re.UNICODE)
_FALLBACK = re.compile(r"\w+(?:[-'’.]\w+)*\.?|[^\w\s]", re.UNICODE)
QUOTE_CHARS = set("„“”\"»«‚‘’'")


@dataclass(frozen=True)
class Tok:
    text: str
    start: int
    end: int
    lemma: str
    sent: int
    i: int
    low: str = ""
    cap: bool = False

    @property
    def word(self) -> bool:
        return bool(_WORDLIKE.search(self.text))

    @property
    def punct(self) -> bool:
        return not self.word


@dataclass(frozen=True)
class SentenceTokens:
    index: int
    start: int
    end: int
    paragraph: int
    toks: tuple[Tok, ...]


@lru_cache(maxsize=65536)
def lemma(token: str, language: str) -> str:
    return simplemma_lemma(token, language).lower()


def build(text: str, sentences: list[Sentence], language: str) -> list[SentenceTokens]:
    out: list[SentenceTokens] = []
    for index, s in enumerate(sentences):
        words = list(s.tokens) or _FALLBACK.findall(s.text)
        aligned = _align(text, s.start, s.end, words)
        if aligned is None:
            words = _FALLBACK.findall(s.text)
            aligned = _align(text, s.start, s.end, words) or []
        lemmas = iter(s.lemmas) if s.lemmas else None
        toks: list[Tok] = []
        for i, (w, start) in enumerate(aligned):
            lem = w.casefold()
            if _WORDLIKE.search(w):
                lem = next(lemmas, lem) if lemmas is not None else lemma(w, language)
            toks.append(Tok(w, start, start + len(w), lem, index, i, w.lower(),
                            w[:1].isupper()))
        out.append(SentenceTokens(index, s.start, s.end, s.paragraph, tuple(toks)))
    return out


def _align(text: str, start: int, end: int, words: list[str]) -> list[tuple[str, int]] | None:
    pos = start
    out = []
    for w in words:
        found = text.find(w, pos, end + 1)
        if found < 0 or text[pos:found].strip():
            return None
        out.append((w, found))
        pos = found + len(w)
    return out

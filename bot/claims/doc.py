"""Tokens with character offsets, rebuilt from the stored sentences.

``Sentence.tokens`` carries no offsets and ``Sentence.lemmas`` only covers word-like tokens, so we
align the tokens to the text once per item. Lemmas fall back to a cached simplemma call, loaded lazily.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

from bot.model import Sentence
from bot.text.lemmas import lemma as simplemma_lemma

_WORDLIKE = re.compile(r"\w", re.UNICODE)
_FALLBACK = re.compile(r"\w+(?:[-'’.]\w+)*\.?|[^\w\s]", re.UNICODE)
QUOTE_CHARS = set("„“”\"»«‚‘’'") | {"''", "``"}


class Tok(NamedTuple):
    """One token of an item. A named tuple, not a frozen dataclass: the same fields, equality and
    hash, but built several times faster (there are hundreds per item), and whether it is a word
    is decided once here instead of by a pattern on every look."""

    text: str
    start: int
    end: int
    lemma: str
    sent: int
    i: int
    low: str = ""
    cap: bool = False
    word: bool = False

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
    for s in sentences:
        words = list(s.tokens) or _FALLBACK.findall(s.text)
        aligned = _align(text, s.start, s.end, words)
        if aligned is None:
            words = _FALLBACK.findall(s.text)
            aligned = _align(text, s.start, s.end, words) or []
        lemmas = iter(s.lemmas) if s.lemmas else None
        words_lemmas: list[tuple[str, int, str, bool]] = []
        for w, start in aligned:
            wordlike = _WORDLIKE.search(w) is not None
            if not wordlike:
                lem = w.casefold()
            elif lemmas is None:
                lem = lemma(w, language)
            else:
                stored = next(lemmas, None)
                lem = w.casefold() if stored is None else stored
            words_lemmas.append((w, start, lem, wordlike))
        for part in _split_before_quotes(words_lemmas):
            index = len(out)
            toks = tuple(Tok(w, start, start + len(w), lem, index, i, w.lower(), w[:1].isupper(),
                             wordlike)
                         for i, (w, start, lem, wordlike) in enumerate(part))
            a = toks[0].start if toks and part is not words_lemmas else s.start
            b = toks[-1].end if toks and part is not words_lemmas else s.end
            out.append(SentenceTokens(index, a, b, s.paragraph, toks))
    return out


def _split_before_quotes(
    words: list[tuple[str, int, str, bool]],
) -> list[list[tuple[str, int, str, bool]]]:
    """"… its orders. ''We have never been busier,'' Ms. Park said." is two sentences: the
    sentence splitter does not end one before a doubled-apostrophe quote, so we do it here."""
    cuts = [k + 1 for k in range(len(words) - 2)
            if words[k][0] in (".", "!", "?") and words[k + 1][0] in ("''", "``")
            and words[k + 2][0][:1].isupper()]
    if not cuts:
        return [words]
    bounds = [0, *cuts, len(words)]
    return [words[a:b] for a, b in pairwise(bounds) if b > a]


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

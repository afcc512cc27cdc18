"""Sentence splitting with SoMaJo (German and English, offline), with tokens and lemmas.

SoMaJo and simplemma are loaded once, lazily per language, because their tables cost memory and time.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bot.model import Sentence
from bot.text.lemmas import lemma

_WORDLIKE = re.compile(r"\w", re.UNICODE)


@lru_cache(maxsize=4)
def _tokenizer(language: str) -> Any:
    from somajo import SoMaJo

    model = "de_CMC" if language == "de" else "en_PTB"
    return SoMaJo(model, split_camel_case=False, split_sentences=True, character_offsets=True)


def lemmatize(token: str, language: str) -> str:
    return lemma(token, language).casefold()


def split_sentences(text: str, language: str, *, lemmas: bool = True) -> list[Sentence]:
    """Sentences with offsets into ``text``; paragraphs are blocks separated by blank lines."""
    paragraphs: list[tuple[int, str]] = []
    pos = 0
    for block in re.split(r"(\n\s*\n)", text):
        if block.strip() and not re.fullmatch(r"\n\s*\n", block):
            paragraphs.append((pos, block))
        pos += len(block)
    out: list[Sentence] = []
    tokenizer = _tokenizer(language)
    for index, (base, block) in enumerate(paragraphs):
        pending: tuple[int, int, tuple[str, ...]] | None = None
        for sent in tokenizer.tokenize_text([block]):
            tokens = [t for t in sent if t.character_offset is not None]
            if not tokens:
                continue
            start = base + tokens[0].character_offset[0]
            end = base + tokens[-1].character_offset[1]
            words = tuple(t.text for t in tokens)
            if pending is not None:
                # a dateline ("Berlin.") opens the sentence that follows it
                start, words = pending[0], pending[2] + words
                pending = None
            if _is_dateline(words) and not _has_sentence(index, out):
                pending = (start, end, words)
                continue
            lem = (
                tuple(lemmatize(w, language) for w in words if _WORDLIKE.search(w))
                if lemmas
                else ()
            )
            out.append(Sentence(start, end, text[start:end], words, lem, index))
        if pending is not None:
            out.append(Sentence(pending[0], pending[1], text[pending[0]:pending[1]], pending[2],
                                (), index))
    return out


def _has_sentence(paragraph: int, sentences: list[Sentence]) -> bool:
    """True when the paragraph already has a sentence: datelines only open a paragraph."""
    return bool(sentences) and sentences[-1].paragraph == paragraph


def _is_dateline(words: tuple[str, ...]) -> bool:
    """'Berlin .' or 'NEW YORK .' or 'Frankfurt/Main .': a place name alone before the text."""
    if len(words) < 2 or words[-1] != "." or len(words) > 4:
        return False
    names = words[:-1]
    if len(names) == 1:
        return names[0][:1].isupper() and names[0].replace("/", "").replace("-", "").isalpha()
    return all(w.isupper() or w == "/" for w in names)

"""Sentence splitting with SoMaJo (German and English, offline), with tokens and lemmas.

SoMaJo and simplemma are loaded once, lazily per language, because their tables cost memory and time.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bot.model import Sentence
from bot.text import fastsplit
from bot.text.lemmas import lemma

_WORDLIKE = re.compile(r"\w", re.UNICODE)


@lru_cache(maxsize=4)
def _tokenizer(language: str) -> Any:
    from somajo import SoMaJo  # noqa: PLC0415 - heavy tokenizer, loaded on first use

    model = "de_CMC" if language == "de" else "en_PTB"
    somajo = SoMaJo(model, split_camel_case=False, split_sentences=True, character_offsets=True)
    _skip_emoji_search(somajo._tokenizer)
    return somajo


# SoMaJo's emoji step (``Tokenizer._split_emojis``) tests every grapheme of every token against
# [\p{Extended_Pictographic}\p{Emoji_Presentation}\uFE0F] with an uncompiled pattern: a third of
# its time on news text. Every character of those classes is (C) or (R) or at U+203C or above
# (tests/text/test_sentences.py checks it over all of Unicode), so a token with none of these gives
# that step nothing to split.
EMOJI_CANDIDATE = re.compile("[\u00a9\u00ae\u203c-\U0010ffff]")


def _skip_emoji_search(tokenizer: Any) -> None:
    """Run SoMaJo's own emoji step only on tokens that contain an emoji character: the same
    tokens, without its per-grapheme pattern lookups on plain text."""
    split_emojis = tokenizer._split_emojis

    def only_with_emoji(node: Any, token_class: str = "emoticon") -> None:
        if EMOJI_CANDIDATE.search(node.value.text):
            split_emojis(node, token_class)

    tokenizer._split_emojis = only_with_emoji


def warm_up() -> None:
    """Build SoMaJo, the fast splitter's tables and the lemma tables of both languages now (the
    analysis fork server does, so that every worker forked from it starts with them)."""
    for language, text in (("de", "Die Ministerin sagte am 3. März in Berlin, es sei gut."),
                           ("en", "The minister said in London, it's good.")):
        _tokenizer(language)
        split_sentences(text, language)


@lru_cache(maxsize=131072)
def lemmatize(token: str, language: str) -> str:
    return lemma(token, language).casefold()


def _paragraph_sentences(block: str, language: str,
                         thorough: bool) -> list[list[tuple[str, int, int]]]:
    """SoMaJo's sentences of one paragraph as (token, start, end) with offsets into the block: from
    the fast tokenizer for each plain stretch of news prose, from SoMaJo itself for the rest."""
    if thorough:
        return _somajo_sentences(block, language, 0)
    out: list[list[tuple[str, int, int]]] = []
    for offset, segment in fastsplit.segments(block, language):
        fast = fastsplit.sentences(segment, language)
        if fast is None:
            out.extend(_somajo_sentences(segment, language, offset))
        elif offset:
            out.extend([(text, start + offset, end + offset) for text, start, end in sent]
                       for sent in fast)
        else:
            out.extend(fast)
    return out


def _somajo_sentences(block: str, language: str, offset: int) -> list[list[tuple[str, int, int]]]:
    return [_shifted(sent, offset) for sent in _tokenizer(language).tokenize_text([block])]


def _shifted(sentence: list[Any], offset: int) -> list[tuple[str, int, int]]:
    return [(t.text, offset + t.character_offset[0], offset + t.character_offset[1])
            for t in sentence if t.character_offset is not None]


def split_sentences(text: str, language: str, *, lemmas: bool = True,
                    thorough: bool = False) -> list[Sentence]:
    """Sentences with offsets into ``text``; paragraphs are blocks separated by blank lines.

    ``thorough`` runs SoMaJo on every paragraph (the reference the fast path is measured against).
    """
    paragraphs: list[tuple[int, str]] = []
    pos = 0
    for block in re.split(r"(\n\s*\n)", text):
        if block.strip() and not re.fullmatch(r"\n\s*\n", block):
            paragraphs.append((pos, block))
        pos += len(block)
    out: list[Sentence] = []
    for index, (base, block) in enumerate(paragraphs):
        pending: tuple[int, int, tuple[str, ...]] | None = None
        for sent in _paragraph_sentences(block, language, thorough):
            if not sent:
                continue
            start = base + sent[0][1]
            end = base + sent[-1][2]
            words = tuple(t[0] for t in sent)
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

"""SoMaJo with its emoji step skipped on tokens that cannot hold an emoji gives SoMaJo's tokens."""

from __future__ import annotations

import sys

import pytest
import regex
from somajo import SoMaJo

from bot.text.sentences import EMOJI_CANDIDATE, _tokenizer


def test_every_emoji_character_is_a_candidate() -> None:
    emoji = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Presentation}\uFE0F]")
    missed = [hex(code) for code in range(sys.maxunicode + 1)
              if not 0xD800 <= code <= 0xDFFF and emoji.match(chr(code))
              and not EMOJI_CANDIDATE.match(chr(code))]
    assert missed == []


def _tokens(somajo: SoMaJo, text: str) -> list[list[tuple[str, tuple[int, int] | None, str]]]:
    return [[(t.text, t.character_offset, t.token_class) for t in sentence]
            for sentence in somajo.tokenize_text([text])]


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("text", [
    "Das ist gut 👍🏽 und ©2024 ⚠️ wirklich, sagte sie. Mehr unter https://192.0.2.1/x :-) heute.",
    "It's great 🇩🇪 news ❤️ for the U.S. economy, she said ™ at 10 a.m. on Jan. 5th 2024.",
    "Plain words only, said the mayor. Nothing else „here“ – or there.",
])
def test_tokens_as_stock_somajo(language: str, text: str) -> None:
    model = "de_CMC" if language == "de" else "en_PTB"
    stock = SoMaJo(model, split_camel_case=False, split_sentences=True, character_offsets=True)
    assert _tokens(_tokenizer(language), text) == _tokens(stock, text)

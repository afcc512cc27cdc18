"""Include/exclude words: whole words and phrases, case- and accent-insensitive."""

from __future__ import annotations

import pytest

from bot.delivery.filters import WordFilter, fold


def test_fold_drops_accents_and_case() -> None:
    assert fold("ÜBERWACHUNG Straße Café") == "uberwachung strasse cafe"


@pytest.mark.parametrize(("include", "exclude", "title", "allowed"), [
    (("DeepSeek",), (), "Was DEEPSEEK für Nvidia bedeutet", True),
    (("deepseek",), (), "OpenAI antwortet", False),
    (("Überwachung",), (), "Neue Regeln zur uberwachung", True),  # accent-insensitive
    (("uberwachung",), (), "ÜBERWACHUNG im Netz", True),
    (("export controls",), (), "US tightens Export Controls on chips", True),  # phrase
    (("export controls",), (), "controls on export", False),  # words out of order
    (("KI",), (), "Kiel feiert", False),  # whole words only
    ((), ("Börse",), "Die borse schließt tiefer", False),
    (("DeepSeek",), ("Börse",), "DeepSeek schickt die Börse auf Talfahrt", False),  # exclude wins
    ((), (), "anything", True),
])
def test_filter(include: tuple[str, ...], exclude: tuple[str, ...], title: str,
                allowed: bool) -> None:
    assert WordFilter.of(include, exclude).allows(title, "") is allowed


def test_regex_characters_are_plain_text() -> None:
    words = WordFilter.of(("(a+)+$",), ())
    assert not words.allows("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!")
    assert WordFilter.of(("C++",), ()).allows("C is old", "")  # punctuation is not a word

"""Lemmas from the cache file must be simplemma's, word for word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import simplemma
from simplemma.strategies.dictionaries import DefaultDictionaryFactory

from bot.text import lemmas

ROOT = Path(__file__).resolve().parents[2]


def fixture_words() -> list[str]:
    paths = [ROOT / "seeds" / "000_642439005ccd8e9b.txt", *sorted((ROOT / "tests" / "data").rglob("*.txt"))]
    words: set[str] = set()
    for path in paths:
        words.update(re.findall(r"[\w'’.-]+", path.read_text(encoding="utf-8")))
    return sorted(words)


def test_written_table_holds_simplemmas_dictionary(tmp_path: Path) -> None:
    path = tmp_path / "en.bin"
    lemmas.write_table("en", path)
    table = lemmas.LemmaTable(path)
    shipped = DefaultDictionaryFactory().get_dictionary("en")
    assert len(table) == len(shipped)
    for word in [*fixture_words(), "zzzz-not-a-word", ""]:
        assert table.get(word) == shipped.get(word)
        assert (word in table) == (word in shipped)


@pytest.mark.parametrize("language", ["de", "en"])
def test_lemmas_and_known_words_are_simplemmas(language: str) -> None:
    for word in fixture_words():
        expected = simplemma.lemmatize(word, lang=language)
        assert lemmas.lemma(word, language) == expected, word
        assert lemmas.is_known(word, language) == simplemma.is_known(word, lang=language), word


def test_unwritable_cache_falls_back_to_simplemmas_tables(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    factory = lemmas.CachedTableFactory(folder=blocked / "cache")
    table = factory.get_dictionary("en")
    assert not isinstance(table, lemmas.LemmaTable)
    assert table.get("went") == DefaultDictionaryFactory().get_dictionary("en").get("went")


def test_a_foreign_file_is_not_read_as_a_table(tmp_path: Path) -> None:
    path = tmp_path / "junk.bin"
    path.write_bytes(b"NOTATABL" + bytes(8))
    with pytest.raises(ValueError, match="not a briefbot lemma table"):
        lemmas.LemmaTable(path)

"""The fast tokenizer must give SoMaJo's sentences and tokens exactly, or hand the text to SoMaJo."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.text import fastsplit
from bot.text.sentences import _tokenizer, split_sentences

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [
    (ROOT / "seeds" / "000_642439005ccd8e9b.txt", "de"),
    *((path, "de" if path.name.startswith("de_") else "en")
      for path in sorted((ROOT / "tests" / "data").rglob("*.txt"))),
    # German text through the English tokenizer: "im" is "i" "m" there
    (ROOT / "tests" / "data" / "briefing" / "de_klinik.txt", "en"),
]


def somajo_tokens(paragraph: str, language: str) -> list[tuple[str, int, int]]:
    return [(t.text, *t.character_offset) for sent in _tokenizer(language).tokenize_text([paragraph])
            for t in sent]


@pytest.mark.parametrize(("path", "language"), TEXTS, ids=lambda v: getattr(v, "name", v))
def test_fixture_texts_split_as_somajo_splits_them(path: Path, language: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert split_sentences(text, language) == split_sentences(text, language, thorough=True)


@pytest.mark.parametrize(("paragraph", "language"), [
    ("Die Ministerin sagte am Dienstag in Berlin, die Preise seien um 3,5 Prozent gestiegen. "
     "„Das ist zu viel“, betonte sie. Kritiker widersprachen (vor allem die Opposition).", "de"),
    ("Rund 50.000 Menschen kamen – mehr als erwartet. Ist das genug? Nein!", "de"),
    ("The minister said on Tuesday that prices rose by 3.5 percent. \"That is too much,\" she "
     "told reporters. Critics disagreed (mostly the opposition).", "en"),
    ("Dr. Müller kam am 3. Oktober. Die Entscheidung soll bis zum 28. März fallen. Er wurde 28. "
     "Danach ging er.", "de"),                                     # German ordinals
    ("Die EU-Kommission und der ARD-ZDF-Chef sagten, es gehe um Baden-Württemberg.", "de"),
    ("Sydney - In the dispute over energy prices, Acme published new figures. \"We cannot carry "
     "on like this,\" she said. Cannot they see it?", "en"),       # a dash, "can" "not"
    ("Das gilt z. B. für Berlin.", "de"),                        # one letter and a full stop
    ("John F. Kennedy spoke. Plan B. It worked.", "en"),
    ("Mehr unter https://192.0.2.1/info heute, oder https://192.0.2.1/a-b/. Danach.", "de"),  # URLs
    ("See http://192.0.2.3/x, or https://192.0.2.4/y! Then she left.", "en"),
    # English apostrophes SoMaJo splits off their word
    ("They don't agree. Nvidia's chief said the workers' union can't win.", "en"),
    ("They're here and we'll go; I'd say I'm done, you've seen. The company’s plan.", "en"),
    ("Mr. Smith's dog barked (it's loud). He said: \"It's over.\" The boss' car.", "en"),
    # letters with full stops before a space are one token; SoMaJo's splitter decides the ends
    ("The U.S. office said so at 5 p.m. today. It went to the U.S. The F.B.I. agreed.", "en"),
])
def test_plain_paragraphs_take_the_fast_path_with_somajo_tokens(paragraph: str, language: str) -> None:
    tokens = fastsplit.tokenize(paragraph, language)
    assert tokens is not None
    assert [(t.text, t.start, t.end) for t in tokens] == somajo_tokens(paragraph, language)


@pytest.mark.parametrize(("paragraph", "language"), [
    ("Das gilt z.B. für Berlin.", "de"),                        # abbreviation without a space
    ("Dr. Müller kam am 3.Oktober.", "de"),                      # ordinal without a space
    ("Angaben über die Quote beim ALG-II. Alle bisherigen.", "de"),  # roman ordinal after a hyphen
    ("Im Jahr 2024. Neue Zahlen.", "de"),                         # a year is no ordinal
    ("Sie wohnt in der Hauptstr. neben uns.", "de"),             # street abbreviation
    ("Der Erreger H5N1 wurde gefunden.", "de"),                  # letters and digits in one word
    ("Mehr unter https://192.0.2.1/info?x=1 heute.", "de"),      # URL with a query
    ("Siehe https://192.0.2.1/a(b) dazu.", "de"),                # URL with brackets
    ("Papst Johannes Paul II. spielte mit.", "de"),              # roman ordinal
    ("Das war's. Wirklich!?", "de"),                             # apostrophe, stacked marks
    ("I'ma go, he said.", "en"),                                  # SoMaJo's "i" "'m" "a"
    ("The WORKERS' union.", "en"),                                # trailing apostrophe after "S"
    ("The d's and o's.", "en"),                                   # letter-apostrophe words
    ("It's 'fine', he said.", "en"),                              # paired single quotes
    ("The 90's were good.", "en"),                                # a decade
    ("He is interested in the No. 2 spot.", "en"),                # SoMaJo's "No." before a number
    ("He lives in the U.S.", "en"),                               # letters and full stops at the end
    ("A well-known case.", "en"),                                 # English hyphen rules
    ("Ein- und Ausfuhr sanken.", "de"),                           # hyphen at a word's edge
    ("Er lachte :) und ging.", "de"),                             # emoticon
])
def test_odd_paragraphs_are_left_to_somajo(paragraph: str, language: str) -> None:
    assert fastsplit.tokenize(paragraph, language) is None
    assert split_sentences(paragraph, language) == split_sentences(paragraph, language, thorough=True)


def test_segments_cut_at_plain_sentence_ends_only() -> None:
    paragraph = "Das sagte Dr. Meier. Paul II. kam nicht. Der Rest kam. Dann ging er."
    cuts = [text for _, text in fastsplit.segments(paragraph, "de")]
    assert cuts == ["Das sagte Dr. Meier.", "Paul II. kam nicht.", "Der Rest kam.", "Dann ging er."]
    assert all(paragraph[start:start + len(text)] == text
               for start, text in fastsplit.segments(paragraph, "de"))


def test_mixed_paragraph_matches_somajo() -> None:
    text = ("Berlin. Die Stadt meldete 1.200 Fälle. Mehr steht z. B. unter https://192.0.2.7/a. "
            "„Wir handeln“, sagte sie.\n\nIm Jahr 2024. Danach kam nichts mehr.")
    assert split_sentences(text, "de") == split_sentences(text, "de", thorough=True)


def test_listed_abbreviations_are_one_token_as_in_somajo() -> None:
    paragraph = "Laut Dr. Meier stiegen die Kosten bzw. die Preise."
    tokens = fastsplit.tokenize(paragraph, "de")
    assert tokens is not None
    assert [(t.text, t.start, t.end) for t in tokens] == somajo_tokens(paragraph, "de")


@pytest.mark.parametrize(("text", "language"), [
    ("It was special. 'we did it,' she said. Then they left.", "en"),
    ("Weitere Fotos :(itu) Das war es. Nun kommt mehr.", "de"),
    ("He cannot say. She can.", "en"),
])
def test_context_and_treebank_cases_match_somajo(text: str, language: str) -> None:
    assert split_sentences(text, language) == split_sentences(text, language, thorough=True)


def test_somajo_article_pattern_is_left_to_somajo() -> None:
    # SoMaJo's "artikel" pattern makes "Art," one token before a number; the fast path must not
    # take that stretch (found when one-letter abbreviations such as "E." joined the fast path)
    paragraph = ("Analysts at the Museum of Modern Art, 20 of them, listened while Robert E. Rubin "
                 "spoke.")
    assert fastsplit.tokenize(paragraph, "en") is None
    assert split_sentences(paragraph, "en") == split_sentences(paragraph, "en", thorough=True)


@pytest.mark.parametrize(("paragraph", "language"), [
    ("Er kam z. B. am 3. März. Dann ging er.", "de"),   # one stretch, two sentences
    ("Sie sagte: „Wir kommen.“ Dann ging sie.", "de"),
    ("He left at noon. She came. And so on!", "en"),
])
def test_stretches_with_several_sentence_ends_are_split_as_somajo_splits_them(
        paragraph: str, language: str) -> None:
    fast = fastsplit.sentences(paragraph, language)
    assert fast is not None
    assert fast == [[(t.text, *t.character_offset) for t in sentence]
                    for sentence in _tokenizer(language).tokenize_text([paragraph])]

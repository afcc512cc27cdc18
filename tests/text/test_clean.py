from __future__ import annotations

from bot.text.clean import clean_plain_text
from tests.conftest import SEED_FILE


def test_seed_caption_credit_subheadings_and_teaser_are_dropped() -> None:
    raw = SEED_FILE.read_text(encoding="utf-8")
    clean = clean_plain_text(raw)
    assert clean.title == (
        "KI-Wettlauf zwischen den USA und China: Wie das Silicon Valley auf DeepSeek reagiert"
    )
    assert clean.text.startswith("Bislang galten das Silicon Valley")
    for gone in ("REUTERS", "Foto:", "Roboterhand", "Lesen Sie auch", "Talent schlägt Kapital",
                 "Musk zweifelt an DeepSeek", "Ein Problem weniger für Investoren"):
        assert gone not in clean.text, gone
    assert "Foto: REUTERS" in clean.dropped
    assert clean.text.endswith("Kommunistischen Partei Chinas beschäftigt.")
    paragraphs = clean.text.split("\n\n")
    assert len(paragraphs) == 17


def test_offsets_map_every_clean_character_to_the_original() -> None:
    raw = SEED_FILE.read_text(encoding="utf-8")
    clean = clean_plain_text(raw)
    assert len(clean.offsets) == len(clean.text)
    for i, ch in enumerate(clean.text):
        if ch != "\n":
            assert raw[clean.offsets[i]] == ch
    start = clean.text.index("Sputnik-Moment")
    assert raw[clean.offsets[start]: clean.offsets[start] + 14] == "Sputnik-Moment"


def test_lowercase_credit_and_english_teaser() -> None:
    raw = ("Headline here\nA caption line.\nFoto: dpaThe body starts here and goes on.\n"
           "Second paragraph.\nRead more: Something else")
    clean = clean_plain_text(raw)
    assert clean.text == "The body starts here and goes on.\n\nSecond paragraph."
    assert "A caption line." in clean.dropped

from __future__ import annotations

from bot.feeds.entries import entry_title
from bot.feeds.parse import ParsedEntry
from bot.text.clean import HEADLINE_MAX, clean_plain_text, headline_from, is_headline
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


# --- the one title rule (issue 14, case 10): a first line longer than a headline is body ---

LONG = ("Die Bundesregierung hat am Montag ein neues Gesetz zur künstlichen Intelligenz "
        "beschlossen, das im Januar in Kraft tritt und Anbieter großer Sprachmodelle verpflichtet, "
        "ihre Trainingsdaten offenzulegen, sagte ein Sprecher in Berlin.")


def test_a_long_first_line_is_body_not_title() -> None:
    assert len(LONG) > HEADLINE_MAX
    clean = clean_plain_text(LONG + "\n")
    assert clean.title is None and clean.text == LONG
    assert clean.offsets[0] == 0 and len(clean.offsets) == len(LONG)
    followed = clean_plain_text(LONG + "\n\nZweiter Absatz mit mehr Text über das Gesetz.\n")
    assert followed.title is None and followed.text.startswith(LONG)


def test_a_headline_stays_the_title() -> None:
    clean = clean_plain_text("Kurze Schlagzeile\n" + LONG + "\n")
    assert clean.title == "Kurze Schlagzeile" and clean.text == LONG
    assert is_headline("x" * HEADLINE_MAX) and not is_headline("x" * (HEADLINE_MAX + 1))
    assert not is_headline("   ")


def test_feeds_share_the_rule() -> None:
    """A feed title longer than a headline gets a headline made of its first words."""
    title = entry_title(ParsedEntry(position=0, title=LONG))
    assert is_headline(title) and title.endswith("…") and LONG.startswith(title[:-1])
    assert entry_title(ParsedEntry(position=0, title="Kurz")) == "Kurz"
    assert headline_from("a b c", 80) == "a b c"
    assert len(headline_from(LONG)) <= 80

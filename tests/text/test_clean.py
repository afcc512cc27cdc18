"""The one title rule (issue 14, case 10): a first line longer than a headline is body."""

from __future__ import annotations

from bot.feeds.entries import entry_title
from bot.feeds.parse import ParsedEntry
from bot.text.clean import HEADLINE_MAX, clean_plain_text, headline_from, is_headline

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

"""One label table per language, with the same keys; a missing label is an error, never the key."""

from __future__ import annotations

import dataclasses

import pytest

from bot.errors import FeedError, parse_stored_error, stored_error
from bot.i18n import (
    CLAIM_LINE_MAX,
    LABELS,
    MissingLabel,
    claim_quote,
    claim_tags,
    claim_who,
    contradicts,
    cut_words,
    fetch_error,
    label,
    quoted,
)
from bot.model import Claim


def test_every_language_has_every_label() -> None:
    keys = {language: set(table) for language, table in LABELS.items()}
    english = keys["en"]
    for language, own in keys.items():
        assert own == english, (language, sorted(own ^ english))


def test_a_missing_label_is_an_error() -> None:
    with pytest.raises(MissingLabel):
        label("no_such_label", "de")
    assert label("overview", "de") == "Überblick"
    assert label("overview", "fr") == "Overview"  # no French table: English


def test_quotes_inside_quotes_take_the_inner_marks() -> None:
    text = "DeepSeek sei Kriegsführung, „damit alle umsteigen.“"
    assert quoted(text, "de") == "„DeepSeek sei Kriegsführung, ‚damit alle umsteigen.‘“"
    assert quoted(text, "en") == "“DeepSeek sei Kriegsführung, ‘damit alle umsteigen.’”"
    assert quoted('He said "no" twice', "en") == "“He said ‘no’ twice”"


def test_cut_at_a_word() -> None:
    assert cut_words("eins zwei drei vier", 12) == "eins zwei …"
    assert cut_words("kurz", 12) == "kurz"


def claim(**changes: object) -> Claim:
    base = Claim(id="c1", claimant="Alexandr Wang", text="x", kind="indirect", cue=None,
                 hedged=False, hedges=(), evidence="unstated")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_dispute_tags_name_the_other_side_in_good_grammar() -> None:
    against_article = claim(disputes=("c2",), dispute_reasons=("der Artikel („…“): doubt",))
    assert contradicts(against_article, "de") == "widerspricht dem Artikel"
    assert contradicts(against_article, "en") == "contradicts the article"
    against_people = claim(claimant=None, disputes=("c3", "c4", "c5"), dispute_reasons=(
        "Alexandr Wang („…“): a", "Elon Musk („…“): b", "Neal Khosla („…“): c"))
    assert contradicts(against_people, "de") == \
        "widerspricht Alexandr Wang, Elon Musk und 1 weiteren"
    tags = claim_tags(dataclasses.replace(against_article, hedged=True, evidence="none_given"),
                      "de", str)
    assert tags == ["sinngemäß", "unter Vorbehalt", "ohne Beleg", "widerspricht dem Artikel"]


def test_a_claim_line_stays_short() -> None:
    long = claim(text=" ".join(["Wort"] * 200))
    tags = claim_tags(long, "de", str)
    line = f"{claim_who(long, 'de')} — {claim_quote(long, 'de', who='Alexandr Wang', tags=tags)}"
    assert len(line) + sum(len(t) + 3 for t in tags) <= CLAIM_LINE_MAX
    assert line.endswith(" …“")


def test_quotation_marks_follow_the_language_of_the_quoted_words() -> None:
    """German words get „…‚…‘…“, English words “…‘…’…”, whatever language the reply is in."""
    german = claim(text="Das sei „falsch“, sagte er", language="de")
    english = claim(text='He called it "a Sputnik moment"', language="en")
    for ui in ("de", "en"):
        assert claim_quote(german, ui, who="X", tags=[]) == "„Das sei ‚falsch‘, sagte er“"
        assert claim_quote(english, ui, who="X", tags=[]) == "“He called it ‘a Sputnik moment’”"
    assert claim_quote(claim(text="ohne Sprache"), "de", who="X", tags=[]) == "„ohne Sprache“"


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_fetch_error_code_has_words(language: str) -> None:
    """Each code the fetcher stores is worded from the table; an unknown code or a plain older
    text gives the general sentence in German (the fetcher's English never reaches German)."""
    codes = [key.removeprefix("fetch_") for key in LABELS["en"]
             if key.startswith("fetch_") and key != "fetch_other"]
    args = {"status": 503, "scheme": "ftp", "host": "10.0.0.1", "n": 5, "url": "http://127.0.0.1/",
            "bytes": 5_000_000}
    for code in codes:
        text = fetch_error(stored_error(code, args, "the fetcher's English"), language)
        assert "fetcher" not in text and "{" not in text, (code, text)
    assert fetch_error(stored_error("http_status", {"status": 503}, "x"), "de") == \
        "der Server antwortete mit HTTP 503"
    assert fetch_error("HTTP 404 Not Found", "de") == "der Server antwortete mit HTTP 404"
    assert fetch_error("[no_such_code] boom", language) == label("fetch_other", language)
    plain = fetch_error("internal error (KeyError: 'x')", language)
    assert plain == (label("fetch_other", "de") if language == "de"
                     else "internal error (KeyError: 'x')")


def test_a_stored_error_reads_back() -> None:
    stored = FeedError("the page names x as its feed", code="linked_not_feed",
                       args={"url": "http://127.0.0.1/a] {b}"}).stored
    assert parse_stored_error(stored) == ("linked_not_feed", {"url": "http://127.0.0.1/a] {b}"},
                                          "the page names x as its feed")
    assert parse_stored_error("plain words") == ("other", {}, "plain words")

"""Pronoun and description sources (bot/claims/coref.py): resolved to the last fitting mention,
kept as written when nothing fits, never dropped."""

from __future__ import annotations

from bot.claims import coref
from bot.claims.extract import RuleClaimExtractor
from bot.text.sentences import split_sentences


def claims_of(text: str) -> list[tuple[str | None, str, str]]:
    found = RuleClaimExtractor().extract(text, split_sentences(text, "en"), "en")
    out = []
    for c in found:
        a, b = c.spans.claimant or (0, 0)
        out.append((c.claimant, text[a:b], c.text))
    return out


def test_a_pronoun_nobody_fits_stays_the_claimant_with_its_own_span() -> None:
    got = claims_of("He said the plant would close in May.")
    assert got == [("He", "He", "the plant would close in May")]


def test_he_skips_a_woman_named_with_ms() -> None:
    text = ("Tom Berg, the mayor, opened the meeting. Ms. Lena Park said the budget was short. "
            "He said the city would borrow money.")
    assert ("Tom Berg", "He", "the city would borrow money") in claims_of(text)


def test_the_company_is_the_employer_named_before() -> None:
    text = ("Lena Park, the chief executive of Arcline, spoke on Monday. "
            "The company said the factory would open on time.")
    assert ("Arcline", "The company", "the factory would open on time") in claims_of(text)


def test_a_lower_case_description_that_can_speak_is_kept_as_written() -> None:
    got = claims_of("The judge said the case would go to trial in June.")
    assert got == [("The judge", "The judge", "the case would go to trial in June")]


def test_a_description_that_cannot_speak_gives_no_claimant() -> None:
    assert not coref.is_agent_description(["that", "night"], "en", {"the", "that"})
    assert coref.is_agent_description(["all", "three", "candidates"], "en", {"the"})


def test_genders_come_from_courtesy_titles_and_clash_to_unknown() -> None:
    assert coref.genders("Mr. Berg met Ms. Park.") == {"Berg": "male", "Park": "female"}
    assert coref.genders("Mr. Lee and Ms. Lee") == {"Lee": "unknown"}


def test_a_language_without_lists_resolves_nothing() -> None:
    assert coref.pronouns("xx") == {}
    assert coref.resolve_pronoun("he", "xx", [coref.Candidate(0, "Tom Berg", 2)], 10, {}) is None

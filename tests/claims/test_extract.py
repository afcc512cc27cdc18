"""The extractor against hand-written gold: the German seed and the English fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.claims.extract import RuleClaimExtractor
from bot.text.sentences import split_sentences
from tests.claims.gold import compare, extract_file

DATA = Path(__file__).resolve().parent.parent / "data"
SEED = Path(__file__).resolve().parent.parent.parent / "seeds" / "000_642439005ccd8e9b.txt"
ENGLISH = sorted((DATA / "claims").glob("en_*.txt"))


def test_seed_matches_gold() -> None:
    _text, claims = extract_file(SEED, "de")
    assert compare(DATA / "seed.claims.json", claims) == []


def test_seed_khosla_has_no_evidence_and_a_resolved_pronoun() -> None:
    _, claims = extract_file(SEED, "de")
    khosla = [c for c in claims if c.claimant == "Neal Khosla"]
    assert len(khosla) == 1
    assert khosla[0].evidence == "none_given"
    # the claim text is the source's characters: the parenthetical cue stays where it was
    assert khosla[0].text.startswith("DeepSeek, behauptet er, sei psychologische Kriegsführung")


def test_seed_claimants_are_canonical_and_never_invented() -> None:
    text, claims = extract_file(SEED, "de")
    names = {c.claimant for c in claims}
    assert "Marc Andreessen" in names and "Marc Andressen" not in names
    assert "Sam Altman" in names and "Altman" not in names
    for c in claims:
        if c.claimant is None:
            assert c.kind == "reported" and c.hedged
        else:
            surname = c.claimant.split()[-1]
            assert surname[:5] in text  # the name is in the article, in some spelling


def test_spans_point_into_the_text() -> None:
    text, claims = extract_file(SEED, "de")
    for c in claims:
        a, b = c.spans.message
        assert 0 <= a < b <= len(text)
        assert text[a:b] == c.text  # exactly the source's characters
        assert c.rule
        if c.cue and c.spans.cue and "…" not in c.cue:
            assert text[c.spans.cue[0]: c.spans.cue[1]].casefold() == c.cue.casefold()


@pytest.mark.parametrize("path", ENGLISH, ids=[p.stem for p in ENGLISH])
def test_english_fixture_matches_gold(path: Path) -> None:
    _, claims = extract_file(path, "en")
    assert compare(path.with_suffix(".claims.json"), claims) == []


def test_english_fixtures_cover_the_required_forms() -> None:
    joined = " ".join(p.read_text(encoding="utf-8") for p in ENGLISH)
    for form in ("said", "according to", "told reporters", "without evidence"):
        assert form in joined.casefold()


def test_own_voice_without_hedge_is_not_a_claim() -> None:
    text = "Die Firma baut ein neues Werk in Dresden. Es soll 2027 fertig sein."
    claims = RuleClaimExtractor().extract(text, split_sentences(text, "de"), "de")
    assert claims == []


def test_quote_split_around_the_verb_and_pronoun() -> None:
    text = ("Die Ministerin Anna Berg besuchte das Werk. „Wir bauen hier die Zukunft“, sagte sie, "
            "„und zwar mit eigenen Mitteln.“ Belege legte sie nicht vor.")
    claims = RuleClaimExtractor().extract(text, split_sentences(text, "de"), "de")
    assert [c.claimant for c in claims] == ["Anna Berg", "Anna Berg"]
    assert all(c.kind == "quote" for c in claims)
    assert claims[0].evidence == "none_given"


def test_english_according_to_and_reportedly() -> None:
    text = ("According to a survey by Pew Research, 60 percent of adults use chatbots. "
            "The company reportedly plans layoffs.")
    claims = RuleClaimExtractor().extract(text, split_sentences(text, "en"), "en")
    assert claims[0].claimant == "Pew Research" and claims[0].evidence == "cited"
    assert claims[1].claimant is None and claims[1].hedges == ("reportedly",)

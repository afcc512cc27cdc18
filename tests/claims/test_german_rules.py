"""German attribution rules of wave 3 (issue 15), each on a short text written for the test:
Konjunktiv I passages, "demnach"/"wonach", "heißt es" with nobody named, labelled quotes,
predications, pronouns kept, "Das berichtet X.", reported modality after a speaker."""

from __future__ import annotations

from bot.claims.extract import RuleClaimExtractor
from bot.model import ExtractedClaim
from bot.text.sentences import split_sentences


def claims_of(text: str) -> list[ExtractedClaim]:
    return RuleClaimExtractor().extract(text, split_sentences(text, "de"), "de")


def claimant_phrase(text: str, claim: ExtractedClaim) -> str:
    assert claim.spans.claimant is not None
    return text[claim.spans.claimant[0]:claim.spans.claimant[1]]


def test_konjunktiv_sentences_after_a_speaker_form_one_passage_of_that_speaker() -> None:
    text = ("Die Ministerin Eva Lang sagte, das Gesetz komme im Mai. Es sei gut vorbereitet. "
            "Die Länder hätten bereits zugestimmt.")
    first, passage = claims_of(text)
    assert first.text == "das Gesetz komme im Mai"
    assert passage.text == "Es sei gut vorbereitet. Die Länder hätten bereits zugestimmt"
    assert passage.claimant == first.claimant == "Eva Lang"


def test_demnach_points_back_to_the_source_and_keeps_its_own_span() -> None:
    text = "Laut einer Studie der Universität Kiel steigen die Mieten. Demnach fehlen 5000 Wohnungen."
    first, second = claims_of(text)
    assert second.text == "fehlen 5000 Wohnungen"
    assert second.claimant == first.claimant
    assert claimant_phrase(text, second) == "Demnach"


def test_wonach_attributes_to_the_phrase_before_the_comma() -> None:
    text = "Der Verband verwies auf eine Umfrage, wonach die Hälfte der Betriebe Personal sucht."
    (claim,) = claims_of(text)
    assert (claim.text, claim.claimant, claim.cue) == (
        "die Hälfte der Betriebe Personal sucht", "Umfrage", "wonach")
    assert claim.evidence == "cited"


def test_heisst_es_with_nobody_named_is_reported_in_the_articles_voice() -> None:
    (claim,) = claims_of("Die Entscheidung sei endgültig, heißt es.")
    assert (claim.text, claim.claimant, claim.kind, claim.hedged) == (
        "Die Entscheidung sei endgültig", None, "reported", True)


def test_a_short_quote_applied_by_a_labelling_verb_is_a_quote_of_its_subject() -> None:
    (claim,) = claims_of("Der Minister Karl Funk nannte den Plan „Unsinn“.")
    assert (claim.text, claim.claimant, claim.kind) == ("Unsinn", "Karl Funk", "quote")
    assert claims_of("Kritiker sprechen vom sogenannten „Deal“ der Regierung.") == []


def test_a_predication_with_als_is_a_claim_about_the_object() -> None:
    (claim,) = claims_of("Die Gewerkschaft Verdi bezeichnete das Angebot als unzureichend.")
    assert (claim.text, claim.claimant) == ("das Angebot als unzureichend", "Gewerkschaft Verdi")


def test_an_unresolved_pronoun_stays_the_claimant_as_written() -> None:
    text = "Er sagte, die Zahlen seien falsch."
    (claim,) = claims_of(text)
    assert (claim.text, claim.claimant, claimant_phrase(text, claim)) == (
        "die Zahlen seien falsch", "Er", "Er")


def test_das_berichtet_x_makes_the_sentence_before_its_message() -> None:
    (claim,) = claims_of("Im Hafen ist ein Frachter gesunken. Das berichtet die Agentur Nordpress.")
    assert (claim.text, claim.claimant) == ("Im Hafen ist ein Frachter gesunken", "Nordpress")


def test_reported_modality_after_a_speaker_continues_that_speaker_hedged() -> None:
    text = "Die Polizei teilte mit, der Fahrer sei geflohen. Er soll den Wagen gestohlen haben."
    first, second = claims_of(text)
    assert second.text == "Er soll den Wagen gestohlen haben"
    assert (second.claimant, second.hedged) == (first.claimant, True)
    assert second.claimant == "Polizei"


def test_halten_es_fuer_with_a_dass_clause_is_a_claim() -> None:
    (claim,) = claims_of("Der Experte Jan Roth hält es für möglich, dass die Preise weiter steigen.")
    assert (claim.text, claim.claimant) == ("die Preise weiter steigen", "Jan Roth")
    assert claims_of("Der Verein hält es für eine gute Idee.") == []

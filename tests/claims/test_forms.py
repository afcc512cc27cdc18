"""One sentence per attribution form the issue names: who, what kind, which cue."""

from __future__ import annotations

import pytest

from bot.claims.extract import RuleClaimExtractor
from bot.text.sentences import split_sentences

CASES = [
    # (language, text, claimant, kind, cue, a word of the message)
    ("de", "Die Inflation sei gesunken, sagte Finanzminister Klaus Weber am Montag.",
     "Klaus Weber", "indirect", "sagte", "Inflation"),
    ("de", "Finanzminister Klaus Weber sagte, die Inflation sei deutlich gesunken.",
     "Klaus Weber", "indirect", "sagte", "Inflation"),
    ("de", "Der Konzern teilte mit, dass der Gewinn um zehn Prozent gestiegen sei.",
     "Konzern", "indirect", "teilte … mit", "Gewinn"),  # no earlier company: as written
    ("de", "Laut dem Statistischen Bundesamt stiegen die Preise im März um 2,2 Prozent.",
     "Statistischen Bundesamt", "reported", "Laut", "Preise"),
    ("de", "Dem Unternehmen zufolge wurden im Jahr 2024 mehr als 5000 Stellen gestrichen.",
     "Unternehmen", "reported", "zufolge", "Stellen"),
    ("de", "Nach Angaben der Polizei wurden bei dem Unfall drei Menschen verletzt.",
     "Polizei", "reported", "Nach Angaben", "verletzt"),
    ("de", "Wie die Nachrichtenagentur Reuters berichtet, plant der Konzern einen Börsengang.",
     "Reuters", "reported", "Wie … berichtet", "Börsengang"),
    ("de", "Nach Ansicht des Ökonomen Peter Bofinger ist die Schuldenbremse zu streng.",
     "Peter Bofinger", "reported", "Nach Ansicht", "Schuldenbremse"),
    ("de", "Der Zug habe eine Stunde Verspätung gehabt, so Bahnsprecher Jan Schulz.",
     "Jan Schulz", "indirect", "so", "Verspätung"),
    ("de", "Der Verdächtige soll das Geld in bar abgehoben haben.",
     None, "reported", "soll", "Geld"),
    ("de", "Der mutmaßliche Täter wurde gefasst. Er hat mutmaßlich drei Banken überfallen.",
     None, "reported", "mutmaßlich", "Banken"),
    ("de", "Die Ministerin Anna Berg warnte vor neuen Schulden. Der Haushalt sei bereits "
           "überlastet.", "Anna Berg", "indirect", "sei", "Haushalt"),
    ("en", "The company said that revenue rose by 12 percent in the quarter.",
     None, "indirect", "said", "revenue"),
    ("en", "“We will not back down,” Senator Maria Diaz told reporters on Tuesday.",
     "Maria Diaz", "quote", "told", "back down"),
    ("en", "“Prices will fall,” said economist Tom Reed. “Not this year, but next year.”",
     "Tom Reed", "quote", "said", "Prices"),
    ("en", "The suspect allegedly stole more than $2 million from the charity.",
     None, "reported", "allegedly", "stole"),
    ("en", "Acme Corp expects sales to double by 2027, chief executive Lena Park said.",
     "Lena Park", "indirect", "said", "sales"),  # the outer frame wins over the nested one
]


@pytest.mark.parametrize("language,text,claimant,kind,cue,word", CASES,
                         ids=[c[1][:30] for c in CASES])
def test_form(language: str, text: str, claimant: str | None, kind: str, cue: str,
              word: str) -> None:
    claims = RuleClaimExtractor().extract(text, split_sentences(text, language), language)
    found = [c for c in claims if word in c.text]
    assert found, claims
    c = found[0]
    if claimant is None and kind != "reported":
        assert c.claimant is not None  # "The company" is a description, kept as written
    else:
        assert c.claimant == claimant
    assert (c.kind, c.cue) == (kind, cue)
    a, b = c.spans.message
    assert word in text[a:b]

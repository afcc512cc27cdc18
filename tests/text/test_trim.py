"""Shortened sentences keep what was said: no cut leaves a speaker with the statement cut away."""

from __future__ import annotations

import pytest

from bot.text.trim import bare_frame, leans_on_previous, variants


@pytest.mark.parametrize("sentence", [
    "Der Datenschutzbeauftragte Ulrich Kelber warnte, die App übertrage Daten nach China.",
    "Der CDU-Politiker Jens Spahn behauptete, ohne Belege vorzulegen, der Bund habe die Masken "
    "zu teuer gekauft.",
    "Der Datenschutzbeauftragte Tobias Reinhardt warnte am Dienstag, die App sei unsicher.",
    "Zugleich warnte Franke, mehr Bewässerung sei keine einfache Lösung.",
])
def test_reported_speech_is_never_cut_away(sentence: str) -> None:
    assert all(not bare_frame(v, "de") for v in variants(sentence, "de")), variants(sentence, "de")
    assert all(len(v.split()) >= len(sentence.split()) - 1 for v in variants(sentence, "de"))


def test_relative_clauses_after_a_name_still_go() -> None:
    out = variants("„Es ist ein Sputnik-Moment für KI“, staunt der Internet-Pionier Marc Andressen, "
                   "dessen Firma in vielen KI-Start-ups investiert ist.", "de")
    assert "„Es ist ein Sputnik-Moment für KI“, staunt der Internet-Pionier Marc Andressen." in out


def test_clean_clause_cuts() -> None:
    assert "Bei den Bauarbeiten seien Schäden am Fundament entdeckt worden." in variants(
        "Bei den Bauarbeiten seien Schäden am Fundament entdeckt worden, von denen vorher niemand "
        "gewusst habe.", "de")
    assert "Nach Angaben des Herstellers wird die App von rund 2,3 Millionen Menschen genutzt." in \
        variants("Nach Angaben des Herstellers wird die App von rund 2,3 Millionen Menschen genutzt, "
                 "die meisten zeichnen damit ihre Laufstrecken auf.", "de")
    assert "The owners said they would challenge the rule in court." in variants(
        "The owners said they would challenge the rule in court, arguing that the state "
        "constitution leaves housing to the legislature.", "en")
    # what was denied is in the cut part: no cut
    assert variants("Halvorsen denied that, saying the first report arrived in January.", "en") == [
        "Halvorsen denied that, saying the first report arrived in January."]


def test_dateline_goes_but_a_title_stays() -> None:
    assert variants("Mainz. Der Landtag tagt am Montag.", "de")[0] == "Der Landtag tagt am Montag."
    assert variants("Dr. Müller sagte, das sei falsch.", "de")[0] == "Dr. Müller sagte, das sei falsch."


def test_bare_frame() -> None:
    assert bare_frame("Der Datenschutzbeauftragte Ulrich Kelber warnte.", "de")
    assert bare_frame("Der CDU-Politiker Jens Spahn behauptete, ohne Belege vorzulegen.", "de")
    assert bare_frame("Reinhardt warnte am Dienstag.", "de")
    assert not bare_frame("„Das ist gut“, sagte er.", "de")
    assert not bare_frame("Landrätin Karin Vogt kritisierte die Entscheidung scharf.", "de")


def test_what_that_means_leans_on_the_sentence_before() -> None:
    assert leans_on_previous("Für die Pendler bedeutet das weitere Monate im Ersatzverkehr.", "de")
    assert not leans_on_previous("Die Pendler müssen weitere Monate Bus fahren.", "de")

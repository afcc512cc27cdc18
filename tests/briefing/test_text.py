"""Language detection, sentence splitting on hard German and English cases, trimming, figures."""

from __future__ import annotations

import pytest

from bot.briefing.figures import extract_figures
from bot.text.entities import find_figures, parse_number
from bot.text.language import detect_language
from bot.text.sentences import split_sentences
from bot.text.trim import has_unresolved_deixis, join, leans_on_previous, variants


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Die Regierung ist alarmiert, zumal das Rechenzentrum in China steht.", "de"),
        ("The government is alarmed because the data centre is in China.", "en"),
        ("Nvidia-Aktie stürzt ab", "de"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Das kostet z.B. rd. 5,6 Millionen Dollar. Dr. Müller sagt das.", 2),
        ("Es waren 50.000 Chips. Chat GPT 4.o schlägt versöhnliche Töne an.", 2),
        ("„Wir werden sehen“, sagte er. „Geht das?“ Dann ging er.", 3),
        ("Prof. Dr. Weber u.a. widersprachen, d.h. sie zweifelten. Am 12. Okt. war es so.", 2),
        ("BERLIN (dpa) - Die Regierung ist alarmiert. Sie prüft Schritte.", 2),
        ("Berlin. Die Regierung ist alarmiert.", 1),
    ],
)
def test_german_splitting(text: str, sentences: int) -> None:
    result = split_sentences(text, "de", lemmas=False)
    assert len(result) == sentences, [s.text for s in result]
    for s in result:
        assert text[s.start:s.end] == s.text


def test_english_splitting_and_lemmas() -> None:
    text = "Dr. Smith, e.g. the CEO, said it costs $5.6 million. Shares fell 17% on Monday."
    result = split_sentences(text, "en")
    assert [s.text for s in result] == [
        "Dr. Smith, e.g. the CEO, said it costs $5.6 million.", "Shares fell 17% on Monday."]
    assert "say" in result[0].lemmas and "share" in result[1].lemmas


def test_paragraphs_are_numbered() -> None:
    result = split_sentences("Erster Absatz hier.\n\nZweiter Absatz. Noch ein Satz.", "de")
    assert [s.paragraph for s in result] == [0, 1, 1]


def test_numbers() -> None:
    assert parse_number("5,6", "de") == 5.6
    assert parse_number("50.000", "de") == 50000
    assert parse_number("1,200", "en") == 1200
    assert parse_number("5.6", "en") == 5.6
    values = [f.value for f in find_figures(
        "rund 5,6 Millionen Dollar, 50.000 Hopper H100, im Jahr 2023, am 12. Okt., GPT-4o, 4.o")]
    assert values == ["5,6 Millionen Dollar", "50.000"]


def test_trimming_keeps_quotes_and_drops_relative_clauses() -> None:
    s = ("„Es ist ein Sputnik-Moment für KI“, staunt der Internet-Pionier Marc Andressen, dessen "
         "Firma in OpenAI investiert ist, darunter auch in OpenAI.")
    assert "„Es ist ein Sputnik-Moment für KI“, staunt der Internet-Pionier Marc Andressen." in \
        variants(s, "de")
    embedded = ("Elon Musk, der die Kapazität seines Rechenzentrums verdoppeln möchte, sät derweil "
                "Zweifel am Durchbruch von DeepSeek.")
    assert "Elon Musk sät derweil Zweifel am Durchbruch von DeepSeek." in variants(embedded, "de")
    main_clause = "Kapital und Talente, das galt bislang als die Erfolgsformel der Branche."
    assert variants(main_clause, "de") == [main_clause]
    inside = "„Das ist eine Errungenschaft, die ich je gesehen habe“, sagt er."
    assert variants(inside, "de") == [inside]
    assert variants("Denn DeepSeek gelang es angeblich, aufzuschließen.", "de")[0].startswith(
        "DeepSeek gelang")


def test_leans_on_previous() -> None:
    assert leans_on_previous("Über seinen Kanal verbreitete er die Behauptung.", "de")
    assert leans_on_previous("Der Ansatz würde dafür nicht reichen.", "de")
    assert not leans_on_previous("Elon Musk, der seine Kapazität verdoppeln will, zweifelt.", "de")
    assert not leans_on_previous("„Sie können nicht darüber reden“, behauptet Wang.", "de")


def test_figures_have_context_and_source() -> None:
    text = ("Laut dem Report der Stanford Universität wurden rund 67,2 Milliarden Dollar investiert. "
            "Über X verbreitete er die Behauptung von Scale-AI-CEO Alexandr Wang: Dass DeepSeek "
            "Zugriff auf 50.000 Hopper H100 habe.")
    figures = extract_figures(text, split_sentences(text, "de", lemmas=False), "de")
    by_value = {f.value: f for f in figures}
    assert by_value["67,2 Milliarden Dollar"].source == "Report der Stanford Universität"
    assert "investiert" in by_value["67,2 Milliarden Dollar"].measures
    assert by_value["50.000"].source == "Scale-AI-CEO Alexandr Wang"


def test_deictic_place_needs_its_antecedent() -> None:
    s = ("Branchenausrüster Nvidia darf seine Top-Modelle aus Gründen der nationalen Sicherheit der "
         "USA dort nicht verkaufen, sondern nur eine abgespeckte Version namens H20.")
    assert has_unresolved_deixis(s, "de") and leans_on_previous(s, "de")
    assert not has_unresolved_deixis("In China darf Nvidia dort nur H20 verkaufen.", "de")
    assert not has_unresolved_deixis("Nvidia darf in China nur H20 verkaufen.", "de")


def test_adjuncts_drop_without_new_words() -> None:
    s = ("Branchenausrüster Nvidia darf seine Top-Modelle aus Gründen der nationalen Sicherheit der "
         "USA dort nicht verkaufen, sondern nur eine abgespeckte Version namens H20.")
    assert ("Branchenausrüster Nvidia darf seine Top-Modelle dort nicht verkaufen, sondern nur "
            "eine abgespeckte Version namens H20.") in variants(s, "de")
    p = "Das Land galt wegen der von den USA verhängten Exportkontrollen als benachteiligt."
    assert "Das Land galt wegen der Exportkontrollen als benachteiligt." in variants(p, "de")
    quoted = "„Aus Gründen der Sicherheit der USA“, sagte er, „bleibt es dabei.“"
    assert variants(quoted, "de") == [quoted]
    joined = join(variants(p, "de")[-1], variants(s, "de")[-1], "de")
    assert joined.startswith("Das Land galt") and "; Branchenausrüster Nvidia" in joined

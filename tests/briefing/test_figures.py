"""Key-figure labels against tests/data/briefing/figure_labels.json (written before tuning): a short
label from the article's own words, and who says so."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bot.briefing.figures import extract_figures
from bot.model import Figure
from bot.text.clean import clean_plain_text
from bot.text.sentences import split_sentences
from tests.briefing.fixtures import figures as fixture_figures
from tests.briefing.fixtures import raw

ROOT = Path(__file__).resolve().parents[2]
SPEC = json.loads((ROOT / "tests" / "data" / "briefing" / "figure_labels.json")
                  .read_text(encoding="utf-8"))
WORD = re.compile(r"[\w\-]+")


def _figures(article: dict[str, Any]) -> tuple[dict[str, Figure], str]:
    text = clean_plain_text((ROOT / article["path"]).read_text(encoding="utf-8")).text
    found = extract_figures(text, split_sentences(text, article["language"]),
                            article["language"])
    return {f.value: f for f in found}, text


def label_problems(figure: Figure, source_text: str, limit: int) -> list[str]:
    """What no label may do: run long, repeat its value, or use a word the article lacks."""
    out = []
    if len(figure.measures) > limit:
        out.append(f"label over {limit} characters: {figure.measures}")
    if figure.value in figure.measures:
        out.append(f"label repeats the figure: {figure.measures}")
    words = {w.casefold() for w in WORD.findall(source_text)}
    extra = [w for w in WORD.findall(figure.measures) if w.casefold() not in words]
    if extra:
        out.append(f"words not in the article {extra}: {figure.measures}")
    return out


@pytest.mark.parametrize("article", SPEC["articles"], ids=lambda a: Path(a["path"]).stem)
def test_labels_name_what_is_measured(article: dict[str, Any]) -> None:
    by_value, text = _figures(article)
    wrong = []
    for value, expected in article["figures"].items():
        figure = by_value.get(value)
        if figure is None:
            wrong.append(f"{value}: not found")
            continue
        wrong += [f"{value}: {p}" for p in label_problems(figure, text, SPEC["max_label_chars"])]
        low = figure.measures.casefold()
        if not all(any(alt.casefold() in low for alt in group) for group in expected["label"]):
            wrong.append(f"{value}: label {figure.measures!r} misses {expected['label']}")
        if expected["source"] is None and figure.source is not None:
            wrong.append(f"{value}: the article states it, not {figure.source!r}")
        if expected["source"] and expected["source"] not in (figure.source or ""):
            wrong.append(f"{value}: source {figure.source!r}, expected {expected['source']!r}")
    assert wrong == [], wrong


def test_fixture_labels_are_short_and_supported() -> None:
    """Every figure of the two-day fixture (German and English): a label, never a whole clause."""
    texts = {r["id"]: r["text"] for r in raw()}
    for item_id, figs in fixture_figures().items():
        for f in figs:
            assert f.measures, f
            assert label_problems(f, texts[item_id], SPEC["max_label_chars"]) == []


def test_a_speech_verb_after_the_figure_does_not_make_it_a_claim() -> None:
    text = ("Microsoft chief executive Satya Nadella, whose company has invested about $13 billion "
            "in OpenAI, said cheaper models would help. DeepSeek said it used 2,048 chips.")
    by_value = {f.value: f for f in extract_figures(text, split_sentences(text, "en"), "en")}
    assert by_value["$13 billion"].source is None
    assert "OpenAI" in by_value["$13 billion"].measures
    assert by_value["2,048"].source == "DeepSeek"

"""The topic briefing (/deepseek) on the seed as ingest stores it, and on the two-day fixture."""

from __future__ import annotations

import dataclasses

from bot.app import App
from bot.briefing.topic import build_topic_briefing
from bot.config import DEFAULT_TOPIC, BotConfig
from tests.briefing.fixtures import figures, items


async def test_seed_briefing_adds_what_the_digest_does_not_have(seeded_app: App) -> None:
    """/deepseek: key figures, the ledger's top entries and the timeline, no overview (that is
    the digest's, and the same fact is not told twice)."""
    storage = seeded_app.storage
    stored = await storage.items.all()
    figs = {i.id: await storage.items.figures(i.id) for i in stored}
    claims = await seeded_app.answers.filtered_claims(topic="deepseek")  # type: ignore[attr-defined]
    reply = build_topic_briefing(DEFAULT_TOPIC, stored, figs, claims, "de")
    sections = {s.heading: s for s in reply.sections}
    assert list(sections) == ["Schlüsselzahlen", "Wichtigste Behauptungen", "Zeitleiste"]
    assert not any(s.bullets for s in reply.sections)
    values = [f.value for f in sections["Schlüsselzahlen"].figures]
    assert "5,6 Millionen Dollar" in values and "50.000" in values
    wang = next(f for f in sections["Schlüsselzahlen"].figures if f.value == "50.000")
    assert wang.source and "Wang" in wang.source
    (link,) = sections["Zeitleiste"].links
    assert link.published is None and link.title.startswith("(Datum unbekannt) ")  # no ingest date
    assert 1 <= len(sections["Wichtigste Behauptungen"].claims) <= 5
    assert reply.title == "Lagebild: DeepSeek und das KI-Rennen zwischen den USA und China"


def test_many_stories_give_a_dated_timeline() -> None:
    reply = build_topic_briefing(DEFAULT_TOPIC, items(), figures(), [], "en")
    assert "Overview" not in [s.heading for s in reply.sections]
    timeline = next(s for s in reply.sections if s.heading == "Timeline")
    dates = [link.published for link in timeline.links]
    assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]
    assert all(link.url for link in timeline.links)
    assert not any("Bayern" in link.title for link in timeline.links)


def test_no_items() -> None:
    reply = build_topic_briefing(DEFAULT_TOPIC, [], {}, [], "de")
    assert reply.sections[0].text


async def test_seed_key_figures_say_what_they_measure(seeded_app: App) -> None:
    storage = seeded_app.storage
    stored = await storage.items.all()
    figs = {i.id: await storage.items.figures(i.id) for i in stored}
    reply = build_topic_briefing(DEFAULT_TOPIC, stored, figs, [], "de")
    key = reply.sections[0].figures
    cost = next(f for f in key if f.value == "5,6 Millionen Dollar")
    assert cost.measures.startswith("Kosten") and cost.source is None  # the one article's own
    assert all(len(f.measures) <= 70 for f in key), [f.measures for f in key]


async def test_english_bot_english_headings_article_language_content(seeded_app: App) -> None:
    """``[bot] language = "en"`` on a German article: every heading, label and the footer in
    English; figure labels stay in the article's words."""
    config = dataclasses.replace(seeded_app.config, bot=BotConfig(language="en"))
    storage = seeded_app.storage
    stored = await storage.items.all()
    figs = {i.id: await storage.items.figures(i.id) for i in stored}
    reply = build_topic_briefing(DEFAULT_TOPIC, stored, figs, [], config.bot.language)
    assert reply.title == "Briefing: DeepSeek and the US-China AI race"
    headings = [s.heading for s in reply.sections]
    assert headings == ["Key figures", "Timeline"]
    assert reply.footer == "1 source · /digest has the overview of the day"
    key = reply.sections[0].figures
    assert any(f.measures.startswith("Kosten") for f in key)


def test_several_stories_name_the_article_a_figure_comes_from() -> None:
    reply = build_topic_briefing(DEFAULT_TOPIC, items(), figures(), [], "en")
    key = next(s for s in reply.sections if s.heading == "Key figures")
    titles = {i.title for i in items()}
    assert all(f.source for f in key.figures)
    assert any(f.source in titles or (f.source or "").endswith("…") for f in key.figures)

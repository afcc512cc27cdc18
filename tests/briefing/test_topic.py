"""The topic briefing (/deepseek) on the seed as ingest stores it, and on the two-day fixture."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from bot.app import App
from bot.briefing.topic import build_topic_briefing
from bot.config import DEFAULT_TOPIC, BotConfig
from bot.text.trim import has_unresolved_deixis
from tests.briefing.facts import carried, problems
from tests.briefing.fixtures import figures, items

DATA = Path(__file__).resolve().parents[1] / "data"


async def test_seed_briefing_is_complete_and_short(seeded_app: App) -> None:
    storage = seeded_app.storage
    stored = await storage.items.all()
    figs = {i.id: await storage.items.figures(i.id) for i in stored}
    claims = await seeded_app.answers.filtered_claims(topic="deepseek")  # type: ignore[attr-defined]
    reply = build_topic_briefing(DEFAULT_TOPIC, stored, figs, claims, "de")
    sections = {s.heading: s for s in reply.sections}
    assert list(sections) [:2] == ["Überblick", "Schlüsselzahlen"]
    overview = list(sections["Überblick"].bullets)
    spec = json.loads((DATA / "seed.digest.json").read_text(encoding="utf-8"))
    assert problems(overview, spec, stored[0].text) == [], overview
    values = [f.value for f in sections["Schlüsselzahlen"].figures]
    assert "5,6 Millionen Dollar" in values and "50.000" in values
    wang = next(f for f in sections["Schlüsselzahlen"].figures if f.value == "50.000")
    assert wang.source and "Wang" in wang.source
    assert sections["Neueste Entwicklungen"].links
    if claims:
        assert 1 <= len(sections["Wichtigste Behauptungen"].claims) <= 5


def test_many_stories_give_one_lead_bullet_each() -> None:
    reply = build_topic_briefing(DEFAULT_TOPIC, items(), figures(), [], "en")
    overview = reply.sections[0]
    assert overview.heading == "Overview"
    assert 1 <= len(overview.bullets) <= 5
    latest = next(s for s in reply.sections if s.heading == "Latest developments")
    dates = [link.published for link in latest.links]
    assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]
    assert all(link.url for link in latest.links)
    assert not any("Bayern" in link.title for link in latest.links)


def test_no_items() -> None:
    reply = build_topic_briefing(DEFAULT_TOPIC, [], {}, [], "de")
    assert reply.sections[0].text


async def test_seed_briefing_leads_with_what_happened(seeded_app: App) -> None:
    storage = seeded_app.storage
    stored = await storage.items.all()
    figs = {i.id: await storage.items.figures(i.id) for i in stored}
    reply = build_topic_briefing(DEFAULT_TOPIC, stored, figs, [], "de")
    overview = list(reply.sections[0].bullets)
    spec = json.loads((DATA / "seed.digest.json").read_text(encoding="utf-8"))
    assert carried(overview[:1], spec["required"]["deepseek_cost"]), overview[0]
    # "dort" only with the sentence that names the place
    alone = [b for b in overview if has_unresolved_deixis(b, "de")]
    assert all("Reich der Mitte" in b for b in alone), alone
    h20 = next(b for b in overview if "H20" in b)
    assert "Reich der Mitte" in h20
    key = reply.sections[1].figures
    assert all(f.source for f in key)  # who says so: a claimant or the article
    cost = next(f for f in key if f.value == "5,6 Millionen Dollar")
    assert cost.measures.startswith("Kosten") and cost.source == "der Artikel"
    assert all(len(f.measures) <= 70 for f in key), [f.measures for f in key]


async def test_english_bot_english_headings_article_language_content(seeded_app: App) -> None:
    """``[bot] language = "en"`` on a German article: every heading, label and the footer in
    English; bullets and figure labels stay in the article's words."""
    config = dataclasses.replace(seeded_app.config, bot=BotConfig(language="en"))
    assert config.bot.language == "en"
    storage = seeded_app.storage
    stored = await storage.items.all()
    figs = {i.id: await storage.items.figures(i.id) for i in stored}
    reply = build_topic_briefing(DEFAULT_TOPIC, stored, figs, [], config.bot.language)
    assert reply.title.startswith("Briefing: ")
    headings = [s.heading for s in reply.sections]
    assert headings == ["Overview", "Key figures", "Latest developments"]
    assert reply.footer == "1 source"
    assert reply.sections[0].bullets[0].startswith("DeepSeek gelang")
    key = reply.sections[1].figures
    assert {f.source for f in key if f.value in ("5,6 Millionen Dollar", "157 Milliarden Dollar")} \
        == {"the article"}
    assert any(f.measures.startswith("Kosten") for f in key)


def test_several_stories_name_the_article_a_figure_comes_from() -> None:
    reply = build_topic_briefing(DEFAULT_TOPIC, items(), figures(), [], "en")
    key = next(s for s in reply.sections if s.heading == "Key figures")
    titles = {i.title for i in items()}
    assert all(f.source for f in key.figures)
    assert any(f.source in titles or (f.source or "").endswith("…") for f in key.figures)

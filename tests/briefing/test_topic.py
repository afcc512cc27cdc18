"""The topic briefing (/deepseek) on the seed as ingest stores it, and on the two-day fixture."""

from __future__ import annotations

import json
from pathlib import Path

from bot.app import App
from bot.briefing.topic import build_topic_briefing
from bot.config import DEFAULT_TOPIC
from tests.briefing.facts import problems
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

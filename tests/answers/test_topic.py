"""``/deepseek`` from its prepared row (``bot.answers.topic``): the same briefing as built at the
command, and a new item on the topic in the first briefing after its ingest."""

from __future__ import annotations

import pytest

from adapters.console import render_reply
from bot.answers.topic import TopicBriefings
from bot.app import App
from bot.briefing.stories import StoryMemo
from bot.ingest import RawArticle
from tests.conftest import FixedClock


def _built_there(app: App) -> TopicBriefings:
    """The briefing as every call built it before rows were prepared."""
    return TopicBriefings(app.config, app.storage, app.clock, app.answers.claim_ledger,
                          StoryMemo())


@pytest.mark.parametrize("language", ["de", "en"])
async def test_the_prepared_briefing_is_the_one_built_at_the_command(seeded_app: App,
                                                                     language: str) -> None:
    first = await seeded_app.answers.topic_briefing("deepseek", language=language)
    again = await seeded_app.answers.topic_briefing("deepseek", language=language)
    built = await _built_there(seeded_app).briefing("deepseek", language=language)
    assert first == built and again == built
    assert any(s.links for s in built.sections)  # a timeline, not an empty briefing


async def test_a_new_item_on_the_topic_is_in_the_first_briefing_after_its_ingest(
        seeded_app: App, clock: FixedClock) -> None:
    app = seeded_app
    await app.answers.topic_briefing("deepseek", language="en")  # a reader asked for it
    source = (await app.storage.sources.list())[0]
    clock.advance(minutes=5)
    await app.ingest.ingest_article(source, RawArticle(
        key="new-one", title="DeepSeek opens a lab in Lisbon",
        text="DeepSeek said on Tuesday it would open a research lab in Lisbon with 40 staff.",
        url="http://127.0.0.1:9/new-one", published=clock.now(), language="en"))
    reply = await app.answers.topic_briefing("deepseek", language="en")
    assert "DeepSeek opens a lab in Lisbon" in render_reply(reply, language="en")
    assert reply == await _built_there(app).briefing("deepseek", language="en")

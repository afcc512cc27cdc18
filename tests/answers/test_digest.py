from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.console import render_reply
from bot.answers.digest import DIGEST_BUDGET, once
from bot.app import App, build_app
from bot.config import Config, FeedConfig
from bot.model import Claim
from tests.briefing.facts import carried
from tests.conftest import FixedClock

DATA = Path(__file__).resolve().parents[1] / "data"


async def test_failing_feed_is_named_once_in_the_next_digest(config: Config,
                                                             clock: FixedClock) -> None:
    url = "https://feeds.example.org/broken.xml"
    config = dataclasses.replace(config, feeds=(FeedConfig(url=url, name="Broken"),))
    app = await build_app(config, clock=clock)
    try:
        await app.ingest.ingest_seeds(config.seeds.directory)
        source = await app.storage.sources.ensure("feed", url, "Broken", clock.now())
        await app.storage.sources.record_failure(source.id, clock.now(), "HTTP 500 from server",
                                                 next_poll=None)
        clock.advance(hours=1)
        window = await app.answers.digests.window()
        digest = await app.answers.digests.build(window, topic=None)
        assert len(digest.notices) == 1 and "Broken" in digest.notices[0]
        # the next window starts after the episode began: not mentioned again
        clock.advance(hours=25)
        later = await app.answers.digests.window(since=clock.now() - timedelta(hours=24))
        assert (await app.answers.digests.build(later, topic=None)).notices == ()
        sources = await app.answers.sources()
        assert any("Broken" in b and "500" in b for b in sources.sections[0].bullets)
    finally:
        await app.close()


@pytest.mark.parametrize("language", ["de", "en"])
async def test_seed_digest_within_budget_with_its_key_facts(seeded_app: App, language: str) -> None:
    """The issue's bar: at most 1,500 characters, no line over 400, the headline once, and every
    required fact of tests/data/seed.digest.json on one line of what people read."""
    reply = await seeded_app.answers.digest(topic=None, language=language)
    text = render_reply(reply, language=language)
    assert len(text) <= DIGEST_BUDGET, len(text)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 400
    headline = (await seeded_app.storage.items.all())[0].title
    assert text.count(headline) == 1
    spec = json.loads((DATA / "seed.digest.json").read_text(encoding="utf-8"))
    missing = [name for name, groups in spec["required"].items() if not carried(lines, groups)]
    assert missing == [], text


def test_a_claim_whose_words_the_overview_has_is_not_quoted_again() -> None:
    told = Claim(id="a", claimant="Wang", text="DeepSeek habe 50.000 H100", kind="indirect",
                 cue=None, hedged=False, hedges=(), evidence="unstated", disputes=("b",))
    other = dataclasses.replace(told, id="b", claimant=None, text="Etwas anderes", disputes=("a",))
    plain = dataclasses.replace(told, id="c", disputes=())
    overview = ["Laut Wang: DeepSeek habe 50.000 H100 Chips."]
    # b's line already says that it contradicts Wang: a adds nothing, plain says nothing new
    assert [(c.id, c.text) for c in once([told, other, plain], overview)] == [
        ("b", "Etwas anderes")]
    # with its other side not shown, a keeps who and tags (the dispute is news)
    assert [(c.id, c.text) for c in once([told, plain], overview)] == [("a", "")]


@pytest.mark.parametrize(("language", "said"), [("de", "neueste 1 Meldungen"),
                                                ("en", "newest 1 items")])
async def test_a_quiet_days_window_is_said_in_the_readers_language(
        seeded_app: App, clock: FixedClock, language: str, said: str) -> None:
    """Nothing new for a day: the digest falls back to the newest items and says so in the
    language of whoever asked, not the config's."""
    clock.advance(hours=30)
    reply = await seeded_app.answers.digest(topic=None, language=language)
    assert said in render_reply(reply, language=language)

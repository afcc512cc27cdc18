"""The daily digest on the two-day fixture: topic filter, ranking, what changed, contract."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.briefing.digest import best_matches, build_digest
from bot.briefing.stories import similarities
from bot.config import DEFAULT_TOPIC
from bot.contracts import digest_json
from bot.model import Claim, Digest, Item, Link
from tests.briefing.fixtures import figures, items

DAY1 = datetime(2025, 1, 28, 7, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(hours=24)


def _window(until: datetime) -> list[Item]:
    return [i for i in items() if until - timedelta(hours=24) <= i.ingested_at < until]


def _digest(until: datetime, *, previous: bool = False, claims: list[Claim] | None = None,
            language: str = "de", pool: list[Item] | None = None,
            disputes: set[frozenset[str]] | None = None) -> Digest:
    return build_digest(
        items=pool if pool is not None else _window(until), figures=figures(),
        claims=claims or [], since=until - timedelta(hours=24), until=until,
        window="24h", language=language, topic=DEFAULT_TOPIC,
        previous_items=_window(until - timedelta(hours=24)) if previous else (),
        window_disputes=disputes,
    )


def test_off_topic_item_stays_out_of_the_topic_digest() -> None:
    digest = _digest(DAY2)
    headlines = " ".join(s.headline for s in digest.stories)
    assert "Bayern" not in headlines
    assert any("Bayern" in i.title for i in _window(DAY2))  # it was in the window


def test_ranking_puts_multi_source_stories_first_and_is_deterministic() -> None:
    digest = _digest(DAY2)
    counts = [len(s.sources) for s in digest.stories]
    assert counts == sorted(counts, reverse=True)
    shuffled = _window(DAY2)
    random.Random(7).shuffle(shuffled)
    again = _digest(DAY2, pool=shuffled)
    assert [s.headline for s in again.stories] == [s.headline for s in digest.stories]


def test_bullets_are_the_briefing_at_most_five() -> None:
    digest = _digest(DAY2)
    assert 1 <= len(digest.bullets) <= 5
    assert all(len(b) <= 300 for b in digest.bullets)
    assert digest.bullets[0] == digest.stories[0].bullets[0]


def test_what_changed_between_two_consecutive_digests() -> None:
    first = _digest(DAY1)
    assert first.changes == ()  # nothing to compare with
    second = _digest(DAY2, previous=True)
    revised = [c for c in second.changes if c.startswith("Korrigiert")]
    assert len(revised) == 1, second.changes
    assert "$589 billion → $593 billion" in revised[0]
    # the rebound is a different event, not a revision of the drop
    assert not any("8.9%" in c for c in second.changes if c.startswith("Korrigiert"))


def test_new_and_newly_disputed_claims() -> None:
    seen = DAY2 - timedelta(hours=30)  # before the window: an older claim
    old = Claim(id="c1", claimant="DeepSeek", text="R1 cost $5.6 million to train", kind="statement",
                cue="said", hedged=False, hedges=(), evidence="none_given", disputes=("c2",),
                topics=("deepseek",), first_seen=seen, last_seen=DAY2,
                sources=(Link("a", "https://example.com/a"),))
    rebuttal = Claim(id="c2", claimant="Bernstein", text="The figure leaves out research",
                     kind="statement", cue="said", hedged=False, hedges=(), evidence="unstated",
                     disputes=("c1",), topics=("deepseek",), first_seen=DAY2 - timedelta(hours=2),
                     last_seen=DAY2)
    quiet = Claim(id="c3", claimant="X", text="Old news", kind="statement", cue=None,
                  hedged=False, hedges=(), evidence="unstated", topics=("deepseek",),
                  first_seen=seen, last_seen=seen)
    digest = _digest(DAY2, claims=[old, rebuttal, quiet], disputes={frozenset(("c1", "c2"))})
    assert {c.id for c in digest.new_claims} == {"c1", "c2"}
    assert "c3" not in {c.id for c in digest.new_claims}
    assert any(line.startswith("Neu bestritten: DeepSeek") for line in digest.changes)
    known = _digest(DAY2, claims=[old, rebuttal], disputes=set())  # found before the window
    assert not any(line.startswith("Neu bestritten") for line in known.changes)


def test_mixed_languages_keep_their_bullets_and_headings_follow_the_bot() -> None:
    english_bot = _digest(DAY2, language="en")
    german_bot = _digest(DAY2, language="de")
    assert english_bot.title.startswith("Daily digest")
    assert german_bot.title.startswith("Tagesüberblick")
    assert {s.language for s in german_bot.stories} == {"de", "en"}


def test_quiet_day_is_empty() -> None:
    assert _digest(DAY2, pool=[]).empty


def test_json_contract() -> None:
    data = digest_json(_digest(DAY2))
    assert {"title", "since", "until", "bullets", "stories"} <= set(data)
    assert isinstance(data["title"], str) and isinstance(data["since"], str)
    assert len(data["bullets"]) <= 5
    story = data["stories"][0]
    assert {"headline", "bullets", "first_seen", "sources"} <= set(story)
    assert {"title", "url", "published"} <= set(story["sources"][0])


def test_best_matches_are_the_highest_similarities_of_each_row() -> None:
    """The inverted index skips only pairs without a shared key: the best value and its first
    column are those of the whole matrix (``similarities``)."""
    rng = random.Random(7)
    vocab = [f"{kind}:{n}" for kind in "ncpw" for n in range(12)]

    def sets(count: int) -> list[frozenset[str]]:
        return [frozenset(rng.sample(vocab, rng.randint(0, 6))) for _ in range(count)]

    for _ in range(30):
        rows, cols = sets(8), sets(15)
        idf = {k: rng.uniform(0.2, 3.0) for k in vocab}
        matrix = similarities(rows, cols, idf)
        expected = [(max(line), line.index(max(line))) if max(line) > 0 else (0.0, -1)
                    for line in matrix]
        assert best_matches(rows, cols, idf) == expected
    assert any(best > 0.2 for best, _ in best_matches(rows, cols, idf))

"""``/feeds list`` health in the community's words: state, last success, last error and next poll,
dates and durations as its language writes them, no label word of the other language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.answers.feeds import health_line
from bot.errors import FeedError
from bot.feeds.health import SourceHealth
from tests.delivery.test_feed_alerts import leaked

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def health(**changes: object) -> SourceHealth:
    values: dict[str, object] = {
        "name": "heise", "url": "http://127.0.0.1:1/heise.rss", "kind": "feed",
        "last_success": NOW - timedelta(hours=2), "last_error": None, "failing_since": None,
        "consecutive_failures": 0, "next_poll": NOW + timedelta(minutes=14)}
    values.update(changes)
    return SourceHealth(**values)  # type: ignore[arg-type]


STATES = {
    "ok": health(),
    "warning": health(warning="XYZ"),
    "recovered": health(last_error="HTTP 500"),
    "failing": health(consecutive_failures=4, failing_since=NOW - timedelta(hours=26, minutes=5),
                      last_error="HTTP 500", next_poll=NOW - timedelta(minutes=1)),
    "once": health(consecutive_failures=1, failing_since=NOW - timedelta(minutes=20),
                   last_error="HTTP 500"),
    "new": health(last_success=None, next_poll=None),
    "not_a_feed": health(consecutive_failures=2, failing_since=NOW - timedelta(hours=3),
                         last_error=FeedError("not a feed (neither RSS, Atom nor JSON Feed)",
                                              code="not_a_feed").stored),
    "refused": health(consecutive_failures=1, failing_since=NOW - timedelta(hours=1),
                      last_error=FeedError("refused: 10.0.0.1 is not a public address",
                                           code="not_public", args={"host": "10.0.0.1"}).stored,
                      polled_by="worker-2"),
    "seed": health(kind="seed", name="deepseek.md"),
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("language", ["de", "en"])
def test_every_state_in_the_communitys_words(state: str, language: str) -> None:
    line = health_line(STATES[state], language, NOW)
    other = "en" if language == "de" else "de"
    assert not leaked(line, other), line


def test_dates_and_durations_per_language() -> None:
    assert health_line(STATES["ok"], "de", NOW) == (
        "heise (http://127.0.0.1:1/heise.rss) — in Ordnung, zuletzt erfolgreich am "
        "10.01.2026, 10:00 UTC; nächster Abruf am 10.01.2026, 12:14 UTC (in 14 Min.)")
    assert health_line(STATES["ok"], "en", NOW) == (
        "heise (http://127.0.0.1:1/heise.rss) — ok, last success 2026-01-10 10:00 UTC; next "
        "poll 2026-01-10 12:14 UTC (in 14 min)")
    failing = health_line(STATES["failing"], "de", NOW)
    assert ("fehlerhaft seit 1 Tg. 2 Std. (seit 09.01.2026, 09:55 UTC, 4-mal in Folge): der "
            "Server antwortete mit HTTP 500") in failing and failing.endswith("nächster Abruf jetzt")
    assert ("failing for 20 min (since 2026-01-10 11:40 UTC, once): the server answered "
            "HTTP 500") in health_line(STATES["once"], "en", NOW)
    assert health_line(STATES["new"], "de", NOW).endswith("noch nicht abgerufen")


def test_a_stored_error_code_is_worded_in_the_communitys_language() -> None:
    """The fetcher's English sentence stays in the table for the log; chat shows the code's words."""
    german = health_line(STATES["refused"], "de", NOW)
    assert "10.0.0.1 ist keine öffentliche Adresse" in german and "refused" not in german
    assert "zuletzt abgerufen von worker-2" in german
    english = health_line(STATES["not_a_feed"], "en", NOW)
    assert "not a feed (neither RSS, Atom nor JSON Feed)" in english and "[not_a_feed" not in english

"""Next-poll arithmetic: jitter, Cache-Control max-age, exponential backoff, Retry-After."""

from __future__ import annotations

import random
from datetime import timedelta

from bot.feeds.schedule import cache_max_age, failure_delay, success_delay

INTERVAL = timedelta(minutes=15)


def test_success_delay_is_the_interval_with_jitter() -> None:
    rng = random.Random(1)
    delays = [success_delay(INTERVAL, {}, rng) for _ in range(50)]
    assert all(INTERVAL * 0.9 <= d <= INTERVAL * 1.1 for d in delays)
    assert len(set(delays)) > 1


def test_cache_control_max_age_is_honoured() -> None:
    rng = random.Random(2)
    hour = success_delay(INTERVAL, {"Cache-Control": "public, max-age=3600"}, rng)
    assert timedelta(minutes=54) <= hour <= timedelta(minutes=66)
    short = success_delay(INTERVAL, {"cache-control": "max-age=60"}, rng)
    assert short >= INTERVAL * 0.9  # never polled more often than configured
    huge = success_delay(INTERVAL, {"Cache-Control": "max-age=9999999"}, rng)
    assert huge <= timedelta(hours=24) * 1.1
    assert cache_max_age({"Cache-Control": "no-cache, max-age=600"}) is None
    assert cache_max_age({"Cache-Control": "s-maxage=120"}) == 120


def test_failure_backoff_doubles_up_to_a_cap() -> None:
    rng = random.Random(3)
    delays = [failure_delay(INTERVAL, n, None, rng) for n in range(1, 12)]
    assert INTERVAL <= delays[0] <= INTERVAL * 1.1
    assert INTERVAL * 2 <= delays[1] <= INTERVAL * 2.2
    assert INTERVAL * 8 <= delays[3] <= INTERVAL * 8.8
    assert all(d <= timedelta(hours=6) * 1.1 for d in delays) and delays[-1] >= timedelta(hours=6)


def test_retry_after_wins_when_longer() -> None:
    rng = random.Random(4)
    assert failure_delay(INTERVAL, 1, 7200, rng) == timedelta(hours=2)
    assert failure_delay(INTERVAL, 1, 5, rng) >= INTERVAL
    assert failure_delay(INTERVAL, 1, 10**9, rng) == timedelta(hours=24)

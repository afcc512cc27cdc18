"""When to poll a feed next: interval with jitter, Cache-Control max-age, backoff, Retry-After."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from datetime import timedelta

MAX_CACHE = timedelta(hours=24)  # a max-age longer than this is not waited out
MAX_BACKOFF = timedelta(hours=6)
MAX_RETRY_AFTER = timedelta(hours=24)
JITTER = 0.1  # +-10 %, so feeds configured together drift apart


def _jitter(delay: timedelta, rng: random.Random, low: float = -JITTER) -> timedelta:
    return delay * (1 + rng.uniform(low, JITTER))


def cache_max_age(headers: Mapping[str, str]) -> float | None:
    """Seconds from ``Cache-Control: max-age`` (or ``s-maxage``), None when absent or no-cache."""
    value = ""
    for name, header in headers.items():
        if name.lower() == "cache-control":
            value += "," + header
    value = value.lower()
    if not value or "no-cache" in value or "no-store" in value:
        return None
    found = re.findall(r"(?:s-maxage|max-age)\s*=\s*\"?(\d+)", value)
    return float(max(int(n) for n in found)) if found else None


def success_delay(interval: timedelta, headers: Mapping[str, str], rng: random.Random) -> timedelta:
    """The feed's interval, or longer when the server says its answer stays fresh longer."""
    delay = interval
    fresh = cache_max_age(headers)
    if fresh is not None and timedelta(seconds=fresh) > delay:
        delay = min(timedelta(seconds=fresh), max(MAX_CACHE, interval))
    return _jitter(delay, rng)


def failure_delay(
    interval: timedelta, failures: int, retry_after: float | None, rng: random.Random
) -> timedelta:
    """Exponential backoff from the interval (capped), never sooner than Retry-After asks."""
    exponent = min(max(failures - 1, 0), 16)
    delay = min(interval * (2**exponent), max(MAX_BACKOFF, interval))
    delay = _jitter(delay, rng, low=0.0)
    if retry_after is not None:
        delay = max(delay, min(timedelta(seconds=retry_after), MAX_RETRY_AFTER))
    return delay

"""Flat cost: does one poll get slower as the database grows?

A loopback HTTP server serves two RSS feeds (German and English, texts from bench/newsgen.py) whose
content moves on by one batch per poll, as a live feed does: each poll brings ``--batch`` new items
(half per feed) with later dates than the stored ones. The real ``FeedPoller``, ``HttpFetcher`` and
text pipeline (NLP on: claims, ledger, stories) fill one database to each size of ``--sizes``; at
each size the next poll is timed (the same kind of poll: ``--batch`` fresh generated items) along
with the time the ledger step took in it.

Baseline in the same run: the timed poll at the smallest size. Target: the poll at the largest size
at most 1.3 times that. Prints JSON.

    .venv/bin/python bench/flat_cost_bench.py [--sizes 1000,5000,20000] [--batch 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest_bench import make_feed, serve

import bot.app
from bot.app import build_app
from bot.config import FeedConfig, default_config
from bot.feeds.fetch import HttpFetcher
from bot.feeds.poller import FeedPoller

START = datetime(2025, 1, 1, 0, 0, tzinfo=UTC)
SPACING = timedelta(minutes=1)


class Feeds:
    """Feed bodies for the current batch; ``now`` is just after its newest item."""

    def __init__(self, per_feed: int) -> None:
        self.per_feed = per_feed
        self.batch = 0

    def now(self) -> datetime:
        return START + SPACING * (2 * self.per_feed * (self.batch + 1)) + timedelta(minutes=1)

    def body(self, language: str) -> bytes:
        first = self.batch * self.per_feed
        return make_feed(language, range(first, first + self.per_feed), "127.0.0.1",
                         lambda i: START + SPACING * (2 * i + (language == "en")))


class LedgerTimer:
    """Wraps the ledger hook's ``update_ledger`` (as ``bot.app`` calls it) to sum its time."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.inner = bot.app.update_ledger

    async def __call__(self, *args: object, **kwargs: object) -> None:
        start = time.perf_counter()
        try:
            await self.inner(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            self.seconds += time.perf_counter() - start


async def run(sizes: list[int], batch: int, budget_s: float) -> dict[str, object]:
    feeds = Feeds(batch // 2)
    runner, port = await serve(feeds.body)
    urls = [f"http://127.0.0.1:{port}/{name}.rss" for name in ("de", "en")]
    points: list[dict[str, object]] = []
    started = time.perf_counter()
    stopped = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            base = default_config()
            config = replace(base, feeds=tuple(FeedConfig(u) for u in urls),
                             storage=replace(base.storage, database=Path(tmp) / "flat.db"),
                             fetch=replace(base.fetch, allow_private_networks=True,
                                           full_text=False))
            app = await build_app(config, clock=feeds)  # type: ignore[arg-type]
            fetcher = HttpFetcher(config.fetch)
            timer = LedgerTimer()
            bot.app.update_ledger = timer  # type: ignore[assignment]
            try:
                poller = FeedPoller.from_app(app, fetcher)
                stored = 0
                fill_s = 0.0
                for size in sizes:
                    while stored < size:
                        if time.perf_counter() - started > budget_s:
                            stopped = f"time budget of {budget_s:.0f} s reached at {stored} items"
                            break
                        t0 = time.perf_counter()
                        stored += await poll(poller, feeds)
                        fill_s += time.perf_counter() - t0
                    if stopped:
                        break
                    timer.seconds = 0.0
                    t0 = time.perf_counter()
                    new = await poll(poller, feeds)
                    poll_s = time.perf_counter() - t0
                    points.append({"stored_before": stored, "poll_items": new,
                                   "poll_s": round(poll_s, 3),
                                   "ledger_s": round(timer.seconds, 3),
                                   "ledger_ms_per_item": round(1000 * timer.seconds / new, 2),
                                   "items_per_s": round(new / poll_s, 1)})
                    stored += new
                    print(json.dumps(points[-1]), file=sys.stderr)
            finally:
                bot.app.update_ledger = timer.inner  # type: ignore[assignment]
                await fetcher.close()
                await app.close()
    finally:
        await runner.cleanup()
    first = points[0]["poll_s"] if points else None
    result: dict[str, object] = {
        "bench": "flat_cost",
        "batch": batch,
        "points": points,
        "ratio_largest_to_smallest": (
            round(float(points[-1]["poll_s"]) / float(first), 3)  # type: ignore[arg-type]
            if points and first else None),
        "target_ratio": 1.3,
        "fill_items_per_s": round(stored / fill_s, 1) if fill_s else None,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "note": "poll_s: one poll of `batch` fresh items at each store size, NLP on; ratio = "
                "poll at the largest size reached / poll at the smallest; shared machine",
    }
    if stopped:
        result["stopped"] = stopped
    return result


async def poll(poller: FeedPoller, feeds: Feeds) -> int:
    results = await poller.poll_all()
    errors = [r.line() for r in results if r.error]
    if errors:
        raise SystemExit("flat_cost_bench: " + "; ".join(errors))
    feeds.batch += 1
    return sum(r.new for r in results)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,5000,20000",
                        help="store sizes (items) at which a poll is timed, comma-separated")
    parser.add_argument("--batch", type=int, default=200, help="new items per poll")
    parser.add_argument("--budget", type=float, default=1800.0,
                        help="stop filling after this many seconds and report the sizes reached")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(json.dumps(asyncio.run(run(sizes, args.batch, args.budget)), indent=2))


if __name__ == "__main__":
    main()

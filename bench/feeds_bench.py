"""Feed ingestion speed: a 1,000-item RSS feed end to end (parse, identify, dedupe, store) against
bare ``feedparser.parse`` of the same bytes in the same run. Prints JSON.

The text pipeline (NLP) is replaced by a stub by default, so the figure is feed handling and storage
itself; ``--pipeline`` runs the real one (much slower: that cost belongs to the pipeline).

    .venv/bin/python bench/feeds_bench.py [--items 1000] [--repeat 3] [--pipeline]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import feedparser

from bot.app import build_app
from bot.config import FeedConfig, default_config
from bot.feeds.poller import FeedPoller
from bot.model import Analysis
from bot.ports import FetchResponse

NOW = datetime(2025, 1, 28, 9, 0, tzinfo=UTC)


def make_feed(n: int) -> bytes:
    items = []
    for i in range(n):
        when = format_datetime(NOW - timedelta(minutes=5 * i), usegmt=True)
        body = (f"<p>Item {i}: DeepSeek released a model, analysts said on Tuesday. Nvidia shares "
                f"fell {i % 20} percent, according to Bloomberg.</p>") * 6
        items.append(
            f"<item><title>Item {i} &amp; more</title><link>https://bench.example/{i}?utm_source=rss"
            f"</link><guid isPermaLink='false'>bench-{i}</guid><pubDate>{when}</pubDate>"
            f"<description><![CDATA[{body}]]></description></item>")
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench'
            "</title><link>https://bench.example/</link>" + "".join(items)
            + "</channel></rss>").encode()


class StubPipeline:
    def analyze(self, text: str, language: str | None = None) -> Analysis:
        return Analysis(language=language or "en", sentences=(), bullets=(), claims=())


class FixedFetcher:
    def __init__(self, body: bytes) -> None:
        self.body = body

    async def fetch(self, url: str, *, etag: str | None = None,
                    last_modified: str | None = None) -> FetchResponse:
        return FetchResponse(url, 200, {"Content-Type": "application/rss+xml"}, self.body)

    async def close(self) -> None:
        pass


class Clock:
    def now(self) -> datetime:
        return NOW


async def end_to_end(body: bytes, use_pipeline: bool) -> tuple[float, float, int]:
    """(seconds for the first poll, seconds for a second poll that changes nothing, new items)."""
    with tempfile.TemporaryDirectory() as tmp:
        base = default_config()
        config = base.__class__(**{**base.__dict__, "feeds": (FeedConfig("https://bench.example/rss"),),
                                   "storage": base.storage.__class__(database=Path(tmp) / "b.db")})
        pipeline = None if use_pipeline else StubPipeline()
        app = await build_app(config, clock=Clock(), pipeline=pipeline)  # type: ignore[arg-type]
        try:
            poller = FeedPoller.from_app(app, FixedFetcher(body))
            start = time.perf_counter()
            (first,) = await poller.poll_all()
            middle = time.perf_counter()
            (second,) = await poller.poll_all()
            end = time.perf_counter()
        finally:
            await app.close()
    assert first.error is None and second.new == 0, (first.line(), second.line())
    return middle - start, end - middle, first.new


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pipeline", action="store_true", help="run the real text pipeline")
    args = parser.parse_args()
    body = make_feed(args.items)
    bare, first, second = [], [], []
    stored = 0
    for _ in range(args.repeat):
        start = time.perf_counter()
        parsed = feedparser.parse(io.BytesIO(body))
        bare.append(time.perf_counter() - start)
        assert len(parsed.entries) == args.items
        a, b, stored = asyncio.run(end_to_end(body, args.pipeline))
        first.append(a)
        second.append(b)
    n = args.items
    result = {
        "items": n,
        "feed_bytes": len(body),
        "repeat": args.repeat,
        "pipeline": "real" if args.pipeline else "stub",
        "stored": stored,
        "feedparser_items_per_s": round(n / statistics.median(bare)),
        "first_poll_items_per_s": round(n / statistics.median(first)),
        "second_poll_items_per_s": round(n / statistics.median(second)),
        "first_poll_ratio_to_feedparser": round(statistics.median(first) / statistics.median(bare),
                                                2),
        "second_poll_ratio_to_feedparser": round(
            statistics.median(second) / statistics.median(bare), 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""Ingest end to end: N items (half English, half German, 600-1,500 characters of news prose with
attributed quotes, from bench/newsgen.py) served by a loopback HTTP feed server (two RSS feeds),
polled through the real ``FeedPoller`` and ``HttpFetcher`` into a fresh database, with the real text
pipeline (NLP on, in the default ``[ingest] processes`` analysis processes) and with a pipeline that
returns an empty analysis (NLP off, in the bot's process).

Beside the rates: the bot's process's CPU seconds during each poll and each analysis process's CPU
seconds and peak RSS (from /proc, so Linux only), which say whether the bot's process or the
analysis processes hold the ingest up. ``--processes N`` sets the analysis processes with NLP on.

Baseline in the same run: the same bytes fetched from the same server with aiohttp, parsed with bare
``feedparser`` and inserted with ``sqlite3`` (one row per item, one transaction). Items carry their
full text, so no article pages are fetched ([fetch] full_text = false). Prints JSON.

    .venv/bin/python bench/ingest_bench.py [--items 1000] [--skip-nlp] [--processes N]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import feedparser
from aiohttp import web
from newsgen import WORKLOAD, article

from bot.app import build_app
from bot.config import Config, FeedConfig, IngestConfig, default_config, default_processes
from bot.feeds.fetch import HttpFetcher
from bot.feeds.poller import FeedPoller, FeedResult
from bot.model import Analysis

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 1, 28, 9, 0, tzinfo=UTC)


def make_feed(language: str, indices: Iterable[int], host: str,
              when: Callable[[int], datetime]) -> bytes:
    """An RSS feed of the generated articles ``indices``, each published at ``when(index)``."""
    items = []
    for i in indices:
        title, body = article(i, language)
        published = format_datetime(when(i), usegmt=True)
        html = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n"))
        items.append(
            f"<item><title>{escape(title)}</title><link>http://{host}/{language}/{i}</link>"
            f"<guid isPermaLink='false'>{language}-{i}</guid><pubDate>{published}</pubDate>"
            f"<description><![CDATA[{html}]]></description></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{language}'
            f"</title><link>http://{host}/</link>" + "".join(items) + "</channel></rss>").encode()


def minutes_ago(step: int) -> Callable[[int], datetime]:
    return lambda i: NOW - timedelta(minutes=step * i)


class Clock:
    def now(self) -> datetime:
        return NOW


class NoNlp:
    """NLP off: an empty analysis, so the figure is feed handling and storage alone."""

    def analyze(self, text: str, language: str | None = None, *, max_bullets: int = 5) -> Analysis:
        return Analysis(language=language or "en", sentences=(), bullets=(), claims=())


async def serve(feeds: Callable[[str], bytes]) -> tuple[web.AppRunner, int]:
    """A loopback server answering ``/<name>.rss`` with ``feeds(name)``; (runner, port)."""

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=feeds(request.match_info["name"]),
                            content_type="application/rss+xml")

    server = web.Application()
    server.router.add_get("/{name}.rss", handler)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, port


def bench_config(urls: list[str], database: Path, processes: int | None) -> Config:
    """The default config on ``database`` with the loopback feeds ``urls`` (no article pages)."""
    base = default_config()
    return replace(base, feeds=tuple(FeedConfig(u) for u in urls),
                   storage=replace(base.storage, database=database),
                   fetch=replace(base.fetch, allow_private_networks=True, full_text=False),
                   ingest=IngestConfig(processes=processes))


def stored(results: list[FeedResult], bench: str) -> int:
    """New items of a poll; a feed error ends the bench."""
    errors = [r.line() for r in results if r.error]
    if errors:
        raise SystemExit(f"{bench}: " + "; ".join(errors))
    return sum(r.new for r in results)


def process_figures(pid: int) -> tuple[float, float]:
    """(CPU seconds, peak RSS in MiB) of a live process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    status = Path(f"/proc/{pid}/status").read_text()
    peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return cpu, peak / 1024


async def through_poller(urls: list[str], nlp: bool,
                         processes: int | None = None) -> tuple[float, int, dict[str, object]]:
    """(seconds, new items, CPU figures): the bot's process's CPU during the poll beside each
    analysis process's (from its start, its warm-up included) and peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        # NLP off has nothing to analyse: no analysis processes
        config = bench_config(urls, Path(tmp) / "bench.db", processes if nlp else 0)
        app = await build_app(config, clock=Clock(),
                              pipeline=None if nlp else NoNlp())  # type: ignore[arg-type]
        fetcher = HttpFetcher(config.fetch)
        try:
            poller = FeedPoller.from_app(app, fetcher)
            start, cpu_start = time.perf_counter(), time.process_time()
            results = await poller.poll_all()
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            workers = [process_figures(pid) for pid in app.ingest.pool.worker_pids()]
        finally:
            await fetcher.close()
            await app.close()
    figures: dict[str, object] = {
        "bot_process_cpu_s": round(cpu, 2),
        "analysis_processes_cpu_s": [round(c, 2) for c, _ in workers],
        "analysis_processes_peak_rss_mib": [round(r, 1) for _, r in workers],
    }
    return elapsed, stored(results, "ingest_bench"), figures


async def bare(urls: list[str]) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        db = sqlite3.connect(Path(tmp) / "bare.db")
        db.execute("CREATE TABLE items (guid TEXT PRIMARY KEY, title TEXT, link TEXT, body TEXT, "
                   "published TEXT)")
        stored = 0
        async with aiohttp.ClientSession() as session:
            for url in urls:
                async with session.get(url) as response:
                    body = await response.read()
                parsed = feedparser.parse(io.BytesIO(body))
                rows = [(e.get("id"), e.get("title"), e.get("link"), e.get("summary"),
                         e.get("published")) for e in parsed.entries]
                db.executemany("INSERT OR IGNORE INTO items VALUES (?, ?, ?, ?, ?)", rows)
                stored += len(rows)
        db.commit()
        db.close()
        return time.perf_counter() - start, stored


async def run(items: int, skip_nlp: bool, processes: int | None = None) -> dict[str, object]:
    half = items // 2
    placeholder = "127.0.0.1"
    feeds = {"de": make_feed("de", range(half), placeholder, minutes_ago(2)),
             "en": make_feed("en", range(items - half), placeholder, minutes_ago(2))}
    runner, port = await serve(feeds.__getitem__)
    urls = [f"http://127.0.0.1:{port}/{name}.rss" for name in feeds]
    try:
        bare_s, bare_n = await bare(urls)
        off_s, off_n, off_cpu = await through_poller(urls, nlp=False)
        result: dict[str, object] = {
            "bench": "ingest",
            "items": items,
            "feed_bytes": sum(len(b) for b in feeds.values()),
            "bare_feedparser_sqlite_items_per_s": round(bare_n / bare_s, 1),
            "nlp_off_items_per_s": round(off_n / off_s, 1),
            "nlp_off_ratio_to_bare": round(bare_s / off_s, 3),
            "nlp_off_target_ratio": 0.5,
            "nlp_off_bot_process_cpu_s": off_cpu["bot_process_cpu_s"],
        }
        if not skip_nlp:
            on_s, on_n, on_cpu = await through_poller(urls, nlp=True, processes=processes)
            result.update({f"nlp_on_{name}": value for name, value in on_cpu.items()})
            result.update({
                "nlp_on_items_per_s": round(on_n / on_s, 1),
                "nlp_on_ratio_to_bare": round(bare_s / on_s, 4),
                "nlp_on_target_items_per_s": 200,
                "nlp_on_stored": on_n,
            "nlp_on_processes": processes if processes is not None else default_processes(),
            })
        result["stored"] = off_n
        result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        result["workload"] = WORKLOAD
        result["note"] = "ratio = bare time / poller time (1.0 = as fast as bare); shared machine"
        return result
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--skip-nlp", action="store_true", help="only the NLP-off figure")
    parser.add_argument("--processes", type=int, default=None,
                        help="analysis processes with NLP on (default: [ingest] processes' default)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.items, args.skip_nlp, args.processes)), indent=2))


if __name__ == "__main__":
    main()

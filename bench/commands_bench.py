"""Read-command latency at 1k and 10k stored items, p50 and p99, against a bare indexed SELECT.

The database is filled through the real ``FeedPoller`` from two RSS feeds on a loopback server
(German and English) that move on by ``BATCH`` items per poll, as live feeds do; items are
``STEP`` apart (480 a day: a 24-hour digest window holds about 480 items, the previous window as
many). Texts: bench/newsgen.py's generated news, and every fifth item one of the English claim
fixtures with its figures and names varied (so /deepseek and the claims have matter). The first
FULL_HEAD items and the newest FULL_TAIL (both digest windows) are analysed by the full text
pipeline (summaries, claims, ledger, topics, story keys); in a store larger than FULL_HEAD +
FULL_TAIL the items between go through the same poller with ``FillerPipeline`` (no claims, the
lead sentence as the summary; topics and story keys still derived), because the full pipeline
and the ledger run at about 15 items/s on this shared machine. ``workload`` in the output says so.
Each size is filled once and kept under ``--cache`` keyed by BENCH_VERSION and size (a copy is
measured; the cached file is never written). A database filled by an older schema is migrated
when opened (``open_s`` says how long that and preparing derived rows at start took).

Each command runs through ``app.router.handle`` (``--runs`` times after one warm-up; p50/p99),
then "first after an ingest": a new item is ingested (full NLP, ``ingest_article`` with the
ledger hooks) and the command timed at once, ``--fresh`` times. Baseline, same process:
``SELECT id, title, url FROM items ORDER BY ingested_at DESC LIMIT 10`` through the
items_ingested index. Prints JSON.

    .venv/bin/python bench/commands_bench.py [--items 1000,10000] [--runs 50] [--fresh 5]
        [--root DIR]   # measure another checkout's code (e.g. main) on the same cached data
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

BENCH_VERSION = "2"  # bump when the fill changes: cached databases are keyed by it
HERE = Path(__file__).resolve().parent
COMMANDS = ("/deepseek", "/claims", "/claims status:disputed", "/claims claimant:Laura Chen",
            "/claims topic:deepseek", "/claims page:3", "/digest", "/sources", "/subscriptions",
            "/help")
NAMES = ("Ada Park", "Ben Cole", "Cleo Hart", "Dan Ruiz", "Eva Lind", "Finn Shaw", "Gail Moss")
STEP = timedelta(minutes=3)
START = datetime(2025, 1, 1, 6, 0, tzinfo=UTC)
BATCH = 200  # new items per poll (both feeds)
FULL_HEAD = 1000  # items 0..999 get the full pipeline...
FULL_TAIL = 960  # ...and the newest 960 (two digest windows); the rest of a larger store is filler
WORKLOAD = ("filled through the real FeedPoller from two loopback RSS feeds moving on by 200 items "
            "per poll, items 3 minutes apart (480 a day); texts from bench/newsgen.py (generated "
            "news, not real) and every fifth item an English claim fixture with varied figures and "
            "names; the first 1,000 and the newest 960 items with the full text pipeline (claims, "
            "ledger), the items between in a larger store with FillerPipeline (no NLP: lead "
            "sentence as summary, no claims; topics and story keys derived)")


def _import_root(root: Path) -> None:
    sys.path.insert(0, str(root))
    sys.path.insert(1, str(HERE))


class StepClock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current


def _fixtures(root: Path) -> tuple[str, ...]:
    return tuple(p.read_text(encoding="utf-8")
                 for p in sorted((root / "tests" / "data" / "claims").glob("en_*.txt")))


def language_of(i: int) -> str:
    return "en" if i % 5 == 0 or i % 2 == 0 else "de"


def published(i: int, step: timedelta = STEP) -> datetime:
    return START + step * i


def text_of(i: int, root: Path) -> tuple[str, str]:
    """(title, body) of item ``i`` of the bench database."""
    from newsgen import article as news  # late: bench/ is on the path after --root

    if i % 5 == 0:
        texts = _fixtures(root)
        title, _, body = texts[(i // 5) % len(texts)].partition("\n")
        shift = i % 13
        body = re.sub(r"\b(\d+)\b", lambda m: str(int(m.group(1)) + shift), body)
        who = NAMES[i % len(NAMES)]
        body += f"\n{who}, an analyst, said the model number {i} would ship in {i % 9 + 2} weeks."
        return f"{title} ({i})", body
    return news(i, language_of(i))


def article(i: int, root: Path, step: timedelta = STEP) -> Any:
    """Item ``i`` as a ``bot.ingest.RawArticle`` (for the ingests between timed commands)."""
    from bot.ingest import RawArticle  # late, as every bot import here: --root picks the tree

    title, body = text_of(i, root)
    language = language_of(i)
    return RawArticle(key=f"bench:{i}", title=title, text=body, language=language,
                      url=f"http://127.0.0.1:9/{language}/{i}", published=published(i, step))


def feed_body(language: str, indices: range, root: Path, step: timedelta) -> bytes:
    """The RSS feed of ``language``'s items among ``indices``."""
    entries = []
    for i in indices:
        if language_of(i) != language:
            continue
        title, body = text_of(i, root)
        html = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n"))
        entries.append(
            f"<item><title>{escape(title)}</title><link>http://127.0.0.1:9/{language}/{i}</link>"
            f"<guid isPermaLink='false'>bench-{i}</guid>"
            f"<pubDate>{format_datetime(published(i, step), usegmt=True)}</pubDate>"
            f"<description><![CDATA[{html}]]></description></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{language}'
            f"</title><language>{language}</language><link>http://127.0.0.1:9/</link>"
            + "".join(entries) + "</channel></rss>").encode()


class Feeds:
    """The loopback feeds' current window of items and a clock just after its newest."""

    def __init__(self, root: Path, step: timedelta) -> None:
        self.root = root
        self.step = step
        self.window = range(0)

    def now(self) -> datetime:
        return published(max(self.window.stop - 1, 0), self.step) + timedelta(minutes=1)

    def body(self, name: str) -> bytes:
        return feed_body(name, self.window, self.root, self.step)


async def serve(feeds: Feeds) -> tuple[Any, int]:
    from ingest_bench import serve as serve_feeds  # late: bench/ is on the path after --root

    return await serve_feeds(feeds.body)


def _config(path: Path, urls: tuple[str, ...] = (), processes: int | None = None) -> Any:
    from bot.config import FeedConfig, IngestConfig, default_config

    base = default_config()
    return dataclasses.replace(
        base, storage=dataclasses.replace(base.storage, database=path),
        feeds=tuple(FeedConfig(u) for u in urls),
        fetch=dataclasses.replace(base.fetch, allow_private_networks=True, full_text=False),
        ingest=IngestConfig(processes=processes))


class FillerPipeline:
    """The filler of a large database (see FULL_HEAD): no NLP, the lead sentence as the summary,
    so that filling 10,000 items takes minutes, not hours, on a shared machine."""

    def analyze(self, text: str, language: str | None = None, *, max_bullets: int = 5) -> Any:
        from bot.model import Analysis

        lead = text.split(". ", 1)[0].strip()
        return Analysis(language=language or "en", sentences=(), bullets=(lead + ".",),
                        claims=())


def is_full(i: int, size: int) -> bool:
    return i < FULL_HEAD or i >= size - FULL_TAIL


async def _count(path: Path) -> int:
    from bot.app import build_app

    probe = await build_app(_config(path, processes=0), pipeline=FillerPipeline())
    try:
        return int(await probe.storage.items.count())
    finally:
        await probe.close()


async def _feed_urls(path: Path) -> tuple[str, ...]:
    """The addresses the fill polled (its loopback port is gone; only the rows matter)."""
    from bot.app import build_app

    probe = await build_app(_config(path, processes=0), pipeline=FillerPipeline())
    try:
        return tuple(s.url for s in await probe.storage.sources.list() if s.kind == "feed")
    finally:
        await probe.close()


async def _fill_run(path: Path, stored: int, size: int, root: Path, *,
                    step: timedelta = STEP, everything_full: bool = False) -> int:
    """Polls of BATCH items with one pipeline (full or filler) until the kind or the size ends
    (``everything_full``: the full pipeline for every item)."""

    def full_nlp(i: int, size: int) -> bool:
        return everything_full or is_full(i, size)

    from bot.app import build_app
    from bot.feeds.fetch import HttpFetcher
    from bot.feeds.poller import FeedPoller

    full = full_nlp(stored, size)
    feeds = Feeds(root, step)
    runner, port = await serve(feeds)
    urls = tuple(f"http://127.0.0.1:{port}/{name}.rss" for name in ("de", "en"))
    config = _config(path, urls, processes=None if full else 0)
    app = await build_app(config, clock=feeds, pipeline=None if full else FillerPipeline())
    fetcher = HttpFetcher(config.fetch)
    try:
        poller = FeedPoller.from_app(app, fetcher)
        while stored < size and full_nlp(stored, size) == full:
            end = min(stored + BATCH, size)
            while end > stored + 1 and full_nlp(end - 1, size) != full:
                end -= 1
            feeds.window = range(stored, end)
            results = await poller.poll_all()
            errors = [r.line() for r in results if r.error]
            if errors:
                raise SystemExit("commands_bench: " + "; ".join(errors))
            stored += sum(r.new for r in results)
            print(json.dumps({"filled": stored, "full_nlp": full}), file=sys.stderr)
        await app.storage.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        await fetcher.close()
        await app.close()
        await runner.cleanup()
    return stored


def _start_from(smaller: Path, path: Path) -> None:
    if not path.exists():
        shutil.copyfile(smaller, path)


def _keep(path: Path, target: Path) -> None:
    partial = target.with_suffix(".partial")
    shutil.copyfile(path, partial)
    partial.rename(target)  # never a half-copied file under the cache's name


async def fill(path: Path, sizes: list[int], cache: Path, root: Path) -> dict[int, Path]:
    """Fill ``path`` to each size (from the largest smaller size already cached), keeping a copy
    per size in ``cache``."""
    out: dict[int, Path] = {}
    done = sorted(n for n in sizes if (cache / f"commands-v{BENCH_VERSION}-{n}.db").exists())
    for size in sorted(sizes):
        target = cache / f"commands-v{BENCH_VERSION}-{size}.db"
        if target.exists():
            out[size] = target
            continue
        smaller = [n for n in done if n < size]
        if smaller:
            _start_from(cache / f"commands-v{BENCH_VERSION}-{smaller[-1]}.db", path)
        stored = await _count(path)
        while stored < size:
            stored = await _fill_run(path, stored, size, root)
        _keep(path, target)
        out[size] = target
        done.append(size)
    return out


BUSY_WORKLOAD = ("filled through the real FeedPoller from two loopback RSS feeds moving on by "
                 "200 items per poll, 3,600 items 24 s apart (the last 24 hours), every item "
                 "with the full text pipeline (claims, ledger); texts from bench/newsgen.py "
                 "(generated news, not real) and every fifth item an English claim fixture with "
                 "varied figures and names")
BUSY_ITEMS = 3600
BUSY_STEP = timedelta(seconds=24)  # 3,600 items in 24 hours (issue 21's busy day)


async def fill_busy(cache: Path, root: Path) -> Path:
    """The busy day's database: BUSY_ITEMS items BUSY_STEP apart, all with the full pipeline,
    through the poller as above; cached like the others."""
    target = cache / f"commands-v{BENCH_VERSION}-busy-{BUSY_ITEMS}.db"
    if not target.exists():
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "busy.db"
            stored = 0
            while stored < BUSY_ITEMS:
                stored = await _fill_run(path, stored, BUSY_ITEMS, root, step=BUSY_STEP,
                                         everything_full=True)
            _keep(path, target)
    return target


class Ticker:
    """How late a 5 ms timer fires while something runs on the loop: the longest stall."""

    def __init__(self) -> None:
        self.stalls: list[float] = []
        self.task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.005)
            self.stalls.append((time.perf_counter() - start - 0.005) * 1000)

    def __enter__(self) -> Ticker:
        self.task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *_: object) -> None:
        assert self.task is not None
        self.task.cancel()


async def _open(db: Path, clock: StepClock) -> tuple[Any, float, float]:
    """The app on ``db`` with the filled feeds in its config (so every command's reader sees
    their items), the seconds of the first open (migrations, derived rows of stored items) and
    of the second."""
    from bot.app import build_app

    started = time.perf_counter()
    urls = await _feed_urls(db)
    first_open_s = time.perf_counter() - started
    started = time.perf_counter()
    app = await build_app(_config(db, urls), clock=clock)
    return app, first_open_s, time.perf_counter() - started


async def measure_busy(db: Path, root: Path, runs: int) -> dict[str, object]:
    """/digest on the busy day: its time and the longest the loop was blocked meanwhile, warm
    and first after an ingest; the same for the baseline SELECT."""
    from bot.model import User

    clock = StepClock(published(BUSY_ITEMS, BUSY_STEP))
    prepare = _time_preparation()
    app, first_open_s, open_s = await _open(db, clock)
    out: dict[str, object] = {"items": BUSY_ITEMS, "first_open_s": round(first_open_s, 2),
                              "open_s": round(open_s, 2)}
    try:
        source = next(s for s in await app.storage.sources.list() if s.url.endswith("/en.rss"))
        user = User(id="bench", name="bench", is_admin=True)
        request = app.router.parse_text("/digest", user=user, platform="console", channel="b")
        window = await app.storage.db.fetch_one(
            "SELECT COUNT(*) FROM items WHERE ingested_at >= ?",
            ((clock.now() - timedelta(hours=24)).isoformat(),))
        out["items_in_last_24_h"] = int(window[0]) if window else None
        for kind in ("first_after_ingest", "warm"):
            times, stalls, ingests, ingest_stalls = [], [], [], []
            for k in range(runs):
                if kind == "first_after_ingest":
                    clock.current = published(BUSY_ITEMS + k, BUSY_STEP) + timedelta(minutes=1)
                    with Ticker() as ingest_ticker:
                        start = time.perf_counter()
                        await app.ingest.ingest_article(source, article(BUSY_ITEMS + k, root,
                                                                        BUSY_STEP))
                        ingests.append((time.perf_counter() - start) * 1000)
                        await asyncio.sleep(0.006)
                    ingest_stalls.append(max(ingest_ticker.stalls, default=0.0))
                with Ticker() as ticker:
                    start = time.perf_counter()
                    reply = await app.router.handle(request)
                    times.append((time.perf_counter() - start) * 1000)
                    await asyncio.sleep(0.006)  # the ticker's last lap
                if reply.is_error:
                    raise SystemExit(f"commands_bench: /digest: {reply.title}")
                stalls.append(max(ticker.stalls, default=0.0))
            result: dict[str, object] = {
                "digest_ms_each": [round(t, 1) for t in times],
                "longest_loop_stall_ms_each": [round(t, 1) for t in stalls]}
            if ingests:  # the ingest of one item before it (analysis, ledger, prepared rows)
                result["ingest_ms_each"] = [round(t, 1) for t in ingests]
                result["ingest_longest_loop_stall_ms_each"] = [round(t, 1) for t in ingest_stalls]
            out[kind] = result
        out["preparation"] = _preparation(prepare)
        out["scheduled_digest"] = await _scheduled(app, clock, runs)
    finally:
        await app.close()
    return out


async def _scheduled(app: Any, clock: StepClock, runs: int) -> dict[str, object]:
    """The scheduled digest of the busy day's last 24 hours (``for_subscription``, as the
    delivery service builds it at post time): its time and the loop's longest stall meanwhile."""
    from bot.storage.deliveries import SubscriptionRow

    sub = SubscriptionRow(id="bench", platform="console", channel="bench", time="08:00",
                          timezone="UTC", topic=None, quiet="skip", origin="config",
                          created_by=None, created_at=clock.now())
    until = clock.now()
    times, stalls = [], []
    for _ in range(runs):
        with Ticker() as ticker:
            start = time.perf_counter()
            await app.answers.digests.for_subscription(sub, until - timedelta(hours=24), until)
            times.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.006)
        stalls.append(max(ticker.stalls, default=0.0))
    return {"ms_each": [round(t, 1) for t in times],
            "longest_loop_stall_ms_each": [round(t, 1) for t in stalls]}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _times(fn: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    await fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


async def measure(db: Path, n: int, runs: int, fresh: int, root: Path) -> dict[str, object]:
    from bot.model import User

    clock = StepClock(published(n))
    prepare = _time_preparation()
    app, first_open_s, open_s = await _open(db, clock)
    try:
        # the filled feeds are the config's, so every command's reader sees their items
        source = next(s for s in await app.storage.sources.list() if s.url.endswith("/en.rss"))

        async def baseline() -> object:
            return await app.storage.db.fetch_all(
                "SELECT id, title, url FROM items ORDER BY ingested_at DESC LIMIT 10")

        base = await _times(baseline, runs)
        base_p50 = statistics.median(base)
        user = User(id="bench", name="bench", is_admin=True)
        commands: dict[str, object] = {}
        added = 0
        ingest_ms: list[float] = []
        for line in COMMANDS:
            request = app.router.parse_text(line, user=user, platform="console", channel="bench")

            async def handle(request: Any = request, line: str = line) -> object:
                reply = await app.router.handle(request)
                if reply.is_error:
                    raise SystemExit(f"commands_bench: {line}: {reply.title}")
                return reply

            times = await _times(handle, runs)
            after = []
            for _ in range(fresh):
                clock.current = published(n + added) + timedelta(minutes=1)
                start = time.perf_counter()
                await app.ingest.ingest_article(source, article(n + added, root))
                ingest_ms.append((time.perf_counter() - start) * 1000)
                added += 1
                start = time.perf_counter()
                await handle()
                after.append((time.perf_counter() - start) * 1000)
            p50 = statistics.median(times)
            commands[line] = {
                "p50_ms": round(p50, 2), "p99_ms": round(_percentile(times, 0.99), 2),
                "ratio_p50_to_baseline": round(p50 / base_p50, 1),
                "first_after_ingest_p50_ms": round(statistics.median(after), 2),
                "first_after_ingest_max_ms": round(max(after), 2),
            }
        counts = {name: (await app.storage.db.fetch_one(f"SELECT COUNT(*) FROM {name}") or [0])[0]
                  for name in ("items", "claims", "claim_disputes")}
    finally:
        await app.close()
    return {"items": n, "stored": counts, "first_open_s": round(first_open_s, 2),
            "open_s": round(open_s, 2),
            "baseline_p50_ms": round(base_p50, 3),
            "baseline_p99_ms": round(_percentile(base, 0.99), 3), "commands": commands,
            "ingest_one_item_p50_ms": round(statistics.median(ingest_ms), 1),
            "preparation": _preparation(prepare)}


def _time_preparation() -> Timed | None:
    """The time ingest spends preparing digests and briefings (``PreparedAnswers.after_items``,
    wrapped before the app binds it); None for code without prepared answers (--root main)."""
    from bot.answers import prepared  # late: --root picks the tree

    owner = getattr(prepared, "PreparedAnswers", None)
    return Timed(owner, "after_items") if owner is not None else None


def _preparation(timed: Timed | None) -> dict[str, object] | None:
    """Per ingest batch (here one item each): the ms the preparation of prepared rows took."""
    if timed is None:
        return None
    timed.restore()
    return {"batches": timed.calls,
            "ms_per_batch": round(1000 * timed.seconds / max(timed.calls, 1), 1)}


def _cached(cache: Path, sizes: list[int]) -> tuple[dict[int, Path], list[int]]:
    """Each size's cache file, and the sizes not filled yet."""
    cache.mkdir(parents=True, exist_ok=True)
    wanted = {n: cache / f"commands-v{BENCH_VERSION}-{n}.db" for n in sizes}
    return wanted, [n for n, p in wanted.items() if not p.exists()]


async def run(sizes: list[int], runs: int, fresh: int, cache: Path,
              root: Path) -> dict[str, object]:
    wanted, missing = _cached(cache, sizes)
    fill_s = None
    with tempfile.TemporaryDirectory() as tmp:
        if missing:
            started = time.perf_counter()
            await fill(Path(tmp) / "fill.db", sizes, cache, root)
            fill_s = round(time.perf_counter() - started, 1)
        results = []
        for n in sizes:
            copy = Path(tmp) / f"measure-{n}.db"
            shutil.copyfile(wanted[n], copy)
            results.append(await measure(copy, n, runs, fresh, root))
    return {
        "bench": "commands", "code": str(root), "runs": runs, "fresh": fresh,
        "fill_s": fill_s, "cache": str(cache), "sizes": results, "workload": WORKLOAD,
        "baseline": "SELECT id, title, url FROM items ORDER BY ingested_at DESC LIMIT 10",
        "target": "every command p99 < 50 ms at 10,000 items, also first after an ingest",
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "note": "in-process through the router; shared 2-core machine: compare within a run",
    }


class Timed:
    """Wraps an async function of a module or class, summing the seconds spent in it."""

    def __init__(self, owner: Any, name: str) -> None:
        self.owner, self.name = owner, name
        self.inner = getattr(owner, name)
        self.seconds = 0.0
        self.calls = 0

        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await self.inner(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1

        setattr(owner, name, timed)

    def restore(self) -> None:
        setattr(self.owner, self.name, self.inner)


async def placement_cost(cache: Path, root: Path, count: int) -> dict[str, object]:
    """What placing a new item in its story adds to storing it: ``count`` new items (full NLP)
    ingested one by one into a copy of the 10,000-item store; the time in ``assign_story``
    against the time of the whole storing step (``IngestService._store``: item, claims, topics,
    keys, story; the analysis before it not counted)."""
    import bot.ingest
    from bot.app import build_app

    size = 10000
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "placement.db"
        shutil.copyfile(cache / f"commands-v{BENCH_VERSION}-{size}.db", db)
        urls = await _feed_urls(db)
        clock = StepClock(published(size))
        app = await build_app(_config(db, urls), clock=clock)
        store = Timed(bot.ingest.IngestService, "_store")
        place = Timed(bot.ingest, "assign_story")
        try:
            source = next(s for s in await app.storage.sources.list()
                          if s.url.endswith("/en.rss"))
            for k in range(count):
                clock.current = published(size + k) + timedelta(minutes=1)
                await app.ingest.ingest_article(source, article(size + k, root))
        finally:
            store.restore()
            place.restore()
            await app.close()
    without = store.seconds - place.seconds
    return {"bench": "commands --placement", "items": place.calls, "store_size": size,
            "placement_ms_per_item": round(1000 * place.seconds / max(place.calls, 1), 2),
            "store_step_without_placement_ms_per_item": round(
                1000 * without / max(store.calls, 1), 2),
            "ratio_placement_to_step_without": round(place.seconds / without, 3),
            "workload": WORKLOAD, "note": "shared 2-core machine; one run"}


async def busy(cache: Path, root: Path, runs: int) -> dict[str, object]:
    _cached(cache, [])
    started = time.perf_counter()
    target = await fill_busy(cache, root)
    fill_s = round(time.perf_counter() - started, 1)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "busy.db"
        shutil.copyfile(target, copy)
        result = await measure_busy(copy, root, runs)
    return {"bench": "commands --busy", "code": str(root), "fill_s": fill_s, **result,
            "workload": BUSY_WORKLOAD,
            "note": "longest_loop_stall_ms: the most a 5 ms timer fired late while /digest ran "
                    "(in-process through the router; shared 2-core machine)"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", default="1000,10000", help="store sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--fresh", type=int, default=5)
    parser.add_argument("--cache", type=Path,
                        default=Path(os.environ.get("BRIEFBOT_BENCH_CACHE", "/work/bench-cache")))
    parser.add_argument("--root", type=Path, default=HERE.parent)
    parser.add_argument("--fill-only", action="store_true")
    parser.add_argument("--placement", action="store_true",
                        help="only the ingest cost of placing new items in stories (10k store)")
    parser.add_argument("--busy", action="store_true",
                        help="only the busy day: /digest with 3,600 items in the last 24 hours, "
                             "its longest loop stall")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    _import_root(root)
    sizes = sorted(int(s) for s in args.items.split(","))
    if args.placement:
        print(json.dumps(asyncio.run(placement_cost(args.cache, root, 40)), indent=2))
        return 0
    if args.busy:
        print(json.dumps(asyncio.run(busy(args.cache, root, min(args.runs, 5))), indent=2))
        return 0
    if args.fill_only:
        with tempfile.TemporaryDirectory() as tmp:
            args.cache.mkdir(parents=True, exist_ok=True)
            asyncio.run(fill(Path(tmp) / "fill.db", sizes, args.cache, root))
        return 0
    print(json.dumps(asyncio.run(run(sizes, args.runs, args.fresh, args.cache, root)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

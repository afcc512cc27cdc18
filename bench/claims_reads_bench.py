"""Claims reads on a claims-heavy store, p50/p99 at 1k and 10k items, warm and first after an
ingest, against a bare indexed SELECT in the same process (printed as JSON).

``commands_bench`` fills through the poller with a no-NLP filler between its full-NLP windows, so
its 10k store holds under a thousand claims. This one writes the ledger directly through the
storage API both trees share (``items.upsert``, ``claims.replace_for_item``, ``add_dispute``,
``set_item_topics``): per item 2-3 claims, every fourth claim reported again by an item of
another feed, 2 % disputed, 30 % of items on the topic; seven feeds: three of the config, one
shared import, one each of two Discord guilds and one the guild follows beside the other's
(``WORKLOAD``). Synthetic: claim texts and names are generated, not real news. Then the app is
opened again (``open_s``: migrations and any rows made at start) and each read is timed
``--runs`` times after a warm-up, and ``--fresh`` times right after one real article was
ingested (full text pipeline and ledger hooks) — the first call after an ingest. Last, the rank
step of a poll (``rank_update_per_200_items``): 200 more items of the workload, then
``ClaimAnswers.update_ranks`` of their ids, timed per batch.

    .venv/bin/python bench/claims_reads_bench.py [--items 1000,10000] [--runs 40] [--fresh 5]
        [--root DIR]   # another checkout's code (e.g. main) on the same synthetic data
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from commands_bench import StepClock, _percentile, _times  # the same clock, p99 and timing

HERE = Path(__file__).resolve().parent
START = datetime(2025, 1, 1, 6, 0, tzinfo=UTC)
STEP = timedelta(minutes=3)
FEEDS = ("http://127.0.0.1:9/c1.rss", "http://127.0.0.1:9/c2.rss", "http://127.0.0.1:9/c3.rss",
         "http://127.0.0.1:9/shared.rss", "http://127.0.0.1:9/a.rss", "http://127.0.0.1:9/b.rss",
         "http://127.0.0.1:9/ab.rss")
A, B = "discord:1", "discord:2"
NAMES = ("Ada Park", "Ben Cole", "Cleo Hart", "Dan Ruiz", "Eva Lind", "Finn Shaw", "Gail Moss",
         "Hugo Vance", "Iris Kemp", "Joel Brandt", "Kira Nolan", "Liam Ortiz", "Mona Pratt")
WORDS = ("model", "chips", "price", "training", "export", "cost", "license", "data", "launch",
         "market", "rules", "cloud", "server", "energy", "budget", "report")
WORKLOAD = ("synthetic ledger written through the storage API: 2-3 claims per item, every fourth "
            "claim reported again by another feed's item, 2 % of claims disputed, 30 % of items on "
            "the 'deepseek' topic; 7 feeds (3 config, 1 shared, guild A's, guild B's, one both "
            "follow); items 3 minutes apart; the fresh ingests are real English claim fixtures "
            "through the full pipeline")


def _config(path: Path) -> Any:
    from bot.config import FeedConfig, default_config  # late: --root picks the tree

    base = default_config()
    return dataclasses.replace(
        base, storage=dataclasses.replace(base.storage, database=path),
        feeds=tuple(FeedConfig(url, f"c{i}") for i, url in enumerate(FEEDS[:3])))


def _claim(i: int, k: int, when: datetime) -> Any:
    from bot.storage.claims import ClaimRow

    n = i * 3 + k
    who = NAMES[n % len(NAMES)] if n % 7 else None
    text = (f"the {WORDS[n % len(WORDS)]} {WORDS[(n // 3) % len(WORDS)]} number {n} "
            f"will change by {n % 90 + 5} percent")
    return ClaimRow(id=f"c{n:011d}", claimant=who, text=text, kind="quote", cue="said",
                    hedged=n % 5 == 0, hedges=("may",) if n % 5 == 0 else (),
                    evidence="none_given" if n % 6 == 0 else "unknown", figures=(),
                    first_seen=when, last_seen=when, mentions=())


async def fill(app: Any, items: int, clock: StepClock) -> None:
    sources = [await app.storage.sources.ensure("feed", url, url, clock.now()) for url in FEEDS]
    for owner, index in (("*", 3), (A, 4), (B, 5), (A, 6), (B, 6)):
        await app.storage.feed_owners.add(owner, sources[index].id, f"feed{index}", None,
                                          clock.now())
    for i in range(items):
        await write_item(app, i, sources, clock)


async def write_item(app: Any, i: int, sources: list[Any], clock: StepClock) -> int:
    """Item ``i`` of the workload with its claims, topics and any dispute; its id."""
    from bot.model import ClaimSpans
    from bot.storage.claims import ClaimMention
    from bot.storage.items import NewItem

    when = START + STEP * i
    clock.current = when
    source = sources[i % len(sources)]
    item_id, _ = await app.storage.items.upsert(source.id, NewItem(
        key=f"k{i}", title=f"Item {i} on {WORDS[i % len(WORDS)]}",
        url=f"http://127.0.0.1:9/{i}", published=when, language="en", text=f"text {i}",
        content_hash=str(i)), when)
    mine = [_claim(i, k, when) for k in range(2 + i % 2)]
    if i > 4 and i % 4 == 0:  # a claim of an earlier item of another feed, reported again
        mine.append(dataclasses.replace(_claim(i - 3, 0, START + STEP * (i - 3)),
                                        last_seen=when))
    await app.storage.claims.replace_for_item(
        item_id, [ClaimMention(row, p, ClaimSpans(message=(0, 10)))
                  for p, row in enumerate(mine)], when)
    if i % 10 < 3:
        await app.storage.prepared.set_item_topics(item_id, {"deepseek": 5})
    if i > 50 and i % 17 == 0:
        other = f"c{(i - 50) * 3 + 1:011d}"
        await app.storage.claims.add_dispute(mine[0].id, other, '{"code": "contradiction"}',
                                             when)
    return int(item_id)


async def rank_update_cost(app: Any, first: int, clock: StepClock, *, batches: int = 5,
                           size: int = 200) -> dict[str, float]:
    """The rank step of a poll: ``size`` new items written as above, then
    ``ClaimAnswers.update_ranks`` of their ids timed (the ledger's own step is not in it)."""
    sources = [await app.storage.sources.get_by_url(url) for url in FEEDS]
    times = []
    for batch in range(batches):
        start = first + batch * size
        ids = [await write_item(app, i, sources, clock) for i in range(start, start + size)]
        started = time.perf_counter()
        await app.answers.claim_ledger.update_ranks(ids)
        times.append((time.perf_counter() - started) * 1000)
    return {"batch_items": size, "batches": batches,
            "p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def _reads(app: Any) -> dict[str, Callable[[], Awaitable[object]]]:
    from bot.delivery.audience import Audiences
    from bot.model import User

    user = User(id="bench", name="bench", is_admin=True)
    audiences = Audiences(app.config, app.storage)

    def command(line: str) -> Callable[[], Awaitable[object]]:
        async def run() -> object:
            request = app.router.parse_text(line, user=user, platform="console", channel="bench")
            reply = await app.router.handle(request)
            if reply.is_error:
                raise RuntimeError(f"{line}: {reply.title}")
            return reply
        return run

    async def claims_a() -> object:
        return await app.answers.claims(claimant=None, status=None, topic=None, page=1,
                                        community=A)

    async def complete_a() -> object:
        return await app.answers.complete("claimant", "ad", community=A)

    async def live_a() -> object:
        audience = await audiences.of(A)
        newest = await app.storage.items.window(limit=3)
        return await app.delivery.live._claims(audience, [i.id for i in newest])

    return {
        "/claims": command("/claims"), "/claims status:disputed": command(
            "/claims status:disputed"), "/claims claimant:Ada Park": command(
            "/claims claimant:Ada Park"), "/claims topic:deepseek": command(
            "/claims topic:deepseek"), "/claims page:20": command("/claims page:20"),
        "/deepseek": command("/deepseek"), "/sources": command("/sources"),
        "/subscriptions": command("/subscriptions"), "/help": command("/help"),
        "/claims (guild A)": claims_a, "autocomplete 'ad' (guild A)": complete_a,
        "live claims of 3 items (guild A)": live_a,
    }


async def measure(path: Path, items: int, runs: int, fresh: int, root: Path) -> dict[str, Any]:
    from bot.app import build_app
    from bot.ingest import RawArticle

    clock = StepClock(START)
    app = await build_app(_config(path), clock=clock)
    started = time.perf_counter()
    try:
        await fill(app, items, clock)
    finally:
        await app.close()
    fill_s = time.perf_counter() - started
    started = time.perf_counter()
    app = await build_app(_config(path), clock=clock)
    open_s = time.perf_counter() - started
    texts = sorted((root / "tests" / "data" / "claims").glob("en_*.txt"))
    try:
        claims = (await app.storage.db.fetch_one("SELECT COUNT(*) FROM claims"))[0]
        source = await app.storage.sources.get_by_url(FEEDS[0])

        async def baseline() -> object:
            return await app.storage.db.fetch_all(
                "SELECT id, title, url FROM items ORDER BY ingested_at DESC LIMIT 10")

        base = await _times(baseline, runs)
        base_p50 = statistics.median(base)
        results: dict[str, Any] = {}
        added = 0
        for name, read in _reads(app).items():
            warm = await _times(read, runs)
            first = []
            for _ in range(fresh):
                title, _, body = texts[added % len(texts)].read_text(encoding="utf-8").partition(
                    "\n")
                clock.current += STEP
                await app.ingest.ingest_article(source, RawArticle(
                    key=f"fresh{added}", title=title, text=body, language="en",
                    url=f"http://127.0.0.1:9/fresh/{added}", published=clock.now()))
                added += 1
                start = time.perf_counter()
                await read()
                first.append((time.perf_counter() - start) * 1000)
            p50, p99 = statistics.median(warm), _percentile(warm, 0.99)
            results[name] = {
                "p50_ms": round(p50, 2), "p99_ms": round(p99, 2),
                "p50_ratio": round(p50 / base_p50, 1), "p99_ratio": round(p99 / base_p50, 1),
                "first_after_ingest_p50_ms": round(statistics.median(first), 2),
                "first_after_ingest_max_ms": round(max(first), 2),
            }
        update = await rank_update_cost(app, items, clock)
        return {"items": items, "claims": int(claims), "fill_s": round(fill_s, 1),
                "open_s": round(open_s, 2), "baseline_p50_ms": round(base_p50, 3),
                "reads": results, "rank_update_per_200_items": update,
                "rank_update_p50_ratio": round(update["p50_ms"] / base_p50, 1)}
    finally:
        await app.close()


async def run(sizes: list[int], runs: int, fresh: int, root: Path) -> dict[str, Any]:
    out = []
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            out.append(await measure(Path(tmp) / "bench.db", size, runs, fresh, root))
    return {"root": str(root), "runs": runs, "fresh": fresh, "workload": WORKLOAD,
            "baseline": "SELECT id, title, url FROM items ORDER BY ingested_at DESC LIMIT 10",
            "machine": "shared 2-core machine: compare ratios within one run", "sizes": out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", default="1000,10000")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--fresh", type=int, default=5)
    parser.add_argument("--root", type=Path, default=HERE.parent)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.root))
    result = asyncio.run(run([int(n) for n in args.items.split(",")], args.runs, args.fresh,
                             args.root))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
